package schedule

import (
	"regexp"
	"testing"
	"time"
)

func TestFormatWindow(t *testing.T) {
	loc := paris(t)
	tests := []struct {
		at   string // Paris wall clock
		lang string
		want string
	}{
		{"2026-12-01 18:00", "en", "Tuesday 1 December at 18:00"},
		{"2026-12-01 18:00", "fr", "mardi 1er décembre à 18h00"},
		{"2026-08-15 09:05", "fr", "samedi 15 août à 09h05"},
		{"2026-02-02 10:30", "FR-fr", "lundi 2 février à 10h30"},
		{"2026-02-02 10:30", "", "Monday 2 February at 10:30"},
		{"2026-02-02 10:30", "de", "Monday 2 February at 10:30"},
		{"2026-03-29 03:00", "en", "Sunday 29 March at 03:00"},
		{"2026-12-05 10:00", "FR_be", "samedi 5 décembre à 10h00"},
		{"2026-12-05 10:00", "fr-CA", "samedi 5 décembre à 10h00"},
		{"2026-12-05 10:00", "french", "Saturday 5 December at 10:00"}, // not a language tag
	}
	for _, tt := range tests {
		got := FormatWindow(local(t, tt.at, loc).UTC(), loc, tt.lang)
		if got != tt.want {
			t.Errorf("FormatWindow(%s, %q) = %q, want %q", tt.at, tt.lang, got, tt.want)
		}
	}
	if got := FormatWindow(time.Time{}, loc, "fr"); got != "aucune fenêtre de lecture prévue" {
		t.Errorf("zero fr = %q", got)
	}
	if got := FormatWindow(time.Time{}, loc, "en"); got != "no reading window scheduled" {
		t.Errorf("zero en = %q", got)
	}
}

func TestWindowID(t *testing.T) {
	loc := paris(t)
	safe := regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	firstPass, secondPass := utc(t, "2026-10-25 00:30"), utc(t, "2026-10-25 01:30")
	tests := []struct {
		name string
		at   time.Time
		loc  *time.Location
		want string
	}{
		{"tuesday", local(t, "2026-12-01 18:00", loc), loc, "2026-12-01T1800-Europe.Paris"},
		{"autumn first pass", firstPass, loc, "2026-10-25T0230-Europe.Paris"},
		{"autumn second pass", secondPass, loc, "2026-10-25T0230-Europe.Paris"},
		{"seconds ignored", local(t, "2026-12-01 18:00", loc).Add(42 * time.Second), loc, "2026-12-01T1800-Europe.Paris"},
		{"nil loc uses t's", local(t, "2026-12-01 18:00", loc), nil, "2026-12-01T1800-Europe.Paris"},
		{"utc", utc(t, "2026-12-01 18:00"), time.UTC, "2026-12-01T1800-UTC"},
	}
	for _, tt := range tests {
		got := WindowID(tt.at, tt.loc)
		if got != tt.want {
			t.Errorf("%s: WindowID = %q, want %q", tt.name, got, tt.want)
		}
		if !safe.MatchString(got) {
			t.Errorf("%s: %q is not Message-ID safe", tt.name, got)
		}
	}
	seen := map[string]string{}
	for _, name := range []string{"America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+5", "Etc/GMT-5", "America/Indiana/Knox", "Asia/Ho_Chi_Minh"} {
		z, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		id := WindowID(firstPass, z)
		if !safe.MatchString(id) {
			t.Errorf("%s: %q is not Message-ID safe", name, id)
		}
		zone := id[len("2026-10-25T0000-"):]
		if prev, dup := seen[zone]; dup {
			t.Errorf("zones %s and %s share token %q", prev, name, zone)
		}
		seen[zone] = name
	}
}
