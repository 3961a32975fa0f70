package classify

import (
	"strings"
	"testing"
)

// segString renders segmentLines as one letter per line: N new, Q quoted, S signature.
func segString(text string) string {
	var b strings.Builder
	for _, s := range segmentLines(text) {
		b.WriteByte("NQS"[s])
	}
	return b.String()
}

func TestSegmentLines(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"gt quote then bottom post", "On Tue, 3 Mar 2026 at 10:00, Dr A <a@b.org> wrote:\n> auto reply\n> call 3114\n\nI took the pills", "QQQNN"},
		{"wrapped On wrote", "Top\nOn Tue, 3 Mar 2026 at 10:00, Dr A\n<a@b.org> wrote:\n> x", "NQQQ"},
		{"wrapped Le a écrit", "Haut\nLe mar. 3 mars 2026 à 10:00, Cabinet\nAgostini <a@b.org> a écrit :\n> x\nbas", "NQQQN"},
		{"attribution without > quotes everything after", "I'm fine\nLe 3 mars 2026, Dr A <a@b.org> a écrit :\nMerci pour votre message", "NQQ"},
		{"outlook english", "New text\n\nFrom: Dr A <a@b.org>\nSent: Tuesday\nTo: me\nSubject: hi\n\nold text", "NNQQQQQQ"},
		{"outlook french", "Nouveau\n\nDe : Dr A\nEnvoyé : mardi\nÀ : moi\nObjet : salut\n\nancien", "NNQQQQQQ"},
		{"original message", "new\n-----Original Message-----\nold", "NQQ"},
		{"message d'origine", "nouveau\n-----Message d'origine-----\nancien", "NQQ"},
		{"forward counts", "please read\n---------- Forwarded message ---------\nFrom: Ava <a@b.org>\nDate: Sat\nSubject: sorry\nTo: Mum\n\ni took everything", "NNNNNNNN"},
		{"dash signature", "I want help\n-- \nAna Pérez\nNurse, ER", "NSSS"},
		{"mobile signature", "text\nSent from my iPhone", "NS"},
		{"envoyé de mon", "texte\nEnvoyé de mon iPhone", "NS"},
		{"closing formula and name", "Je vais mal.\nCordialement,\nMarie Dupont\nInfirmière - CHU", "NSSS"},
		{"closing then first person stays", "Merci,\nJ'ai pris tous mes cachets", "NN"},
		{"closing then PS stays", "Thanks,\nAna\nPS: I took the pills", "NNN"},
		{"professional name block", "Pourriez-vous m'envoyer la facture ?\nDr Karim Mansouri\nMédecin régulateur - SAMU 69\nUrgences, tentatives de suicide", "NSSS"},
		{"name then crisis line stays", "hi\nMarie\ntook all the pills 30 min ago", "NNN"},
		{"quote between new text", "first\n> quoted\nsecond", "NQN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := segString(tc.text); got != tc.want {
				t.Errorf("got %s, want %s for\n%s", got, tc.want, tc.text)
			}
		})
	}
}

func TestQuotedAndSignatureSuppressed(t *testing.T) {
	c := newTestClassifier(t)
	r := c.Classify(msg("Re: hi", "Thanks, see you Tuesday.\n\nOn Tue, 3 Mar 2026 at 10:00, Dr A <a@b.org> wrote:\n> If you think about killing yourself or want to kill myself... call 3114\n"))
	if r.Verdict != VerdictHold || len(r.Suppressed) == 0 || r.Suppressed[0].Reason != "quoted" {
		t.Errorf("quoted text must not escalate: %s %+v %+v", r.Verdict, r.Matches, r.Suppressed)
	}
	// Nothing but a quote: the whole text is judged.
	r = c.Classify(msg("Re: hi", "> I want to kill myself\n"))
	if r.Verdict != VerdictEscalate {
		t.Errorf("quote-only message must be judged whole: %s", r.Verdict)
	}
}
