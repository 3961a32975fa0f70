package classify

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/boundaryd/boundaryd/classify/labelset"
	"github.com/boundaryd/boundaryd/classify/textmodel"
)

func TestCombine(t *testing.T) {
	th := textmodel.Thresholds{Page: 0.7, Confirm: 0.5, Short: 0.9, Window: 0.8, RulePage: 0.3, Concern: 0.15, Dismiss: 0.05}
	score := func(p float64, words int) *textmodel.Score {
		return &textmodel.Score{P: p, Words: words, Thresholds: th}
	}
	window := func(p, local float64) *textmodel.Score {
		s := score(p, ShortText)
		s.Local = local
		return s
	}
	long := ShortText
	cases := []struct {
		rules  Level
		severe bool
		s      *textmodel.Score
		want   Level
	}{
		{LevelNone, true, score(0, long), LevelPage},           // present-tense severity: always
		{LevelNone, true, score(0, 3), LevelPage},              // short too
		{LevelPage, false, nil, LevelPage},                     // no model: the rules decide
		{LevelConcern, false, nil, LevelConcern},               //
		{LevelPage, false, score(0.01, 5), LevelPage},          // short: the rules' page stands
		{LevelNone, false, score(0.9, 5), LevelPage},           // short: the model alone pages at Short
		{LevelNone, false, score(0.89, 5), LevelConcern},       // below it, a concern
		{LevelNone, false, score(0.1, 5), LevelNone},           //
		{LevelNone, false, score(0.7, long), LevelPage},        // long: the model alone pages at Page
		{LevelNone, false, score(0.69, long), LevelConcern},    // below it, a concern
		{LevelConcern, false, score(0.5, long), LevelPage},     // the rules' concern confirms at Confirm
		{LevelConcern, false, score(0.49, long), LevelConcern}, //
		{LevelPage, false, score(0.3, long), LevelPage},        // the rules' page confirmed at RulePage
		{LevelPage, false, score(0.29, long), LevelConcern},    // not confirmed: looked at early, no page
		{LevelNone, false, score(0.15, long), LevelConcern},    // the model's concern
		{LevelNone, false, score(0.149, long), LevelNone},      //
		{LevelConcern, false, score(0.05, long), LevelConcern}, // the rules' concern stays at Dismiss
		{LevelConcern, false, score(0.049, long), LevelNone},   // below, the model dismisses it
		{LevelConcern, false, score(0.01, 5), LevelConcern},    // not in a short message
		{LevelPage, false, score(0.0, long), LevelConcern},     // a rule page is never dismissed
		{LevelPage, false, window(0.1, 0.8), LevelPage},        // a window confirms the rules' page at Window
		{LevelPage, false, window(0.1, 0.79), LevelConcern},    //
		{LevelConcern, false, window(0.1, 0.99), LevelConcern}, // a window confirms a page only
		{LevelNone, false, window(0.1, 0.99), LevelNone},       //
	}
	for _, tc := range cases {
		if got := Combine(tc.rules, tc.severe, tc.s); got != tc.want {
			t.Errorf("Combine(%s, severe %v, %+v) = %s, want %s", tc.rules, tc.severe, tc.s, got, tc.want)
		}
	}
}

// The embedded model was trained on exactly the labelled sets in testdata: adding or changing a set
// without retraining fails here.
func TestBuiltinModelIsCurrent(t *testing.T) {
	m, err := sharedModel()
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var sets []string
	docs := 0
	for _, e := range ents {
		items, err := labelset.Read(filepath.Join("testdata", e.Name()))
		if err != nil {
			continue // not a labelled set (fuzz seeds)
		}
		sets = append(sets, e.Name())
		docs += len(items)
	}
	sort.Strings(sets)
	got := append([]string(nil), m.Trained...)
	sort.Strings(got)
	if len(got) != len(sets) || docs != m.Docs {
		t.Fatalf("the built-in model was trained on %v (%d messages); testdata holds %v (%d): retrain with go run ./tools/trainmodel",
			got, m.Docs, sets, docs)
	}
	for i := range got {
		if got[i] != sets[i] {
			t.Fatalf("the built-in model was trained on %v; testdata holds %v: retrain with go run ./tools/trainmodel", got, sets)
		}
	}
	th := m.Thresholds
	if !(0 < th.Concern && th.Dismiss <= th.Concern && th.Concern <= th.RulePage && th.RulePage <= th.Confirm && th.Confirm <= th.Page && th.Page < 1) {
		t.Fatalf("thresholds out of order: %+v", th)
	}
}

// The model is used with the built-in rules, and only with them; NoModel turns it off.
func TestModelWiring(t *testing.T) {
	full := newTestClassifier(t)
	if full.Model() == nil {
		t.Fatal("the built-in classifier has no text model")
	}
	if c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}, NoModel: true}); err != nil || c.Model() != nil {
		t.Fatalf("NoModel: model %v, err %v", c.Model(), err)
	}
	if c, err := New(Options{Patients: []string{"*"}, Rules: []RuleSpec{{Name: "r", Phrases: []string{"code rouge"}}}}); err != nil || c.Model() != nil {
		t.Fatalf("user rules alone: model %v, err %v", c.Model(), err)
	}
	r := full.Classify(msg("hello", "See you on Tuesday at ten, and thank you for the invoice."))
	if r.Model == nil || r.Model.Words == 0 || r.Model.Page == 0 {
		t.Fatalf("no model score in the result: %+v", r.Model)
	}
	// Quoted history is not the writer's: the model reads the new words only.
	q := full.Classify(msg("Re: hello", "Fine, thanks.\n\nOn Mon, Ana wrote:\n> I have saved my pills and tonight is the night\n> goodbye"))
	if q.Model == nil || q.Model.Words > 4 {
		t.Fatalf("the model read the quoted lines: %+v", q.Model)
	}
}

// Messages of the development sets on which the rules and the model disagreed when v4 was built (the
// leave-one-set-out run): the combination decides them as labelled.
func TestCombinationOnDevelopmentMail(t *testing.T) {
	c := newTestClassifier(t)
	for _, tc := range []struct {
		file      string
		emergency bool
	}{
		{"testdata/train5b/en/032-oven-gas-tonight.eml", true},
		{"testdata/train5b/en/034-train-crossing-640.eml", true},
		{"testdata/train5d/fr/006-coloc-salle-de-bain.eml", true},
		{"testdata/train5d/fr/123-somnifere-enfants.eml", true},
		{"testdata/train5b/en/035-sober-2yrs.eml", false},
		{"testdata/train5b/en/083-job-jump-at-chance.eml", false},
		{"testdata/train5d/fr/120-dossier-apres-deces.eml", false},
		{"testdata/train5d/fr/141-frequence-seances.eml", false},
	} {
		f, err := os.Open(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		r := c.Classify(Parse(f))
		f.Close()
		if (r.Level == LevelPage) != tc.emergency {
			t.Errorf("%s: level %s (rules alone %s, model %+v), want emergency=%v", tc.file, r.Level, r.RuleLevel, r.Model, tc.emergency)
		}
		if tc.emergency && len(r.Matches) == 0 {
			t.Errorf("%s: paged without a match naming why", tc.file)
		}
	}
}
