package schedule

import (
	"context"
	"time"
)

// Clock is the time source of everything that waits for a window; tests use
// FakeClock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// waitSlice bounds each sleep of Wait. Go timers follow the monotonic clock,
// which stops while a machine is suspended and ignores wall-clock jumps; waking
// at least once a minute to re-read the wall clock delivers a window missed
// during sleep within a minute of resume.
const waitSlice = time.Minute

// Wait blocks until c reaches t (by its wall clock) or ctx ends, returning
// ctx.Err() in the latter case. It re-reads Now after every wake-up and sleeps
// at most a minute at a time. A zero t is what Next returns when no window is
// scheduled: it means never, so Wait then only returns when ctx ends (a caller
// looping on Next must not spin).
func Wait(ctx context.Context, c Clock, t time.Time) error {
	if t.IsZero() {
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Round(0) drops the monotonic reading: windows are wall-clock instants.
		d := t.Sub(c.Now().Round(0))
		if d <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.After(min(d, waitSlice)):
		}
	}
}
