package classify_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/classify"
)

// The sealed set was written without looking at the rules, the dev corpus or
// the first held-out set, so it measures generalisation rather than fit.
// It lives in an external test package so that only the exported API is used.
const sealedDir = "testdata/sealed"

// Sanity floors only: the sealed figures are meant to be reported, not tuned to.
const (
	sealedMinRecall       = 0.75
	sealedMaxFalseEscRate = 0.15
)

// sealedBaselineKeywords is what a plain Sieve `body :contains` filter would list:
// common crisis words in English and French, matched case-insensitively.
var sealedBaselineKeywords = []string{
	// English
	"suicid", "kill myself", "end my life", "want to die", "overdose",
	"self-harm", "cut myself", "hurt myself", "better off without me", "pills",
	"knife", "gun", "goodbye", "can't go on", "no reason to live",
	// French
	"me tuer", "en finir", "mettre fin", "envie de mourir", "plus vivre",
	"me faire du mal", "scarif", "cachets", "médicaments", "couteau",
	"fusil", "adieu", "dernier message", "mieux sans moi", "plus d'issue",
}

type sealedCase struct {
	file, expect, lang, kind, note string
}

func readSealedLabels(t *testing.T) []sealedCase {
	t.Helper()
	f, err := os.Open(filepath.Join(sealedDir, "labels.tsv"))
	if err != nil {
		t.Fatalf("open sealed labels: %v", err)
	}
	defer f.Close()
	var cases []sealedCase
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 {
			if strings.Join(cols, ",") != "file,expect,lang,kind,note" {
				t.Fatalf("labels.tsv: unexpected header %q", sc.Text())
			}
			continue
		}
		if len(cols) != 5 {
			t.Fatalf("labels.tsv line %d: %d columns, want 5", line, len(cols))
		}
		c := sealedCase{cols[0], cols[1], cols[2], cols[3], cols[4]}
		if c.expect != classify.VerdictEscalate && c.expect != classify.VerdictHold {
			t.Fatalf("labels.tsv line %d: expect %q", line, c.expect)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read sealed labels: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("labels.tsv lists no messages")
	}
	return cases
}

func sealedBaselineEscalates(m *classify.Message) bool {
	text := strings.ToLower(m.Subject + "\n" + m.Body)
	for _, k := range sealedBaselineKeywords {
		if strings.Contains(text, k) {
			return true
		}
	}
	return false
}

// sealedScore accumulates the confusion counts of one classifier.
type sealedScore struct {
	esc, hold, tp, fp int
}

func (s *sealedScore) add(expect string, escalated bool) {
	if expect == classify.VerdictEscalate {
		s.esc++
		if escalated {
			s.tp++
		}
		return
	}
	s.hold++
	if escalated {
		s.fp++
	}
}

func (s sealedScore) recall() float64   { return sealedRatio(s.tp, s.esc) }
func (s sealedScore) falseEsc() float64 { return sealedRatio(s.fp, s.hold) }

func (s sealedScore) String() string {
	return fmt.Sprintf("recall %d/%d = %.3f, false escalation %d/%d = %.3f",
		s.tp, s.esc, s.recall(), s.fp, s.hold, s.falseEsc())
}

func sealedRatio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func TestEvalSealed(t *testing.T) {
	cases := readSealedLabels(t)
	c, err := classify.New(classify.Options{Patients: []string{"*"}, Builtin: classify.BuiltinSets()})
	if err != nil {
		t.Fatalf("new classifier: %v", err)
	}

	var engine, base sealedScore
	perLang := map[string]*sealedScore{}
	missesByKind := map[string][]string{}
	kindTotals := map[string]int{}
	for _, tc := range cases {
		raw, err := os.ReadFile(filepath.Join(sealedDir, filepath.FromSlash(tc.file)))
		if err != nil {
			t.Fatalf("read %s: %v", tc.file, err)
		}
		m := classify.Parse(strings.NewReader(string(raw)))
		res := c.Classify(m)
		got := res.Verdict == classify.VerdictEscalate

		engine.add(tc.expect, got)
		base.add(tc.expect, sealedBaselineEscalates(m))
		if perLang[tc.lang] == nil {
			perLang[tc.lang] = &sealedScore{}
		}
		perLang[tc.lang].add(tc.expect, got)
		kindTotals[tc.expect+"/"+tc.kind]++

		if got != (tc.expect == classify.VerdictEscalate) {
			why := "no unsuppressed match"
			if got && len(res.Matches) > 0 {
				why = "matched rule " + res.Matches[0].Rule + " on " + res.Matches[0].Field
			} else if !got && len(res.Suppressed) > 0 {
				why = fmt.Sprintf("%d match(es) suppressed", len(res.Suppressed))
			}
			key := tc.expect + "/" + tc.kind
			missesByKind[key] = append(missesByKind[key], fmt.Sprintf("%s (verdict %s: %s)", tc.file, res.Verdict, why))
		}
	}

	t.Logf("sealed set: %d messages (%d escalate, %d hold)", len(cases), engine.esc, engine.hold)
	t.Logf("engine:   %s", engine)
	t.Logf("baseline: %s (%d keywords, plain substring)", base, len(sealedBaselineKeywords))
	langs := make([]string, 0, len(perLang))
	for l := range perLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		t.Logf("engine [%s]: %s", l, perLang[l])
	}
	kinds := make([]string, 0, len(missesByKind))
	for k := range missesByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("misclassified %s: %d of %d", k, len(missesByKind[k]), kindTotals[k])
		for _, f := range missesByKind[k] {
			t.Logf("    %s", f)
		}
	}

	if engine.recall() < sealedMinRecall {
		t.Errorf("sealed recall %.3f below sanity floor %.2f", engine.recall(), sealedMinRecall)
	}
	if engine.falseEsc() > sealedMaxFalseEscRate {
		t.Errorf("sealed false escalation %.3f above sanity floor %.2f", engine.falseEsc(), sealedMaxFalseEscRate)
	}
}
