package schedule

import (
	"testing"
	"time"
)

// FuzzCheckSpec: whatever a user types, CheckSpec answers without panicking,
// and whatever it accepts compiles and has a next window.
func FuzzCheckSpec(f *testing.F) {
	for _, s := range []string{
		"0 18 * * TUE", "30 2 * * *", "0 0 30 2 *", "CRON_TZ=Europe/Paris", "TZ=UTC 0 18 * * 2",
		"CRON_TZ=Europe/Paris 0 18 * * 2", "61 * * * *", "* * * *", "@every 1h", "", "@daily",
		"*/0 * * * *", "1-2/3/4 * * * *", "0 18 * * 7", "TZ=", "? ? ? ? ?", "-1 * * * *",
		"0 0 1-31/9223372036854775807 * *",
	} {
		f.Add(s)
	}
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	ref := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, expr string) {
		if CheckSpec(expr, loc) != nil {
			return
		}
		w, err := New([]string{expr}, loc, nil)
		if err != nil {
			t.Fatalf("CheckSpec accepted %q but New refused: %v", expr, err)
		}
		next := w.Next(ref)
		if next.IsZero() || !next.After(ref) {
			t.Fatalf("%q accepted but Next(%s) = %s", expr, ref, next)
		}
	})
}
