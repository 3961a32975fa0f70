package classify

import "testing"

func TestFunctionWord(t *testing.T) {
	for w, want := range map[string]uint8{"the": langEN, "i": langEN, "with": langEN, "suis": langFR, "elle": langFR,
		"qui": langFR, "son": 0, "soon": 0, "": 0, "theory": 0, "avecc": 0} {
		if got := functionWord(w); got != want {
			t.Errorf("functionWord(%q) = %d, want %d", w, got, want)
		}
	}
}

// TestGuessLang: one language when its function words clearly dominate the new text, both otherwise (a
// guess of neither would apply no concept term at all).
func TestGuessLang(t *testing.T) {
	c := newRulesClassifier(t)
	for _, tc := range []struct {
		body string
		want uint8
	}{
		{"I think that the session on Monday was good for me, and I will bring the form.", langEN},
		{"Je pense que la séance de lundi était bien pour moi, et je vous apporte le formulaire.", langFR},
		{"Adieu.", langAny},
		{"ok", langAny},
		{"I think the session was good. Je pense que la séance était bien.", langAny},
	} {
		sc := c.pool.Get().(*scratch)
		got := guessLang(c.messageFields(sc, &Message{Body: tc.body}))
		c.pool.Put(sc)
		if got != tc.want {
			t.Errorf("guessLang(%q) = %d, want %d", tc.body, got, tc.want)
		}
	}
}
