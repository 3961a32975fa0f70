package notify

import (
	"strings"
	"testing"
	"time"
)

// The alert reads its language tag the way the digest and the acknowledgement do, and writes the received
// time in the same convention: "à 18h00" in French, "at 18:00" in English, the first of the month "1er".
func TestAlertLanguageAndTime(t *testing.T) {
	fr := struct{ title, received string }{"URGENCE : message de Ana Dupont", "Reçu : mardi 1er décembre 2026 à 18h00 (Europe/Paris)"}
	en := struct{ title, received string }{"EMERGENCY: message from Ana Dupont", "Received: Tuesday 1 December 2026 at 18:00 (Europe/Paris)"}
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
