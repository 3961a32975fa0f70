package classify

import "testing"

// TestGeneralContext checks the context behaviours that are meant to carry over to unseen mail: past markers
// scoped to their clause, age and year markers, other people's stories, the "X will kill me" idiom, resolved
// words shared by two rules, fundraising wording, and farewells that escalate alone unless explained.
func TestGeneralContext(t *testing.T) {
	cases := []ruleCase{
		// Past markers govern their own clause, not the next statement.
		{"past before, same clause", "Back in 2012 I wanted to kill myself every day.", VerdictHold, "past"},
		{"back in is a place here", "If I go back in that office I'm scared of what I'll do to myself.", VerdictEscalate, ""},
		{"coordinated new statement", "I used to cut at school and now I want to kill myself.", VerdictEscalate, ""},
		{"past marker after, other clause", "I want to kill myself, it's like when I was a teenager.", VerdictEscalate, ""},
		{"subordinate clause keeps the past", "When I was at school, I cut myself most nights.", VerdictHold, "past"},
		// Age and year markers.
		{"age in words", "At sixteen I took an overdose of paracetamol.", VerdictHold, "past"},
		{"age in digits fr", "À 17 ans j'ai avalé une boîte de somnifères.", VerdictHold, "past"},
		{"year fr", "En 2018 je voulais mourir, je vais bien aujourd'hui.", VerdictHold, ""},
		{"season and year fr", "L'été 2016, je voulais en finir.", VerdictHold, "past"},
		// Someone else's story, unless the writer speaks of themselves.
		{"neighbour's story fr", "Le voisin du dessus a menacé de sauter du balcon hier, les pompiers sont venus.", VerdictHold, "topic"},
		{"friend's relative", "My flatmate's cousin killed himself in the spring, we went to the service.", VerdictHold, "topic"},
		{"story does not cancel the writer", "The neighbour has a knife and says he is going to kill me.", VerdictEscalate, ""},
		// "X is going to kill me" as a figure of speech, but not with a threat in the sentence.
		{"idiom fr", "Ma sœur va me tuer, j'ai encore oublié son anniversaire.", VerdictHold, "idiom"},
		{"idiom en", "My boss is going to kill me, the report is late again.", VerdictHold, "idiom"},
		{"threat beats idiom", "My brother has a knife and is going to kill me.", VerdictEscalate, ""},
		// A resolved clause silences every rule its words matched.
		{"resolved shared fr", "L'envie de me scarifier a complètement disparu depuis l'été.", VerdictHold, "resolved"},
		{"missing still counts", "Ma fille a disparu depuis hier soir, elle ne répond plus.", VerdictEscalate, ""},
		// Farewells (severity medium) escalate alone unless a benign ending is given.
		{"possessions given away", "I gave my records and my camera to my brother. Thank you for everything.", VerdictEscalate, ""},
		{"possessions and a move", "I gave my records and my camera to my brother since I'm moving to Canada next month.", VerdictHold, "ending"},
		{"last time fr", "C'est la dernière fois que je vous écris.", VerdictEscalate, ""},
		{"last time fr, new therapist", "C'est la dernière fois que je vous écris : je commence avec une autre psychologue en mai.", VerdictHold, "ending"},
		// Counts and medication names, a number first.
		{"count first", "25 ibuprofen an hour ago with vodka", VerdictEscalate, ""},
		{"count and brand fr", "j'ai pris 18 dolipranes tout à l'heure", VerdictEscalate, ""},
		{"weak pair", "I know where he lives. I'm waiting for him to come out.", VerdictEscalate, ""},
		{"weak alone", "Thank you for listening last week.", VerdictHold, "weak-alone"},
	}
	runCases(t, cases)
}

// TestAppealWording checks that fundraising wording silences third-person crisis words only.
func TestAppealWording(t *testing.T) {
	c := newRulesClassifier(t)
	appeal := "Every day people in crisis try to end their life. Please donate today: your gift keeps our helpline open.\nRegistered charity 123456."
	if r := c.Classify(msg("Winter appeal", appeal)); r.Verdict != VerdictHold {
		t.Errorf("appeal: got %s: %s", r.Verdict, describeMatches(r.Matches))
	}
	own := "I saw your newsletter asking me to donate. I want to kill myself tonight."
	if r := c.Classify(msg("hi", own)); r.Verdict != VerdictEscalate {
		t.Errorf("own words in an appeal-like mail: got %s: %s", r.Verdict, describeSuppressed(r.Suppressed))
	}
}

// TestBottomPostKept checks that text written below a quoted auto-reply is judged.
func TestBottomPostKept(t *testing.T) {
	c := newRulesClassifier(t)
	body := "On Mon, 2 Mar 2026 at 09:00, Cabinet <cab@example.org> wrote:\n> I am away. If you are thinking about suicide, call 988.\n>\n> -- \n> Cabinet\n\nI have counted out 40 tablets on the table."
	r := c.Classify(msg("Re: away", body))
	if r.Verdict != VerdictEscalate {
		t.Fatalf("got %s\n  %s\n  %s", r.Verdict, describeMatches(r.Matches), describeSuppressed(r.Suppressed))
	}
	for _, m := range r.Matches {
		if m.Rule == "en-suicide-intent" {
			t.Errorf("the quoted auto-reply counted: %v", m)
		}
	}
}
