package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/locale"
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

// Kind and level fill each other in; an alert queued before they existed
// is a page; unknown values are refused.
func TestAlertNormalized(t *testing.T) {
	for _, tc := range []struct {
		in          Alert
		kind        Kind
		level       Level
		key         string
		wantRefused bool
	}{
		{Alert{Key: "k"}, KindEmergency, LevelPage, "k", false},
		{Alert{Key: "k", Repeat: 2}, KindEmergency, LevelPage, "k#r2", false},
		{Alert{Key: "k", Level: LevelConcern}, KindConcern, LevelConcern, "k#c", false},
		{Alert{Key: "k", Kind: KindConcern}, KindConcern, LevelConcern, "k#c", false},
		{Alert{Key: "k", Kind: KindTest}, KindTest, LevelPage, "k#t", false},
		{Alert{Key: "k", Level: "loud"}, "", "", "", true},
		{Alert{Key: "k", Kind: "spam"}, "", "", "", true},
		{Alert{Key: "k", Repeat: -1}, "", "", "", true},
	} {
		got, err := tc.in.Normalized()
		if tc.wantRefused {
			if err == nil {
				t.Errorf("%+v accepted", tc.in)
			}
			continue
		}
		if err != nil || got.Kind != tc.kind || got.Level != tc.level || got.Count != 1 || tc.in.DedupeKey() != tc.key {
			t.Errorf("%+v: %s/%s count %d key %q, %v; want %s/%s 1 %q", tc.in, got.Kind, got.Level, got.Count, tc.in.DedupeKey(), err, tc.kind, tc.level, tc.key)
		}
	}
	for n, want := range map[int]string{1: "2nd", 2: "3rd", 3: "4th", 10: "11th", 11: "12th", 12: "13th", 20: "21st", 21: "22nd", 102: "103rd"} {
		if got := notice(locale.English, n); got != want+" notice" {
			t.Errorf("repeat %d: %q, want %q", n, got, want+" notice")
		}
	}
}
