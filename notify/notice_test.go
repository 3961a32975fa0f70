package notify

import (
	"strings"
	"testing"
)

// A sign-in notice reads as a notice in both languages, never as an
// emergency, is quiet (concern), carries no action, and has its own outbox key.
func TestNoticeKind(t *testing.T) {
	a, err := Alert{Key: "oauth-revoked:ab12", Kind: KindNotice}.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	if a.Level != LevelConcern {
		t.Errorf("level %s, want concern", a.Level)
	}
	if a.DedupeKey() != "oauth-revoked:ab12#n" {
		t.Errorf("dedupe key %q", a.DedupeKey())
	}
	for lang, want := range map[string][]string{
		"en": {"cannot sign in to your mailbox", "boundaryd login"},
		"fr": {"ne peut plus se connecter", "boundaryd login"},
	} {
		a.Lang = lang
		text, title := a.Text(nil), a.Title()
		for _, w := range want {
			if !strings.Contains(text, w) || !strings.Contains(title, w) {
				t.Errorf("%s: %q missing from\n%s\n%s", lang, w, title, text)
			}
		}
		for _, never := range []string{"EMERGENCY", "URGENCE", "From:", "De :"} {
			if strings.Contains(text+title, never) {
				t.Errorf("%s: a notice says %q:\n%s\n%s", lang, never, title, text)
			}
		}
	}
	a.ActionURL = "https://bd.example.org/ack/x"
	if got := ntfyAction(a); got != "" {
		t.Errorf("notice has an ntfy action %q", got)
	}
	if p := ntfyPriority(a.Level); p != "low" {
		t.Errorf("ntfy priority %s, want low", p)
	}
}
