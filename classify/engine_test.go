package classify

import (
	"encoding/json"
	"strings"
	"testing"
)

func newTestClassifier(t testing.TB) *Classifier {
	t.Helper()
	c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newRulesClassifier is the rules stage alone (rules, frames, context): the tests of what the rules say
// use it; the text model's share of the level is measured on the labelled sets (tools/trainmodel -loso).
func newRulesClassifier(t testing.TB) *Classifier {
	t.Helper()
	c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}, NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func msg(subject, body string) *Message {
	return Parse(strings.NewReader("From: Ana <ana@example.org>\r\nSubject: " + subject + "\r\nMessage-ID: <x@y>\r\n\r\n" + body))
}

func TestCheckPhrase(t *testing.T) {
	good := []string{"want to die", "(i|we) [really] want* ~3 die", "je ne veux plus vivre", "j'ai pris", "self-harm", "end it ... tonight",
		"[so|really] sad", "(a|b c|) d", "room 1*"}
	for _, p := range good {
		if err := CheckPhrase(p); err != nil {
			t.Errorf("CheckPhrase(%q): %v", p, err)
		}
	}
	bad := []string{"", "(", "a)", "[a", "~3 die", "die ~9", "(|)", "ki*ll", "a*", "...", "[a] ~2", "-", strings.Repeat("(a|b) ", 300)}
	for _, p := range bad {
		if err := CheckPhrase(p); err == nil {
			t.Errorf("CheckPhrase(%q): want an error", p)
		}
	}
	if err := CheckRegex(`\bpills?\b`); err != nil {
		t.Error(err)
	}
	for _, r := range []string{"(", "", "a*"} {
		if CheckRegex(r) == nil {
			t.Errorf("CheckRegex(%q): want an error", r)
		}
	}
}

// TestPhraseMatching checks the phrase language and text normalisation with one user rule.
func TestPhraseMatching(t *testing.T) {
	cases := []struct {
		phrase, text string
		want         bool
	}{
		{"want to die", "I WANT TO DIE", true},
		{"want ~3 die", "I want so badly to die", true},
		{"want ~3 die", "I wanna die", true},
		{"want ~1 die", "I want so badly to die", false},
		{"(end|take) my [own] life", "I will take my own life", true},
		{"(end|take) my [own] life", "end my life", true},
		{"suicid*", "suiiicidal", true},
		{"kill myself", "gonna kil myself", true},
		{"kill myself", "killl myself", true},
		{"took an overdose", "took an overdoze", true},        // one typo in a long word
		{"overdose tonight", "overdoze tonight", false},       // but the first word is spelled right
		{"mourir ce soir", "nourrir ce soir", false},          // short words need the exact spelling
		{"j'ai pris", "jai pris", true},                       // SMS
		{"j'ai pris", "J’ai pris", true},                      // typographic apostrophe
		{"je veux mourir", "jveux mourir", true},              // SMS
		{"je suis a bout", "chui à bout", true},               // SMS + accent
		{"je ne veux plus vivre", "je veux plu vivre", false}, // "ne" is required by this phrase
		{"ne plus vivre", "ne plus vivre", true},
		{"médicaments", "MEDICAMENTS", true},
		{"cœur", "coeur", true},
		{"i do not want to live", "I don't want to live", true},
		{"i do not want to live", "i dont want to live", true},
		{"want to die", "want to. Die", false}, // a phrase stays within a sentence
		{"want ~3 die", "I want\nto die", true},
		{"self harm", "self-harm", true},
	}
	for _, tc := range cases {
		c, err := New(Options{Patients: []string{"*"}, Rules: []RuleSpec{{Name: "r", Phrases: []string{tc.phrase}}}})
		if err != nil {
			t.Fatalf("%q: %v", tc.phrase, err)
		}
		r := c.Classify(msg("x", tc.text))
		got := len(r.Matches)+len(r.Suppressed) > 0
		if got != tc.want {
			t.Errorf("phrase %q on %q: matched=%v want %v", tc.phrase, tc.text, got, tc.want)
		}
	}
}

// TestContext is the table of context decisions with the built-in rules.
func TestContext(t *testing.T) {
	cases := []struct {
		text   string
		want   Verdict
		reason Reason
	}{
		// Crisis statements that carry their own negation.
		{"I don't want to live anymore.", VerdictEscalate, ""},
		{"I can't keep myself safe tonight.", VerdictEscalate, ""},
		{"I'm not safe.", VerdictEscalate, ""},
		{"Je ne veux plus vivre.", VerdictEscalate, ""},
		{"Je ne vois plus d'issue.", VerdictEscalate, ""},
		{"There is no reason to keep going.", VerdictEscalate, ""},
		// A negation cancels only in its own scope.
		{"This isn't an emergency, but I keep thinking of killing myself.", VerdictEscalate, ""},
		{"Rien d'urgent, mais j'ai envie de mourir.", VerdictEscalate, ""},
		{"I'm not going to kill myself, don't worry.", VerdictHold, "negated"},
		{"I have no intention of killing myself.", VerdictHold, "negated"},
		{"I could never hurt myself, I love my kids too much.", VerdictHold, "negated"},
		{"I might not be able to stop myself from hurting myself.", VerdictEscalate, ""},
		{"Je ne vais pas me suicider, rassurez-vous.", VerdictHold, "negated"},
		{"Je n'ai aucune envie de mourir.", VerdictHold, "negated"},
		{"I can't stop thinking about killing myself.", VerdictEscalate, ""},
		{"I'm not sure I won't kill myself.", VerdictEscalate, ""},
		{"Je n'arrête pas de penser à me suicider.", VerdictEscalate, ""},
		{"J'ai de plus en plus envie de mourir.", VerdictEscalate, ""},
		// Idioms.
		{"This job is killing me.", VerdictHold, ""},
		{"I'm dying to tell you about the trip.", VerdictHold, ""},
		{"Ce boulot me tue.", VerdictHold, ""},
		{"J'étais morte de rire.", VerdictHold, ""},
		{"Je meurs de faim.", VerdictHold, ""},
		{"I'm going to jump out of a plane for charity!", VerdictHold, "idiom"},
		// Past and resolved.
		{"Ten years ago I tried to kill myself.", VerdictHold, "past"},
		{"Ten years ago I tried to kill myself and now I want to kill myself again.", VerdictEscalate, ""},
		{"L'hiver dernier je voulais en finir, c'est derrière moi.", VerdictHold, ""},
		{"I had urges to hurt myself on Saturday, but they passed.", VerdictHold, "resolved"},
		// Topic.
		{"We watched a documentary where a man says he wants to kill himself.", VerdictHold, "topic"},
		{"I watched a film yesterday and I want to kill myself.", VerdictEscalate, ""},
		// Plain emergencies.
		{"I took all my pills an hour ago.", VerdictEscalate, ""},
		{"j'ai avalé toute la boîte de somnifères", VerdictEscalate, ""},
		{"He has a knife and says he will kill me.", VerdictEscalate, ""},
		{"Please reschedule Thursday, it's urgent.", VerdictHold, ""},
	}
	c := newTestClassifier(t)
	for _, tc := range cases {
		r := c.Classify(msg("hello", tc.text))
		if r.Verdict != tc.want {
			t.Errorf("%q: got %s, want %s\n  matches %s\n  suppressed %s", tc.text, r.Verdict, tc.want, describeMatches(r.Matches), describeSuppressed(r.Suppressed))
			continue
		}
		if tc.reason != "" {
			found := false
			for _, s := range r.Suppressed {
				found = found || s.Reason == tc.reason
			}
			if !found {
				t.Errorf("%q: want a suppression with reason %q, got %s", tc.text, tc.reason, describeSuppressed(r.Suppressed))
			}
		}
	}
}

func TestRoutingAndVerdicts(t *testing.T) {
	c, err := New(Options{Allow: []string{"partner@example.org", "*@hopital.example"}, Patients: []string{"ana@example.org", "*@patients.example"}, Builtin: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]string{
		"Partner@Example.org": SenderAllowed, "dr@HOPITAL.example": SenderAllowed, "ana@example.org": SenderPatient,
		"x@patients.example": SenderPatient, "x@sub.patients.example": SenderOther, "": SenderOther, "bob@other.example": SenderOther,
	} {
		if got := c.Route(addr); got != want {
			t.Errorf("Route(%q) = %s, want %s", addr, got, want)
		}
	}
	mk := func(from, body string) *Message {
		return Parse(strings.NewReader("From: " + from + "\r\nSubject: s\r\n\r\n" + body))
	}
	cases := []struct {
		from, body string
		want       Verdict
	}{
		{"partner@example.org", "I want to kill myself", VerdictPass},
		{"ana@example.org", "I want to kill myself", VerdictEscalate},
		{"ana@example.org", "see you Tuesday", VerdictHold},
		{"mum@other.example", "my daughter said she wants to kill herself", VerdictEscalate},
		{"shop@other.example", "your order shipped", VerdictPass},
	}
	for _, tc := range cases {
		if r := c.Classify(mk(tc.from, tc.body)); r.Verdict != tc.want {
			t.Errorf("%s %q: %s, want %s", tc.from, tc.body, r.Verdict, tc.want)
		}
	}
	for _, p := range []string{"a@b", "*@b.example", "*"} {
		if err := CheckSenderPattern(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"", "nobody", "@x", "a@", "a@b@c", "*@", "a b@c", "*.example"} {
		if CheckSenderPattern(p) == nil {
			t.Errorf("%q: want an error", p)
		}
	}
}

func TestUserRules(t *testing.T) {
	no := false
	c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}, Rules: []RuleSpec{
		{Name: "my-words", Phrases: []string{"zèbre (bleu|rouge)"}, Fields: []string{"body"}, Category: "intent", Severity: "critical"},
		{Name: "subject-only", Phrases: []string{"red balloon"}, Fields: []string{"subject"}},
		{Name: "codes", Regex: []string{`\bcode (red|rouge)\b`}},
		{Name: "fixed", Phrases: []string{"not fine"}, Negatable: &no},
		{Name: "en-self-harm", Disabled: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(subject, body string, want Verdict, rule string) {
		t.Helper()
		r := c.Classify(msg(subject, body))
		if r.Verdict != want {
			t.Errorf("%q/%q: %s, want %s (%s)", subject, body, r.Verdict, want, describeSuppressed(r.Suppressed))
			return
		}
		if rule != "" && (len(r.Matches) == 0 || r.Matches[0].Rule != rule) {
			t.Errorf("%q/%q: want rule %s, got %s", subject, body, rule, describeMatches(r.Matches))
		}
	}
	check("x", "J'ai vu le ZEBRE bleu.", VerdictEscalate, "my-words")
	check("zèbre bleu", "rien", VerdictHold, "")
	check("red balloon", "hi", VerdictEscalate, "subject-only")
	check("hi", "red balloon", VerdictHold, "")
	check("hi", "We have a Code Rouge.", VerdictEscalate, "codes")
	check("hi", "I'm not fine", VerdictEscalate, "fixed")
	check("hi", "I keep cutting myself", VerdictHold, "") // built-in rule switched off

	for _, bad := range []RuleSpec{
		{Name: "", Phrases: []string{"x"}},
		{Name: "empty"},
		{Name: "bad-phrase", Phrases: []string{"(oops"}},
		{Name: "bad-regex", Regex: []string{"("}},
		{Name: "bad-field", Phrases: []string{"x"}, Fields: []string{"header"}},
		{Name: "bad-lang", Phrases: []string{"x"}, Lang: "de"},
		{Name: "bad-severity", Phrases: []string{"x"}, Severity: "urgent"},
		{Name: "no-such-builtin", Disabled: true},
	} {
		_, err := New(Options{Builtin: []string{"en"}, Rules: []RuleSpec{bad}})
		if err == nil || !strings.Contains(err.Error(), bad.Name) {
			t.Errorf("rule %q: want an error naming it, got %v", bad.Name, err)
		}
	}
	if _, err := New(Options{Builtin: []string{"de"}}); err == nil {
		t.Error("unknown built-in set: want an error")
	}
}

func TestBuiltinSets(t *testing.T) {
	sets := BuiltinSets()
	if strings.Join(sets, ",") != "en,fr" {
		t.Fatalf("BuiltinSets() = %v", sets)
	}
	cats := map[string]bool{}
	for _, s := range sets {
		b, err := BuiltinYAML(s)
		if err != nil || !strings.Contains(string(b), "rules:") {
			t.Fatalf("BuiltinYAML(%s): %v", s, err)
		}
		rules, err := builtinRules(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			cats[r.Category] = true
			if r.Lang != s {
				t.Errorf("%s: lang %q", r.Name, r.Lang)
			}
		}
	}
	for _, want := range []string{"intent", "self-harm", "overdose", "violence", "third-party", "goodbye", "acute-crisis"} {
		if !cats[want] {
			t.Errorf("no built-in rule of category %s", want)
		}
	}
	if _, err := BuiltinYAML("../classify"); err == nil {
		t.Error("path-like set name: want an error")
	}
}

func TestResultJSONAndExcerpt(t *testing.T) {
	c := newTestClassifier(t)
	body := "Hello,\n\nSorry to write so late, the week was long and the evening longer still. Honestly I want to end my life tonight, I have everything ready in the drawer and nobody is home.\n"
	r := c.Classify(msg("late", body))
	r.File = "m.eml"
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"file", "message_id", "from", "sender", "verdict", "matches", "suppressed"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if len(r.Matches) == 0 {
		t.Fatalf("no match: %s", b)
	}
	m := r.Matches[0]
	if m.Field != "body" || m.Words != "end my life" || !strings.Contains(m.Excerpt, "want to end my life tonight") || !strings.HasPrefix(m.Excerpt, "...") {
		t.Errorf("match %+v", m)
	}
	if r.Snippet == "" || strings.Contains(r.Snippet, "\n") || len(r.Categories) == 0 {
		t.Errorf("snippet %q categories %v", r.Snippet, r.Categories)
	}
	// Empty lists are [] in JSON, not null.
	r = c.Classify(msg("hi", "see you"))
	b, _ = json.Marshal(r)
	if !strings.Contains(string(b), `"matches":[]`) || !strings.Contains(string(b), `"suppressed":[]`) {
		t.Errorf("want empty arrays: %s", b)
	}
}
