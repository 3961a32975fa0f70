package schedule

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/robfig/cron/v3"
)

const (
	// horizonYears bounds every search, like robfig/cron's own Next.
	horizonYears = 5
	horizonDays  = horizonYears*366 + 2

	// starBit is robfig/cron's marker for a field written as "*" (its spec.go):
	// it decides whether day-of-month and day-of-week combine with AND or OR.
	starBit = 1 << 63
)

// Windows is a compiled reading-window schedule: several cron expressions in one
// timezone, minus pauses. It is immutable and safe for concurrent use.
type Windows struct {
	specs  []spec
	loc    *time.Location
	pauses []Pause
}

// New compiles the schedule. Each expression must pass CheckSpec; a bad one is
// reported as a *SpecError carrying its index. loc must be a named location.
func New(exprs []string, loc *time.Location, pauses []Pause) (*Windows, error) {
	if loc == nil {
		return nil, errors.New("reading windows need a timezone")
	}
	if len(exprs) == 0 {
		return nil, fmt.Errorf("no reading window: add at least one schedule entry, e.g. %s", example)
	}
	w := &Windows{loc: loc}
	for i, e := range exprs {
		sc, err := compile(e, loc)
		if err != nil {
			return nil, &SpecError{Index: i, Expr: e, Err: err}
		}
		w.specs = append(w.specs, newSpec(sc))
	}
	for i, p := range pauses {
		if err := p.Check(); err != nil {
			return nil, fmt.Errorf("pause %d: %w", i+1, err)
		}
	}
	w.pauses = append([]Pause(nil), pauses...)
	return w, nil
}

// Location is the windows' timezone.
func (w *Windows) Location() *time.Location { return w.loc }

// Pauses returns a copy of the configured pauses.
func (w *Windows) Pauses() []Pause { return append([]Pause(nil), w.pauses...) }

// PausedAt reports the pause covering t's local day, if any (for messages such
// as "reading is paused until ...").
func (w *Windows) PausedAt(t time.Time) (Pause, bool) {
	d := DateOf(t, w.loc)
	for _, p := range w.pauses {
		if p.Contains(d) {
			return p, true
		}
	}
	return Pause{}, false
}

func (w *Windows) paused(d Date) bool {
	for _, p := range w.pauses {
		if p.Contains(d) {
			return true
		}
	}
	return false
}

// Next is the first window strictly after `after`, skipping pauses; the zero time
// when none fires within about five years. The result is in the windows' timezone.
func (w *Windows) Next(after time.Time) time.Time {
	// Start a day early: a window's instant never precedes one of an earlier wall
	// clock, but a zone change at midnight can move it across the date line.
	day := DateOf(after, w.loc).AddDays(-1)
	for i := 0; i < horizonDays; i++ {
		d := day.AddDays(i)
		if w.paused(d) {
			continue
		}
		var best time.Time
		for _, s := range w.specs {
			if t := firstAfter(s, d, w.loc, after); !t.IsZero() && (best.IsZero() || t.Before(best)) {
				best = t
			}
		}
		if !best.IsZero() {
			return best
		}
	}
	return time.Time{}
}

// Due is the latest window in (last, now]: several missed windows collapse into
// one. It is false when there is none, when now is inside a pause, and when a
// pause lies between that window and now (the first window after the pause then
// carries the mail). A zero last looks back at most about five years.
func (w *Windows) Due(last, now time.Time) (time.Time, bool) {
	if !now.After(last) {
		return time.Time{}, false
	}
	day := DateOf(now, w.loc).AddDays(1)
	floor := day.AddDays(-horizonDays)
	if !last.IsZero() {
		if f := DateOf(last, w.loc).AddDays(-1); floor.Before(f) {
			floor = f
		}
	}
	for d := day; !d.Before(floor); d = d.AddDays(-1) {
		if w.paused(d) {
			if d.Before(DateOf(now, w.loc).AddDays(1)) {
				return time.Time{}, false
			}
			continue
		}
		var best time.Time
		for _, s := range w.specs {
			if t := lastUpTo(s, d, w.loc, now); !t.IsZero() && t.After(best) {
				best = t
			}
		}
		if !best.IsZero() {
			if best.After(last) {
				return best, true
			}
			return time.Time{}, false
		}
	}
	return time.Time{}, false
}

// spec is one compiled expression: robfig/cron's fields plus the ascending
// wall-clock hours and minutes it fires at.
type spec struct {
	*cron.SpecSchedule
	hours, minutes []int
}

func newSpec(s *cron.SpecSchedule) spec {
	c := spec{SpecSchedule: s}
	for h := 0; h < 24; h++ {
		if s.Hour&(1<<h) != 0 {
			c.hours = append(c.hours, h)
		}
	}
	for m := 0; m < 60; m++ {
		if s.Minute&(1<<m) != 0 {
			c.minutes = append(c.minutes, m)
		}
	}
	return c
}

// count and at index the spec's wall-clock times on a day, ascending. Their
// instants never decrease (see resolve), so they can be binary-searched.
func (s spec) count() int { return len(s.hours) * len(s.minutes) }

func (s spec) at(d Date, i int, loc *time.Location) time.Time {
	return resolve(d, s.hours[i/len(s.minutes)], s.minutes[i%len(s.minutes)], loc)
}

// firstAfter is s's earliest window on local day d that fires strictly after t.
func firstAfter(s spec, d Date, loc *time.Location, t time.Time) time.Time {
	if !dayMatches(s.SpecSchedule, d) {
		return time.Time{}
	}
	n := s.count()
	i := sort.Search(n, func(i int) bool { return s.at(d, i, loc).After(t) })
	if i == n {
		return time.Time{}
	}
	return s.at(d, i, loc)
}

// lastUpTo is s's latest window on local day d that fires at or before t.
func lastUpTo(s spec, d Date, loc *time.Location, t time.Time) time.Time {
	if !dayMatches(s.SpecSchedule, d) {
		return time.Time{}
	}
	i := sort.Search(s.count(), func(i int) bool { return s.at(d, i, loc).After(t) })
	if i == 0 {
		return time.Time{}
	}
	return s.at(d, i-1, loc)
}

// dayMatches mirrors robfig/cron's rule: if either day field is "*", both must
// match; otherwise either may (classic cron's OR).
func dayMatches(s *cron.SpecSchedule, d Date) bool {
	if s.Month&(1<<uint(d.Month)) == 0 {
		return false
	}
	wd := d.utc().Weekday()
	domMatch := s.Dom&(1<<uint(d.Day)) != 0
	dowMatch := s.Dow&(1<<uint(wd)) != 0
	if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// resolve is the instant a window at wall clock h:m on day d fires. A wall
// clock skipped by a daylight-saving jump fires at the jump; one that happens
// twice fires at its first occurrence.
func resolve(d Date, h, m int, loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, loc)
	want := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, time.UTC)
	got := wallUTC(t)
	start, end := t.ZoneBounds()
	if !got.Equal(want) {
		// Inside a gap: Go normalised to one side of the jump; fire at the jump.
		if got.After(want) {
			if !start.IsZero() {
				return start
			}
		} else if !end.IsZero() {
			return end
		}
		return t
	}
	if start.IsZero() {
		return t
	}
	// If clocks went back at start, the same wall clock also occurred in the
	// previous zone, before start; prefer that first occurrence.
	_, off := t.Zone()
	_, prevOff := start.Add(-time.Second).Zone()
	if back := time.Duration(prevOff-off) * time.Second; back > 0 {
		if first := t.Add(-back); first.Before(start) {
			return first
		}
	}
	return t
}

// wallUTC re-reads t's local wall clock as if it were UTC, to compare wall clocks.
func wallUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
