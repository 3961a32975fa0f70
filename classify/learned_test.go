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
	// Risk words the rules set aside in context keep a short message from paging on the score alone.
	for _, l := range []Level{LevelNone, LevelConcern} {
		if got := Combine(RuleVerdict{Level: l, SetAside: true}, score(0.99, 5)); got != l && !(l == LevelNone && got == LevelConcern) {
			t.Errorf("short, %s, set aside, score 0.99: %s", l, got)
		}
		if got := Combine(RuleVerdict{Level: l, SetAside: true}, score(0.99, 5)); got == LevelPage {
			t.Errorf("short, %s, set aside, score 0.99: paged", l)
		}
	}
	if got := Combine(RuleVerdict{Level: LevelConcern, SetAside: true}, score(0.99, ShortText)); got != LevelPage {
		t.Errorf("long, concern set aside, score 0.99: %s, want page", got)
	}
	for _, tc := range cases {
		if got := Combine(RuleVerdict{Level: tc.rules, Severe: tc.severe}, tc.s); got != tc.want {
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
	for _, name := range m.Trained {
		if _, err := os.Stat(filepath.Join("testdata", "unseen", name)); err == nil {
			t.Fatalf("the built-in model was trained on %s, which testdata/unseen keeps for first contact", name)
		}
	}
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

// An explicit intent with a set time close by (tonight, tomorrow, this weekend), in one of the writer's
// sentences, pages however long and ordinary the rest of the mail, in each language; negated, past, quoted or
// a purchase, it does not count as one.
func TestImminentIntent(t *testing.T) {
	c := newTestClassifier(t)
	chatEN := " Thank you for our session on Monday, it helped me think about my mother. I wanted to ask whether we could" +
		" move our appointment to Friday at ten. This week was busy, and I felt nervous about the meeting with my manager." +
		"\n\nMy sister called me and we talked about the holidays for a long time. I have been trying the breathing exercise" +
		" every morning before work. I will bring the receipt for the insurance next time. On Tuesday I went for a walk by" +
		" the canal and it did me good. Could you send me the invoice for last month when you have a moment?\n\nBest regards,\nEmma"
	chatFR := " Merci pour la séance de lundi, elle m'a aidée à réfléchir à ma mère. Je voulais savoir si nous pouvions" +
		" déplacer le rendez-vous à vendredi à dix heures. Cette semaine a été chargée, et j'étais nerveuse après la réunion" +
		" avec ma cheffe.\n\nMa sœur m'a appelée et nous avons parlé des vacances longtemps. J'ai essayé l'exercice de" +
		" respiration chaque matin avant le travail. J'apporterai le reçu pour la mutuelle la prochaine fois. Pourriez-vous" +
		" m'envoyer la facture du mois dernier quand vous aurez un moment ?\n\nBien à vous,\nCamille"
	for _, tc := range []struct {
		body     string
		imminent bool
	}{
		{"Hello,\n\nI have decided to end my life tonight." + chatEN, true},
		{"Hello,\n\nI want to kill myself today, I have a plan." + chatEN, true},
		{"Bonjour,\n\nJ'ai décidé de mettre fin à mes jours ce soir." + chatFR, true},
		{"Bonjour,\n\nJe veux me tuer ce soir, c'est décidé." + chatFR, true},
		{"Hello,\n\nI am not going to end my life tonight, I promise." + chatEN, false},
		{"Hello,\n\nTwo years ago I tried to end my life, and today I feel proud of the road since." + chatEN, false},
		{"Hello,\n\nI wanted to end my life, on some days last year." + chatEN, false},
		{"Bonjour,\n\nJe me suis acheté une corde d'escalade ce matin pour le club." + chatFR, false},
		// A set day close by is announced too; a foretold death ("I'm going to die at this exam") is dread.
		{"Hello,\n\nI am going to kill myself this weekend, it is all arranged." + chatEN, true},
		{"Hello,\n\nI will end my life tomorrow, I wanted you to know." + chatEN, true},
		{"Bonjour,\n\nJe vais me tuer ce week-end, tout est prêt." + chatFR, true},
		{"Bonjour,\n\nJ'ai décidé de me suicider demain soir." + chatFR, true},
		{"Hello,\n\nI see my father tomorrow and honestly I think I am going to die." + chatEN, false},
		{"Bonjour,\n\nJe revois mon père demain et franchement je crois que je vais mourir." + chatFR, false},
		{"Hello,\n\nTonight I am going to die, I have decided." + chatEN, true},
		{"Bonjour,\n\nCe soir je vais me laisser mourir, c'est décidé." + chatFR, true},
	} {
		r := c.Classify(msg("About Tuesday", tc.body))
		if r.Imminent != tc.imminent {
			t.Errorf("%.60q: imminent %v, want %v (level %s, matches %s)", tc.body, r.Imminent, tc.imminent, r.Level, describeMatches(r.Matches))
		}
		if tc.imminent && r.Level != LevelPage {
			t.Errorf("%.60q: level %s, want page (model %+v)", tc.body, r.Level, r.Model)
		}
	}
}

// "jpp" is SMS French for "j'en peux plus" (I can't take any more): the normaliser spells it out, so it
// must not be one of the laughter markers that make "me tuer" a figure of speech.
func TestDespairIsNotLaughter(t *testing.T) {
	c := newTestClassifier(t)
	for body, page := range map[string]bool{
		"jvais me tuer ce soir jen peux plus dsl": true,
		"jvais me tuer ce soir jpp":               true,
		"ce prof va me tuer mdr":                  false,
		"ma cheffe va me tuer haha":               false,
	} {
		if r := c.Classify(msg("", body)); (r.Level == LevelPage) != page {
			t.Errorf("%q: level %s, want page %v (suppressed %s)", body, r.Level, page, describeSuppressed(r.Suppressed))
		}
	}
}
