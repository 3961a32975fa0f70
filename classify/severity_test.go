package classify

import "testing"

// TestPresentSeverityNeverSuppressed proves, per language, that no suppression (past, resolved, topic,
// ending, informational) cancels present-tense severity: bleeding now, pills just taken, a weapon in hand. Each
// case pairs the severe message with its control, the same context without the severity, which must not page:
// the context markers are live, and only the severity overrides them.
func TestPresentSeverityNeverSuppressed(t *testing.T) {
	c := newTestClassifier(t)
	cases := []struct {
		lang, severe, control string
	}{
		{"en", "The urge to cut has gone, it's over, but it hasn't stopped bleeding.",
			"The urge to cut has gone, it's over."},
		{"en", "Back in 2019 I cut my arms a lot. Tonight I cut again and I'm still bleeding, the towel is red.",
			"Back in 2019 I cut my arms a lot."},
		{"en", "When I was 16 I took an overdose. I've just taken 30 paracetamol.",
			"When I was 16 I took an overdose."},
		{"en", "We watched that film about a stalker in group. He is holding a knife right now and shouting at the kids.",
			"We watched that film about a stalker in group."},
		{"fr", "L'envie de me couper est passée, c'est fini, mais ça n'arrête pas de saigner.",
			"L'envie de me couper est passée, c'est fini."},
		{"fr", "En 2019 je me coupais beaucoup. Ce soir je me suis recoupée et je saigne encore, la serviette est rouge.",
			"En 2019 je me coupais beaucoup."},
		{"fr", "À 16 ans j'avais fait une surdose. Je viens d'avaler toute la boîte de somnifères.",
			"À 16 ans j'avais fait une surdose."},
		{"fr", "On a parlé d'un film sur la violence en groupe. Mon mari tient un couteau et il crie sur les enfants.",
			"On a parlé d'un film sur la violence en groupe."},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.lang] = true
		r := c.Classify(msg("ce soir / tonight", tc.severe))
		if r.Level != LevelPage {
			t.Errorf("%s: %q: level %s, want page\n  frames: %s\n  suppressed: %s", tc.lang, tc.severe, r.Level,
				describeFrames(r.Frames), describeSuppressed(r.Suppressed))
		}
		if r := c.Classify(msg("hello", tc.control)); r.Level == LevelPage {
			t.Errorf("%s: control %q pages (%s): the context it relies on is not live", tc.lang, tc.control, describeMatches(r.Matches))
		}
	}
	if !seen["en"] || !seen["fr"] {
		t.Fatal("each language needs its case")
	}
}

// TestLevels checks the three levels and their verdicts: a single means or farewell is a concern, not a page;
// a means with a time is a page; ordinary mail is none.
func TestLevels(t *testing.T) {
	c := newTestClassifier(t)
	cases := []struct {
		text  string
		level Level
	}{
		{"Can we move Thursday's session to 5pm?", LevelNone},
		{"Peut-on décaler la séance de jeudi ?", LevelNone},
		{"I keep thinking about my dad's rifle in the garage.", LevelConcern},
		{"Je pense souvent à la corde dans la grange.", LevelConcern},
		{"Goodbye.", LevelConcern},
		{"Adieu.", LevelConcern},
		{"I have saved up all my pills and tonight is the night.", LevelPage},
		{"J'ai mis de côté tous mes cachets, ce soir c'est décidé.", LevelPage},
		{"The kids are coming with me, we will go together on Sunday.", LevelPage},
		{"Les enfants partiront avec moi, on partira tous ensemble dimanche.", LevelPage},
	}
	for _, tc := range cases {
		r := c.Classify(msg("hello", tc.text))
		if r.Level != tc.level {
			t.Errorf("%q: level %s, want %s\n  frames: %s\n  matches: %s", tc.text, r.Level, tc.level, describeFrames(r.Frames), describeMatches(r.Matches))
		}
		want := VerdictHold
		if tc.level == LevelPage {
			want = VerdictEscalate
		}
		if r.Verdict != want {
			t.Errorf("%q: verdict %s with level %s", tc.text, r.Verdict, r.Level)
		}
	}
}

// TestFalseAlarmClasses: the ordinary mail that looks like an emergency to a keyword search — a means bought
// for a sport, awareness material, a recovery milestone, "by the time you read this" before a journey — must
// not page, in either language.
func TestFalseAlarmClasses(t *testing.T) {
	c := newTestClassifier(t)
	for _, text := range []string{
		"I bought a new rope for the climbing course on Saturday.",
		"J'ai acheté une corde pour le stage d'escalade samedi.",
		"If you or someone you know is struggling, call 988 or Samaritans on 116 123.",
		"Si vous êtes en détresse, appelez le 3114, numéro national de prévention du suicide.",
		"Two years clean today! Celebrating my recovery anniversary with my sister.",
		"Deux ans d'abstinence aujourd'hui, je fête ma sobriété avec ma sœur.",
		"By the time you read this I'll be on the plane to Lisbon, so I need to cancel Thursday.",
		"Quand vous lirez ce message je serai dans l'avion pour Lisbonne, je dois annuler jeudi.",
		"This chocolate cake is to die for, I'll bring you the recipe on Tuesday.",
	} {
		if r := c.Classify(msg("hello", text)); r.Level == LevelPage {
			t.Errorf("%q pages: %s | %s", text, describeMatches(r.Matches), describeFrames(r.Frames))
		}
	}
}
