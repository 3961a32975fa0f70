package notify

import (
	"strings"
	"testing"
	"time"
)

// The alert reads its language tag the way the digest and the acknowledgement do, and writes the received
// time in the same convention: "à 18h00" in French, "at 18:00" in English, the first of the month "1er".
func TestAlertLanguageAndTime(t *testing.T) {
	fr := struct{ title, received string }{"URGENCE : message de Ana Dupont <ana@example.org>", "Reçu : mardi 1er décembre 2026 à 18h00 (Europe/Paris)"}
	en := struct{ title, received string }{"EMERGENCY: message from Ana Dupont <ana@example.org>", "Received: Tuesday 1 December 2026 at 18:00 (Europe/Paris)"}
	tests := []struct {
		tag  string
		want struct{ title, received string }
	}{
		{"fr", fr}, {"fr-CA", fr}, {"FR_be", fr},
		{"en", en}, {"en-GB", en}, {"", en}, {"de", en},
		{"french", en}, // not a language tag: the old "starts with fr" rule took it for French
	}
	for _, tt := range tests {
		a := sampleAlert("k")
		a.Lang = tt.tag
		a.Received = time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
		if got := a.Title(); got != tt.want.title {
			t.Errorf("%q: Title = %q, want %q", tt.tag, got, tt.want.title)
		}
		if txt := a.Text(paris(t)); !strings.Contains(txt, tt.want.received+"\n") {
			t.Errorf("%q: text lacks %q:\n%s", tt.tag, tt.want.received, txt)
		}
	}
}

// TestAlertHidesNoTrick: a display name with a right-to-left override or a
// zero-width character cannot disguise the sender in the subject or the
// ntfy title, and the address is always shown.
func TestAlertHidesNoTrick(t *testing.T) {
	a := sampleAlert("k")
	a.FromName = "Dr\u200b Agostini \u202eenilno\u202c\r\nBcc: x@y"
	a.FromAddr = "eve@attacker.example"
	title := a.Title()
	for _, bad := range []string{"\u200b", "\u202e", "\u202c", "\r", "\n"} {
		if strings.Contains(title, bad) {
			t.Errorf("Title %q keeps %U", title, []rune(bad)[0])
		}
	}
	if !strings.Contains(title, "<eve@attacker.example>") {
		t.Errorf("Title %q hides the address", title)
	}
	if txt := a.Text(paris(t)); strings.ContainsAny(txt, "\u200b\u202e\u202c\r") {
		t.Errorf("alert text keeps hidden characters: %q", txt)
	}
}
