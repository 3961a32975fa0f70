package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestCheckSpec(t *testing.T) {
	loc := paris(t)
	tests := []struct {
		expr    string
		wantErr string // substring of the error; "" = valid
	}{
		{"0 18 * * TUE", ""},
		{"0 10 * * SAT", ""},
		{"30 2 * * *", ""},
		{"  0 18 * * tue  ", ""},
		{"0\t18 * * 2", ""},
		{"0 18 * * MON-FRI", ""},
		{"0 9,14 * * 1,4", ""},
		{"*/30 8-18 * * *", ""},
		{"0 0 29 2 *", ""},   // leap day: rare but real
		{"0 0 30 2 MON", ""}, // day fields OR: Mondays in February
		{"0 18 ? * TUE", ""},
		{"@daily", ""},
		{"@weekly", ""},
		{"@midnight", ""},
		{"0 0 30 2 *", "never happens"},
		{"0 0 31 4,6,9,11 *", "never happens"},
		{"CRON_TZ=Europe/Paris", "reading_windows.timezone"},
		{"CRON_TZ=Europe/Paris 0 18 * * 2", "reading_windows.timezone"},
		{"TZ=UTC 0 18 * * 2", "reading_windows.timezone"},
		{"cron_tz=UTC 0 18 * * 2", "reading_windows.timezone"},
		{"CRON_TZ=", "reading_windows.timezone"},
		{"61 * * * *", `minute "61" is not valid (allowed: 0-59): 61 is above the maximum 59`},
		{"-1 * * * *", `minute "-1" is not valid`},
		{"x * * * *", "expected a number"},
		{"*/5/2 * * * *", "slashes"},
		{"0 24 * * *", `hour "24"`},
		{"0 18 0 * *", `day of month "0"`},
		{"0 18 * 13 *", `month "13"`},
		{"0 18 * * 7", "0 or SUN for Sunday"},
		{"0 18 * * TUESDAY", `day of week "TUESDAY"`},
		{"0 18 * * */0", "1 or more"},
		{"0 18-9 * * *", "ends before it starts"},
		{"0 1-2-3 * * *", "hyphens"},
		{"* * * *", "expected 5 fields"},
		{"0 0 18 * * TUE", "seconds and years are not supported"},
		{"0 18 * * TUE 2026", "found 6"},
		{"CRON_TZ=Europe/Paris 0 18 * * 2", "CRON_TZ=Europe/Paris"},
		{"@every 1h", "fixed interval"},
		{"@every", "fixed interval"},
		{"@reboot", "unknown shortcut"},
		{"@Daily", "unknown shortcut"},
		{"", "empty schedule"},
		{"   ", "empty schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			err := CheckSpec(tt.expr, loc)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("CheckSpec(%q) = %v, want valid", tt.expr, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("CheckSpec(%q) accepted, want error containing %q", tt.expr, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("CheckSpec(%q) = %q, want it to contain %q", tt.expr, err, tt.wantErr)
			}
		})
	}
}

func TestCheckSpecNilLocation(t *testing.T) {
	if err := CheckSpec("0 18 * * TUE", nil); err != nil {
		t.Fatal(err)
	}
}

// TestSafeParseRecovers: robfig/cron itself panics on a bare CRON_TZ= prefix
// (an out-of-range slice); the guard must turn that into an error.
func TestSafeParseRecovers(t *testing.T) {
	for _, s := range []string{"CRON_TZ=Europe/Paris", "TZ=UTC"} {
		if _, err := safeParse(s); err == nil {
			t.Errorf("safeParse(%q) accepted", s)
		}
	}
}

func TestCheckSpecErrorsNameTheExample(t *testing.T) {
	err := CheckSpec("* * * *", time.UTC)
	if err == nil || !strings.Contains(err.Error(), "0 18 * * TUE") {
		t.Fatalf("error should show a working example: %v", err)
	}
}
