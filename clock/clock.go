// Package clock is boundaryd's one source of time. Every decision that
// compares instants (is a reading window due, is this mail too old for an
// acknowledgement, when is an alert retried, when was the last reply) reads
// the injected Clock, never the runtime's wall clock directly, so a test or
// the demo that runs on a Fake clock can never be mixed with the real date.
//
// The only exception is a deadline handed to the operating system (a
// net.Conn deadline), which the runtime measures on the real clock whatever
// the program thinks the time is: NetDeadline is for that, and nothing else.
// A test in this package walks the module's source and fails on any other
// read of the real clock.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and wakes waiters.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// System returns the real clock.
func System() Clock { return system{} }

type system struct{}

func (system) Now() time.Time                         { return time.Now() }
func (system) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Since is c.Now() - t.
func Since(c Clock, t time.Time) time.Duration { return c.Now().Sub(t) }

// Until is t - c.Now().
func Until(c Clock, t time.Time) time.Duration { return t.Sub(c.Now()) }

// NetDeadline is the deadline d from now for a network connection
// (net.Conn.SetDeadline), which the operating system measures on the real
// clock. Use it for I/O deadlines only, never for a decision.
func NetDeadline(d time.Duration) time.Time { return time.Now().Add(d) }

// Sleep waits d on c, or until ctx ends (returning ctx.Err()).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.After(d):
		return nil
	}
}

// waitSlice bounds each sleep of WaitUntil. Go timers follow the monotonic
// clock, which stops while a machine is suspended and ignores wall-clock
// jumps; waking at least once a minute to re-read the wall clock delivers a
// window missed during sleep within a minute of resume.
const waitSlice = time.Minute

// WaitUntil blocks until c reaches t (by its wall clock) or ctx ends,
// returning ctx.Err() in the latter case. It re-reads Now after every
// wake-up and sleeps at most a minute at a time. A zero t means never: it
// then only returns when ctx ends (a caller looping on a schedule's Next
// must not spin).
func WaitUntil(ctx context.Context, c Clock, t time.Time) error {
	if t.IsZero() {
		<-ctx.Done()
		return ctx.Err()
	}
	if a, ok := c.(interface {
		AfterTime(time.Time) <-chan time.Time
	}); ok {
		// A clock that can wait for an instant (the fake): waiting for now+d instead would miss t when the
		// time is set to t between reading now and registering the wait, and wait for ever.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.AfterTime(t.Round(0)):
			return nil
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Round(0) drops the monotonic reading: these are wall-clock instants.
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
