package clock

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// testCtx bounds every clock test so a broken Wait fails instead of hanging.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func startWait(ctx context.Context, c Clock, at time.Time) <-chan error {
	done := make(chan error, 1)
	go func() { done <- WaitUntil(ctx, c, at) }()
	return done
}

// slicing is a fake clock that, like the system clock, can only wait for a duration: WaitUntil waits for it
// in slices and checks the wall clock after each. Its AfterTime (of another signature) hides the fake's.
type slicing struct{ *Fake }

func (slicing) AfterTime() {}

func TestWaitReturnsWhenClockAdvanced(t *testing.T) {
	ctx := testCtx(t)
	clk := slicing{NewFake(utc(t, "2026-03-10 12:00"))}
	target := utc(t, "2026-03-10 17:00") // five hours: many one-minute slices
	done := startWait(ctx, clk, target)

	// Partway: Wait must wake, see it is early and go back to sleep.
	if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatalf("Wait did not go back to sleep: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Wait returned early: %v", err)
	default:
	}
	// A machine resumes from hours of sleep: one jump past the target.
	clk.Set(target.Add(3 * time.Hour))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Wait = %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Wait did not return after the clock passed the target")
	}
}

func TestWaitSlicesAreBounded(t *testing.T) {
	ctx := testCtx(t)
	start := utc(t, "2026-03-10 12:00")
	clk := &recordingClock{Fake: NewFake(start)}
	done := startWait(ctx, clk, start.Add(48*time.Hour))
	if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Set(start.Add(48 * time.Hour))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := clk.longest(); d <= 0 || d > time.Minute {
		t.Fatalf("longest slice %s, want (0, 1m]", d)
	}
}

type recordingClock struct {
	*Fake
	max time.Duration
}

func (*recordingClock) AfterTime() {} // waits in slices, as the system clock does (see slicing)

func (c *recordingClock) After(d time.Duration) <-chan time.Time {
	c.Fake.mu.Lock()
	c.max = max(c.max, d)
	c.Fake.mu.Unlock()
	return c.Fake.After(d)
}

func (c *recordingClock) longest() time.Duration {
	c.Fake.mu.Lock()
	defer c.Fake.mu.Unlock()
	return c.max
}

func TestWaitClockJumpsBack(t *testing.T) {
	ctx := testCtx(t)
	clk := slicing{NewFake(utc(t, "2026-03-10 17:59"))}
	target := utc(t, "2026-03-10 18:00")
	done := startWait(ctx, clk, target)
	if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Set(utc(t, "2026-03-10 16:00")) // NTP correction backwards fires nothing
	clk.Advance(90 * time.Second)       // 16:01:30: still early
	if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("Wait returned before the wall clock reached the target: %v", err)
	default:
	}
	clk.Set(target)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWaitCancel(t *testing.T) {
	ctx := testCtx(t)
	clk := NewFake(utc(t, "2026-03-10 12:00"))
	wctx, cancel := context.WithCancel(ctx)
	done := startWait(wctx, clk, utc(t, "2026-03-10 18:00"))
	if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v, want context.Canceled", err)
		}
	case <-ctx.Done():
		t.Fatal("Wait ignored cancellation")
	}
}

func TestWaitPastAndNever(t *testing.T) {
	ctx := testCtx(t)
	clk := NewFake(utc(t, "2026-03-10 12:00"))
	if err := WaitUntil(ctx, clk, utc(t, "2026-03-10 11:00")); err != nil {
		t.Fatalf("past target: %v", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := startWait(wctx, clk, time.Time{})
	clk.Advance(24 * 365 * time.Hour)
	select {
	case err := <-done:
		t.Fatalf("zero target (no window) returned %v without cancel", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
}

func TestWaitSystemClock(t *testing.T) {
	ctx := testCtx(t)
	if err := WaitUntil(ctx, System(), time.Now().Add(20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

func TestFakeAfter(t *testing.T) {
	clk := NewFake(utc(t, "2026-03-10 12:00"))
	a, b := clk.After(time.Minute), clk.After(time.Hour)
	if got := clk.Waiters(); got != 2 {
		t.Fatalf("Waiters = %d", got)
	}
	clk.Advance(time.Minute)
	select {
	case got := <-a:
		if !got.Equal(utc(t, "2026-03-10 12:01")) {
			t.Fatalf("fired with %s", got)
		}
	default:
		t.Fatal("a minute timer did not fire after a minute")
	}
	select {
	case <-b:
		t.Fatal("hour timer fired early")
	default:
	}
	if got := clk.Waiters(); got != 1 {
		t.Fatalf("Waiters = %d", got)
	}
	select {
	case <-clk.After(0):
	default:
		t.Fatal("After(0) did not fire at once")
	}
}

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWaitUntilFakeSetToTheInstant: the time is set to exactly the instant waited for, at any moment of the
// wait's start (the demo's narrator does this while the daemon starts waiting for its next review time):
// the wait ends. Waiting for Now()+d instead loses the wake-up when Set lands between the two.
func TestWaitUntilFakeSetToTheInstant(t *testing.T) {
	start := time.Date(2019, 3, 25, 8, 0, 0, 0, time.UTC)
	for i := range 2000 {
		f := NewFake(start)
		at := start.Add(time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done := startWait(ctx, f, at)
		if i%2 == 0 {
			runtime.Gosched()
		}
		f.Set(at)
		err := <-done
		cancel()
		if err != nil {
			t.Fatalf("iteration %d: WaitUntil did not return after the time was set to its instant: %v", i, err)
		}
	}
}
