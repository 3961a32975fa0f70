package classify

import (
	"os"
	"path/filepath"
	"testing"
)

// The held-out sets were written by people who had not seen the rules, each after the previous round of rule
// changes: heldout (then used to revise the rules), sealed (written blind, then used for a second revision) and
// sealed2 (written blind, never tuned on). The newest sealed set is the honest estimate of how the engine does on
// mail it has never seen. Their floors are looser than the tuned corpus targets (recall 1.00, 3%): they catch a
// collapse in generalisation, while the logged figures are what to compare over time.
var heldoutSets = []struct {
	dir                    string
	minRecall, maxFalseEsc float64
}{
	{"testdata/heldout", 0.90, 0.10},
	{"testdata/sealed", 0.90, 0.10},
	{"testdata/sealed2", 0.70, 0.15},
	// blind3: 233 messages written blind for detection v2 (2026-12-01); first contact with v2 gave 0.774 / 5.7%
	// (v1: 0.634 / 10.0%). Now a development set (v3 was revised on it: 0.968 / 1.4%); its floor guards against a
	// collapse.
	{"testdata/blind3", 0.93, 0.03},
	// blind4: 200 messages written blind for v3 (2026-12-01); first contact with v3 gave 0.750 / 11.2%, coverage
	// 0.881 (v2 0.702 / 11.2%, v1 0.548 / 9.5%). Now a development set for the next revision.
	{"testdata/blind4", 0.95, 0.03},
	// train5a-d: 600 messages written blind (2026-12-01) as training mail for v4; v3 met them at 0.617-0.717 /
	// 4.4-7.8%. The text model is trained on them and every set here, so these figures are in-sample: the
	// leave-one-set-out figures (go run ./tools/trainmodel -loso) are the ones to compare.
	{"testdata/train5a", 0.95, 0.03},
	{"testdata/train5b", 0.95, 0.03},
	{"testdata/train5c", 0.95, 0.03},
	{"testdata/train5d", 0.95, 0.03},
	// train6a-d: 600 more (2026-12-02); v4 met them at first contact, before they were added: 0.945 / 3.0%,
	// coverage 1.000.
	{"testdata/train6a", 0.95, 0.03},
	{"testdata/train6b", 0.95, 0.03},
	// The rules were never developed on train6: where they page a trap, one window of it can confirm the page
	// (v6), which the whole message did not: 3 and 4 false pages in-sample there.
	{"testdata/train6c", 0.95, 0.05},
	{"testdata/train6d", 0.95, 0.05},
	// blind5: 220 messages written blind for v4 (2026-12-01); first contact with v4 gave 0.943 / 2.3%, coverage
	// 1.000 (v3: 0.773 / 9.1%, coverage 0.909). Now a development set.
	{"testdata/blind5", 0.95, 0.03},
	// blind6: 220 messages written blind for v5 (2026-12-02); first contact with v5 gave 0.955 / 1.5%, coverage
	// 1.000 (en 0.932 / 1.5%, fr 0.977 / 1.5%). Now a development set: the next revision needs a new blind set.
	{"testdata/blind6", 0.95, 0.03},
	// blind7: 200 messages written blind for v6 (2026-12-02); first contact with v6 gave 0.987 / 4.9%, coverage
	// 1.000 (en 0.975 / 6.7%, fr 1.000 / 3.2%); v5, for comparison, 0.961 / 0.8%. Now a development set.
	{"testdata/blind7", 0.95, 0.05},
	// train7a-d: 600 messages written blind (2026-12-02) as training mail for v7, a and c long mail; first
	// contact with v6 gave 0.983 / 10.6%, coverage 1.000 (the rules alone 0.825 / 13.9%: long traps they page),
	// with v6 plus a window threshold of its own 0.983 / 7.2%. Then trained on.
	{"testdata/train7a", 0.95, 0.05},
	{"testdata/train7b", 0.95, 0.05},
	{"testdata/train7c", 0.95, 0.05},
	{"testdata/train7d", 0.95, 0.05},
	// blind8: 210 messages written blind for v7 (2026-12-02); first contact with v7 gave 0.988 / 0.0%, coverage
	// 1.000 (en 0.976 / 0%, fr 1.000 / 0%; the rules alone 0.786 / 7.9%, the model alone 0.929 / 0%); v6, for
	// comparison, 0.964 / 4.0%. Now a development set: the next revision needs a new blind set.
	{"testdata/blind8", 0.95, 0.03},
	// blind9: 200 messages written blind for v7.1 (2026-12-02; half the emergencies explicit, often inside
	// ordinary mail); first contact with v7.1 gave 1.000 / 1.7%, coverage 1.000 (en 1.000 / 0%, fr 1.000 / 3.3%;
	// the rules alone 0.877 / 7.6%, the model alone 0.901 / 0%); v7 the same. Now a development set: the next
	// revision needs a new blind set.
	{"testdata/blind9", 0.95, 0.03},
	// blind10: 200 messages written blind for v7.2 (2026-12-02; half the emergencies explicit, many short
	// messages); first contact with v7.2 gave 0.963 / 0.8%, coverage 1.000 (en 1.000 / 0%, fr 0.925 / 1.7%; the
	// rules alone 0.887 / 8.3%, the model alone 0.887 / 0%). Now a development set: the next revision needs a new
	// blind set.
	{"testdata/blind10", 0.95, 0.03},
	// blind11: 160 messages written blind for v7.3 (2026-12-02); first contact with v7.3 gave 0.969 / 3.2%, coverage
	// 1.000 (en 1.000 / 6.4%, fr 0.938 / 0%; the rules alone 0.877 / 10.5%, the model alone 0.938 / 1.1%). Now a
	// development set: the next revision needs a new blind set.
	{"testdata/blind11", 0.95, 0.04},
	// blind12: 220 messages written blind for v7.4 (2026-12-02; half of them long or short, half the emergencies
	// explicit); first contact with v7.4 gave 1.000 / 2.3%, coverage 1.000 (en 1.000 / 1.5%, fr 1.000 / 3.0%; the
	// rules alone 0.932 / 17.4%, the model alone 0.989 / 0%); v7.3, for comparison, 1.000 / 3.0%. Now a
	// development set: the next revision needs a new blind set.
	{"testdata/blind12", 0.95, 0.04},
	// testdata/unseen holds the sets the trainer never reads (it takes only testdata's own subdirectories).
	// unseen/blind13: 200 messages written blind for v7.5 (2026-12-02; many replies with quoted history and many
	// writers other than the patient); first contact with v7.5 gave 1.000 / 0.0%, coverage 1.000 (the rules alone
	// 0.950 / 15.0%, the model alone 1.000 / 0%); v7.6, never tuned on it, the same.
	{"testdata/unseen/blind13", 0.95, 0.04},
	// unseen/blind14: 200 messages written blind for v7.6 (2026-12-02; HTML from real clients, short messages,
	// endings of every kind); first contact with v7.6, the shipped engine, gave 1.000 / 3.3%, coverage 1.000 (en
	// 1.000 / 1.7%, fr 1.000 / 5.0%; the rules alone 0.900 / 7.5%, the model alone 0.988 / 0.8%); v7.5 the
	// same. The next revision moves both to testdata and needs a new blind set.
	{"testdata/unseen/blind14", 0.95, 0.05},
}

// TestEvalHeldout measures the engine and the substring baseline (the built-in phrases, as on the corpus) on
// each held-out set. Run with -v for the table, the per-kind errors and the match or suppression behind each
// wrong verdict.
func TestEvalHeldout(t *testing.T) {
	if dir := os.Getenv("BOUNDARY_EVAL_DIR"); dir != "" {
		// Any labelled directory (labels.tsv: file, expect, lang, kind, note; the files it names, e.g. en/x.eml),
		// in the repository or outside it: the figures are logged, nothing is asserted beyond a readable set.
		//   BOUNDARY_EVAL_DIR=/path/to/set go test ./classify -run TestEvalHeldout -v -count=1
		t.Run(filepath.Base(dir), func(t *testing.T) { evalSet(t, dir, 1, 0, 1) })
		return
	}
	for _, set := range heldoutSets {
		t.Run(filepath.Base(set.dir), func(t *testing.T) {
			evalSet(t, set.dir, 100, set.minRecall, set.maxFalseEsc)
		})
	}
}
