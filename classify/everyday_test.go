package classify

import "testing"

// TestEverydayMail checks ordinary mail and a few emergencies written for this test, outside the corpus.
func TestEverydayMail(t *testing.T) {
	c := newRulesClassifier(t)
	cases := []struct {
		text string
		want Verdict
	}{
		{"Can you send me the invoice for March? Thanks, Paul", VerdictHold},
		{"My mum died last year and I still cry every evening.", VerdictHold},
		{"I'm dead tired after this week, see you Tuesday.", VerdictHold},
		{"Ma mère va me tuer quand elle verra mes notes.", VerdictHold},
		{"My wife is going to kill me when she finds out I forgot the tickets.", VerdictHold},
		{"I had an overdose of coffee today haha.", VerdictHold},
		{"Je suis morte de fatigue, on peut décaler ?", VerdictHold},
		{"We talked about suicide prevention at work today, interesting training.", VerdictHold},
		{"I feel like I'm drowning in work, can we move the session?", VerdictHold},
		{"Could we end the session 10 minutes early next week?", VerdictHold},
		{"I want to die my hair pink lol", VerdictHold},
		{"Je n'ai jamais pensé au suicide, rassurez-vous.", VerdictHold},
		{"I'm not suicidal, just really sad this week.", VerdictHold},
		{"Thanks for everything you did this year, I won't be coming back in January as I'm moving to Lyon.", VerdictHold},
		{"I've decided to stop therapy, I'm at peace with it. Thank you for everything.", VerdictHold},
		{"honestly i cant do this anymore, i have the pills in front of me", VerdictEscalate},
		{"je vais sauter du pont ce soir", VerdictEscalate},
		{"He said he's going to kill me when he gets home. I'm hiding in the bathroom.", VerdictEscalate},
		{"He said he will kill me when he gets home.", VerdictEscalate},
	}
	for _, tc := range cases {
		r := c.Classify(msg("hello", tc.text))
		if r.Verdict != tc.want {
			t.Errorf("%q: %s, want %s\n  %s | %s", tc.text, r.Verdict, tc.want, describeMatches(r.Matches), describeSuppressed(r.Suppressed))
		}
	}
}
