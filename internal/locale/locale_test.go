package locale

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		tag  string
		want Lang
		ok   bool
	}{
		{"en", English, true},
		{"fr", French, true},
		{"FR", French, true},
		{" fr ", French, true},
		{"fr-CA", French, true},
		{"fr-FR", French, true},
		{"FR_be", French, true},
		{"fr-Latn-CH", French, true},
		{"en-GB", English, true},
		{"EN_us", English, true},
		{"", English, false},
		{"de", English, false},
		{"french", English, false}, // the old "starts with fr" rule took it for French
		{"fra", English, false},
		{"fri", English, false},
		{"fr-", English, false},
		{"-fr", English, false},
		{"fr--CA", English, false},
		{"fr-toolongsubtag", English, false},
		{"fr-C@", English, false},
		{"fr CA", English, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.tag)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, ok %v", tt.tag, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "en or fr") && !strings.Contains(err.Error(), "subtag") {
			t.Errorf("Parse(%q) error %q does not say what is wanted", tt.tag, err)
		}
		if got := Of(tt.tag); got != tt.want {
			t.Errorf("Of(%q) = %v, want %v", tt.tag, got, tt.want)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range All() {
		s := l.String()
		if seen[s] {
			t.Errorf("two languages write %q", s)
		}
		seen[s] = true
		if back, err := Parse(s); err != nil || back != l {
			t.Errorf("Parse(%v.String()) = %v, %v", l, back, err)
		}
		b, err := json.Marshal(struct{ L Lang }{l})
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ L Lang }
		if err := json.Unmarshal(b, &v); err != nil || v.L != l {
			t.Errorf("JSON %s came back as %v, %v", b, v.L, err)
		}
	}
	if got := Lang(200).String(); got != "en" {
		t.Errorf("out-of-range Lang writes %q, want the English default", got)
	}
	var l Lang
	if err := l.UnmarshalText([]byte("de")); err == nil {
		t.Error("UnmarshalText accepted de")
	}
}

func TestPick(t *testing.T) {
	if Pick(English, "a", "b") != "a" || Pick(French, "a", "b") != "b" || Pick(Lang(9), "a", "b") != "a" {
		t.Error("Pick does not follow the order of the constants")
	}
}

// Every weekday in both languages and both lengths; the English ones are Go's own.
func TestWeekdays(t *testing.T) {
	fr := []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frShort := []string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if got := English.Weekday(d, false); got != d.String() {
			t.Errorf("en %d = %q, want %q", d, got, d.String())
		}
		if got := English.Weekday(d, true); got != d.String()[:3] {
			t.Errorf("en short %d = %q", d, got)
		}
		if got := French.Weekday(d, false); got != fr[d] {
			t.Errorf("fr %d = %q, want %q", d, got, fr[d])
		}
		if got := French.Weekday(d, true); got != frShort[d] {
			t.Errorf("fr short %d = %q, want %q", d, got, frShort[d])
		}
	}
}

// Every month in both languages and both lengths.
func TestMonths(t *testing.T) {
	tests := []struct {
		m                time.Month
		enShort, fr, frS string
	}{
		{time.January, "Jan", "janvier", "janv."},
		{time.February, "Feb", "février", "févr."},
		{time.March, "Mar", "mars", "mars"},
		{time.April, "Apr", "avril", "avr."},
		{time.May, "May", "mai", "mai"},
		{time.June, "Jun", "juin", "juin"},
		{time.July, "Jul", "juillet", "juil."},
		{time.August, "Aug", "août", "août"},
		{time.September, "Sep", "septembre", "sept."},
		{time.October, "Oct", "octobre", "oct."},
		{time.November, "Nov", "novembre", "nov."},
		{time.December, "Dec", "décembre", "déc."},
	}
	if len(tests) != 12 {
		t.Fatalf("%d months in the table", len(tests))
	}
	for _, tt := range tests {
		for _, c := range []struct {
			l     Lang
			short bool
			want  string
		}{{English, false, tt.m.String()}, {English, true, tt.enShort}, {French, false, tt.fr}, {French, true, tt.frS}} {
			if got := c.l.Month(tt.m, c.short); got != c.want {
				t.Errorf("%v Month(%v, short=%v) = %q, want %q", c.l, tt.m, c.short, got, c.want)
			}
		}
	}
}

func TestClock(t *testing.T) {
	for _, tt := range []struct {
		h, m   int
		en, fr string
	}{{18, 0, "18:00", "18h00"}, {9, 5, "09:05", "09h05"}, {0, 0, "00:00", "00h00"}, {23, 59, "23:59", "23h59"}} {
		at := time.Date(2026, 12, 1, tt.h, tt.m, 42, 0, time.UTC)
		if got := English.Clock(at); got != tt.en {
			t.Errorf("en Clock(%02d:%02d) = %q", tt.h, tt.m, got)
		}
		if got := French.Clock(at); got != tt.fr {
			t.Errorf("fr Clock(%02d:%02d) = %q", tt.h, tt.m, got)
		}
	}
}

func TestDateTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, 12, 1, 18, 0, 0, 0, paris)
	second := time.Date(2026, 12, 2, 18, 0, 0, 0, paris)
	tests := []struct {
		at   time.Time
		l    Lang
		f    Form
		want string
	}{
		{second, English, Form{}, "Wednesday 2 December at 18:00"},
		{second, French, Form{}, "mercredi 2 décembre à 18h00"},
		{first, English, Form{}, "Tuesday 1 December at 18:00"},
		{first, French, Form{}, "mardi 1er décembre à 18h00"},
		{first, English, Form{Year: true}, "Tuesday 1 December 2026 at 18:00"},
		{first, French, Form{Year: true}, "mardi 1er décembre 2026 à 18h00"},
		{first, English, Form{Short: true}, "Tue 1 Dec, 18:00"},
		{first, French, Form{Short: true}, "mar. 1er déc., 18h00"},
		{second, French, Form{Short: true, Year: true}, "mer. 2 déc. 2026, 18h00"},
		// The location of t is the one written: 17:00 UTC is 18:00 in Paris.
		{first.UTC(), French, Form{}, "mardi 1er décembre à 17h00"},
	}
	for _, tt := range tests {
		if got := tt.l.DateTime(tt.at, tt.f); got != tt.want {
			t.Errorf("%v DateTime(%v, %+v) = %q, want %q", tt.l, tt.at, tt.f, got, tt.want)
		}
	}
	if got := French.Date(first, Form{}); got != "mardi 1er décembre" {
		t.Errorf("fr Date = %q", got)
	}
}
