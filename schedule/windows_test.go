package schedule

import (
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/robfig/cron/v3"
)

// TestNextAcrossDST lists the windows following `from` around both 2026 changes
// in Europe/Paris (29 March 02:00->03:00, 25 October 03:00->02:00), in UTC so
// the offsets are explicit.
func TestNextAcrossDST(t *testing.T) {
	loc := paris(t)
	tests := []struct {
		name string
		expr string
		from string // UTC
		want []string
	}{
		{"tuesday evening, spring", "0 18 * * TUE", "2026-03-20 00:00",
			[]string{"2026-03-24 17:00", "2026-03-31 16:00"}},
		{"tuesday evening, autumn", "0 18 * * TUE", "2026-10-16 00:00",
			[]string{"2026-10-20 16:00", "2026-10-27 17:00"}},
		{"saturday morning, spring", "0 10 * * SAT", "2026-03-25 00:00",
			[]string{"2026-03-28 09:00", "2026-04-04 08:00"}},
		{"saturday morning, autumn", "0 10 * * SAT", "2026-10-20 00:00",
			[]string{"2026-10-24 08:00", "2026-10-31 09:00"}},
		// 02:30 does not exist on 29 March: fire at the jump, 03:00 CEST = 01:00Z.
		{"02:30 daily, spring gap", "30 2 * * *", "2026-03-27 12:00",
			[]string{"2026-03-28 01:30", "2026-03-29 01:00", "2026-03-30 00:30"}},
		// 02:30 happens twice on 25 October: once, at the first (CEST) pass.
		{"02:30 daily, autumn repeat", "30 2 * * *", "2026-10-23 12:00",
			[]string{"2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"}},
		// Several windows inside the gap collapse into the jump instant.
		{"every 15 min, spring gap", "*/15 1-3 29 3 *", "2026-03-29 00:40",
			[]string{"2026-03-29 00:45", "2026-03-29 01:00", "2026-03-29 01:15"}},
		// The repeated hour is not walked twice.
		{"every 30 min, autumn repeat", "*/30 2-3 25 10 *", "2026-10-24 23:00",
			[]string{"2026-10-25 00:00", "2026-10-25 00:30", "2026-10-25 02:00", "2026-10-25 02:30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := mustNew(t, []string{tt.expr}, loc)
			at := utc(t, tt.from)
			for i, want := range tt.want {
				got := w.Next(at)
				if !got.Equal(utc(t, want)) {
					t.Fatalf("window %d after %s: got %s (%s), want %s UTC", i, at.UTC(), got.UTC(), got, want)
				}
				if got.Location() != loc {
					t.Errorf("Next returned location %v, want %v", got.Location(), loc)
				}
				at = got
			}
		})
	}
}

// TestNextRepeatedHourSecondPass: a caller standing in the second pass of the
// autumn hour is not offered the same wall-clock window again.
func TestNextRepeatedHourSecondPass(t *testing.T) {
	loc := paris(t)
	w := mustNew(t, []string{"30 2 * * *"}, loc)
	got := w.Next(utc(t, "2026-10-25 01:00")) // 02:00 CET, second pass
	if want := utc(t, "2026-10-26 01:30"); !got.Equal(want) {
		t.Fatalf("got %s, want %s", got.UTC(), want)
	}
}

// TestDaemonLoopAcrossDST drives a daemon-shaped loop on a fake clock minute by
// minute through both change weekends and checks every delivery.
func TestDaemonLoopAcrossDST(t *testing.T) {
	loc := paris(t)
	w := mustNew(t, []string{"0 18 * * TUE", "0 10 * * SAT", "30 2 * * *"}, loc)
	tests := []struct {
		name     string
		from, to string // UTC
		want     []string
	}{
		{"spring", "2026-03-27 22:00", "2026-03-31 17:00", []string{
			"2026-03-28T0230-Europe.Paris", "2026-03-28T1000-Europe.Paris",
			"2026-03-29T0300-Europe.Paris", // 02:30 skipped by the jump, delivered at 03:00
			"2026-03-30T0230-Europe.Paris", "2026-03-31T0230-Europe.Paris",
			"2026-03-31T1800-Europe.Paris",
		}},
		{"autumn", "2026-10-23 22:00", "2026-10-27 18:00", []string{
			"2026-10-24T0230-Europe.Paris", "2026-10-24T1000-Europe.Paris",
			"2026-10-25T0230-Europe.Paris", // once, though 02:30 happens twice
			"2026-10-26T0230-Europe.Paris", "2026-10-27T0230-Europe.Paris",
			"2026-10-27T1800-Europe.Paris",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(utc(t, tt.from))
			last := clk.Now()
			var got []string
			for end := utc(t, tt.to); clk.Now().Before(end); clk.Advance(time.Minute) {
				if win, ok := w.Due(last, clk.Now()); ok {
					if !win.Equal(clk.Now()) {
						t.Fatalf("window %s delivered late at %s while polling each minute", win, clk.Now())
					}
					got = append(got, WindowID(win, loc))
					last = win
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("delivered %d windows %q, want %d %q", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("delivery %d: %s, want %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRobfigAutumnDuplicateSameID documents why WindowID works from the wall
// clock: robfig/cron's own Next fires 02:30 twice on 25 October.
func TestRobfigAutumnDuplicateSameID(t *testing.T) {
	loc := paris(t)
	s, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	first := s.Next(utc(t, "2026-10-24 12:00").In(loc))
	second := s.Next(first)
	if first.Equal(second) || second.Sub(first) != time.Hour {
		t.Fatalf("robfig/cron no longer repeats the autumn hour (%s, %s): revisit the package doc", first, second)
	}
	if a, b := WindowID(first, loc), WindowID(second, loc); a != b {
		t.Fatalf("two passes of the same wall clock got ids %s and %s", a, b)
	}
}

func TestDueCatchUp(t *testing.T) {
	loc := paris(t)
	w := mustNew(t, []string{"0 18 * * TUE,THU", "0 10 * * SAT"}, loc)
	lastDelivered := local(t, "2026-03-07 10:00", loc) // Saturday
	tests := []struct {
		name   string
		last   time.Time
		now    string // Paris
		want   string // Paris; "" = none due
		reason string
	}{
		{"3-day downtime over two windows", local(t, "2026-03-07 10:00", loc), "2026-03-13 12:00", "2026-03-12 18:00", "Tue 10 and Thu 12 missed: one delivery, the latest"},
		{"already delivered", local(t, "2026-03-12 18:00", loc), "2026-03-13 12:00", "", "nothing new since"},
		{"exactly at the window", lastDelivered, "2026-03-10 18:00", "2026-03-10 18:00", "(last, now] includes now"},
		{"a minute early", lastDelivered, "2026-03-10 17:59", "", "not yet"},
		{"clock went back", local(t, "2026-03-12 18:00", loc), "2026-03-11 09:00", "", "last after now"},
		{"never delivered", time.Time{}, "2026-03-11 09:00", "2026-03-10 18:00", "zero last looks back"},
		{"week over the spring change", local(t, "2026-03-26 18:00", loc), "2026-03-31 19:00", "2026-03-31 18:00", "two missed across DST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := w.Due(tt.last, local(t, tt.now, loc))
			if tt.want == "" {
				if ok {
					t.Fatalf("Due = %s, want none (%s)", got, tt.reason)
				}
				return
			}
			if !ok || !got.Equal(local(t, tt.want, loc)) {
				t.Fatalf("Due = %s, %v; want %s (%s)", got, ok, tt.want, tt.reason)
			}
		})
	}
}

// TestDowntimeOneDelivery: after a 3-day outage spanning two windows the
// daemon delivers once at start, then nothing until the next window.
func TestDowntimeOneDelivery(t *testing.T) {
	loc := paris(t)
	w := mustNew(t, []string{"0 18 * * TUE,THU", "0 10 * * SAT"}, loc)
	last := local(t, "2026-03-07 10:00", loc)
	clk := clock.NewFake(local(t, "2026-03-13 12:00", loc)) // back after Tue and Thu windows
	var deliveries []time.Time
	for end := local(t, "2026-03-14 11:00", loc); clk.Now().Before(end); clk.Advance(time.Minute) {
		if win, ok := w.Due(last, clk.Now()); ok {
			deliveries = append(deliveries, win)
			last = win
		}
	}
	want := []time.Time{local(t, "2026-03-12 18:00", loc), local(t, "2026-03-14 10:00", loc)}
	if len(deliveries) != len(want) {
		t.Fatalf("deliveries %v, want %v", deliveries, want)
	}
	for i := range want {
		if !deliveries[i].Equal(want[i]) {
			t.Errorf("delivery %d = %s, want %s", i, deliveries[i], want[i])
		}
	}
}

func TestPauses(t *testing.T) {
	loc := paris(t)
	holiday := Pause{From: mustDate(t, "2026-12-19"), To: mustDate(t, "2027-01-03")} // Sat..Sun, two weeks
	w := mustNew(t, []string{"0 18 * * TUE", "0 10 * * SAT"}, loc, holiday)

	t.Run("Next skips the holiday", func(t *testing.T) {
		got := w.Next(local(t, "2026-12-16 12:00", loc))
		if want := local(t, "2027-01-05 18:00", loc); !got.Equal(want) {
			t.Fatalf("Next = %s, want %s", got, want)
		}
		if got := w.Next(local(t, "2026-12-12 12:00", loc)); !got.Equal(local(t, "2026-12-15 18:00", loc)) {
			t.Fatalf("window before the holiday moved: %s", got)
		}
	})
	t.Run("first day of pause is skipped, day after fires", func(t *testing.T) {
		w := mustNew(t, []string{"0 9 * * *"}, loc, holiday)
		if got := w.Next(local(t, "2026-12-18 09:00", loc)); !got.Equal(local(t, "2027-01-04 09:00", loc)) {
			t.Fatalf("Next = %s", got)
		}
	})
	dueTests := []struct {
		name string
		last string
		now  string
		want string
	}{
		{"inside the pause, windows passed", "2026-12-15 18:00", "2026-12-29 19:00", ""},
		{"inside the pause on a window's time", "2026-12-15 18:00", "2026-12-22 18:00", ""},
		{"after the pause, before its first window", "2026-12-15 18:00", "2027-01-04 12:00", ""},
		{"first window after the pause", "2026-12-15 18:00", "2027-01-05 18:00", "2027-01-05 18:00"},
		{"missed just before the pause: carried by the first window after", "2026-12-12 10:00", "2027-01-04 12:00", ""},
		{"missed before the pause, restart before it", "2026-12-12 10:00", "2026-12-18 12:00", "2026-12-15 18:00"},
	}
	for _, tt := range dueTests {
		t.Run("Due "+tt.name, func(t *testing.T) {
			got, ok := w.Due(local(t, tt.last, loc), local(t, tt.now, loc))
			if tt.want == "" {
				if ok {
					t.Fatalf("Due = %s, want none", got)
				}
				return
			}
			if !ok || !got.Equal(local(t, tt.want, loc)) {
				t.Fatalf("Due = %s %v, want %s", got, ok, tt.want)
			}
		})
	}
	t.Run("PausedAt", func(t *testing.T) {
		if p, ok := w.PausedAt(local(t, "2027-01-03 23:59", loc)); !ok || p != holiday {
			t.Fatalf("PausedAt last minute = %v %v", p, ok)
		}
		if _, ok := w.PausedAt(local(t, "2027-01-04 00:00", loc)); ok {
			t.Fatal("pause runs past its last day")
		}
	})
	t.Run("pause that never ends yields no window", func(t *testing.T) {
		w := mustNew(t, []string{"0 9 * * *"}, loc, Pause{From: mustDate(t, "2026-01-01"), To: mustDate(t, "2099-12-31")})
		if got := w.Next(local(t, "2026-06-01 00:00", loc)); !got.IsZero() {
			t.Fatalf("Next = %s, want zero", got)
		}
	})
}

func TestNewErrors(t *testing.T) {
	loc := paris(t)
	if _, err := New(nil, loc, nil); err == nil {
		t.Error("empty schedule accepted")
	}
	if _, err := New([]string{"0 18 * * TUE"}, nil, nil); err == nil {
		t.Error("nil location accepted")
	}
	_, err := New([]string{"0 18 * * TUE", "61 * * * *"}, loc, nil)
	se, ok := err.(*SpecError)
	if !ok || se.Index != 1 || se.Expr != "61 * * * *" {
		t.Fatalf("err = %#v, want *SpecError for index 1", err)
	}
	bad := Pause{From: mustDate(t, "2027-01-03"), To: mustDate(t, "2026-12-19")}
	if _, err := New([]string{"0 18 * * TUE"}, loc, []Pause{bad}); err == nil {
		t.Error("reversed pause accepted")
	}
	if _, err := New([]string{"0 18 * * TUE"}, loc, []Pause{{From: mustDate(t, "2027-01-03")}}); err == nil {
		t.Error("pause without end accepted")
	}
}

// TestMatchesRobfigAwayFromDST cross-checks our enumeration against robfig's
// Next where daylight saving plays no part: they must agree on every instant.
func TestMatchesRobfigAwayFromDST(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	fields := [5][]string{
		{"0", "*/7", "5,35", "59", "10-20/5", "*"},
		{"0", "*/5", "9-17", "23", "2,14", "*"},
		{"1", "15", "*/10", "31", "28-31", "*", "?"},
		{"*", "2", "FEB", "*/4", "6-8", "DEC"},
		{"*", "TUE", "0", "MON-FRI", "SAT,SUN", "*/2", "?"},
	}
	base := utc(t, "2026-01-01 00:00")
	n := 0
	for _, loc := range []*time.Location{time.UTC, tokyo} {
		for i := 0; i < 400; i++ {
			// Deterministic pseudo-random pick: reproducible failures.
			var spec [5]string
			for f := range fields {
				spec[f] = fields[f][(i*(f+3)+i/(f+1))%len(fields[f])]
			}
			expr := spec[0] + " " + spec[1] + " " + spec[2] + " " + spec[3] + " " + spec[4]
			rs, err := cron.ParseStandard(expr)
			if err != nil {
				t.Fatalf("robfig rejects %q: %v", expr, err)
			}
			w, err := New([]string{expr}, loc, nil)
			if err != nil {
				continue // never fires: covered by CheckSpec tests
			}
			after := base.Add(time.Duration(i) * 97 * time.Hour).Add(time.Duration(i%60) * time.Second).In(loc)
			for k := 0; k < 3; k++ {
				want, got := rs.Next(after), w.Next(after)
				if !got.Equal(want) {
					t.Fatalf("%q in %s after %s: got %s, robfig %s", expr, loc, after, got, want)
				}
				after = got
				n++
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d comparisons ran", n)
	}
}

// TestOtherZones: the same rules hold where a change skips midnight (São Paulo
// 2018) or shifts by 30 minutes (Lord Howe Island).
func TestOtherZones(t *testing.T) {
	tests := []struct {
		zone, expr, from string // from: UTC
		want             []string
	}{
		// Midnight did not exist on 4 November 2018: fire at 01:00 -02 (03:00Z).
		{"America/Sao_Paulo", "0 0 * * *", "2018-11-03 12:00", []string{"2018-11-04 03:00", "2018-11-05 02:00"}},
		// 02:00 -> 02:30 on 4 October 2026: 02:15 fires at 02:30 +11.
		{"Australia/Lord_Howe", "15 2 * * *", "2026-10-03 00:00", []string{"2026-10-03 15:30", "2026-10-04 15:15"}},
		// 02:00 -> 01:30 on 5 April 2026: 01:45 happens twice, fires at the +11 pass.
		{"Australia/Lord_Howe", "45 1 * * *", "2026-04-03 12:00", []string{"2026-04-03 14:45", "2026-04-04 14:45", "2026-04-05 15:15"}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.expr, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			w := mustNew(t, []string{tt.expr}, loc)
			at := utc(t, tt.from)
			for i, want := range tt.want {
				got := w.Next(at)
				if !got.Equal(utc(t, want)) {
					t.Fatalf("window %d: got %s (%s), want %s UTC", i, got.UTC(), got, want)
				}
				at = got
			}
		})
	}
}
