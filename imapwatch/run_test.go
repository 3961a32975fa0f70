package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

// holder is a minimal daemon: it holds every inbox message above its
// high-water mark, per UIDVALIDITY, and records what it saw.
type holder struct {
	mu        sync.Mutex
	validity  uint32
	hwm       uint32
	held      int
	calls     int
	validites []uint32
	notify    chan struct{}
}

func newHolder() *holder { return &holder{notify: make(chan struct{}, 1)} }

func (h *holder) handle(ctx context.Context, s *Session) error {
	h.mu.Lock()
	h.calls++
	st := s.Selected()
	if st.UIDValidity != h.validity {
		h.validity, h.hwm = st.UIDValidity, 0
		h.validites = append(h.validites, st.UIDValidity)
	}
	hwm := h.hwm
	h.mu.Unlock()
	uids, err := s.UIDsAfter(ctx, hwm)
	if err != nil {
		return err
	}
	for _, uid := range uids {
		err := s.Hold(ctx, uid, "Boundary/Held")
		if err != nil && !errors.Is(err, ErrGone) {
			return err
		}
		h.mu.Lock()
		h.hwm = uid
		if err == nil {
			h.held++
		}
		h.mu.Unlock()
	}
	select {
	case h.notify <- struct{}{}:
	default:
	}
	return nil
}

func (h *holder) snapshot() (held, calls int, validities []uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held, h.calls, append([]uint32(nil), h.validites...)
}

// startRun runs Run in the background and stops it on cleanup, failing
// the test if it does not return promptly.
func startRun(t *testing.T, opts Options, h Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v on cancel", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Run did not stop within 5s of cancel")
		}
	})
}

// expectHeld waits until the hold folder has exactly want (byte-identical,
// unseen) and the inbox is empty of them.
func expectHeld(t *testing.T, srv server, want [][]byte, timeout time.Duration) {
	t.Helper()
	var last string
	deadline := time.Now().Add(timeout)
	for {
		held, err1 := srv.TryMessages("Boundary/Held")
		inbox, err2 := srv.TryMessages("INBOX")
		last = fmt.Sprintf("%d held, %d in inbox (%v, %v)", len(held), len(inbox), err1, err2)
		if err1 == nil && err2 == nil && len(held) == len(want) && len(inbox) == 0 {
			// The same messages, byte for byte, in any order: after a cut
			// connection a batch may be moved again in another order, so
			// the hold folder's UID order need not be the delivery order.
			left := map[string]int{}
			for _, w := range want {
				left[string(w)]++
			}
			for i, m := range held {
				if left[string(m.Raw)] == 0 {
					t.Fatalf("held message %d (UID order) is none of the delivered messages, byte for byte", i)
				}
				left[string(m.Raw)]--
				if hasFlag(m.Flags, `\Seen`) {
					t.Fatalf("held message %d is \\Seen", i)
				}
			}
			return
		}
		if len(held) > len(want) {
			t.Fatalf("hold folder has %d messages, want %d (duplicates)", len(held), len(want))
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s; want %d held", timeout, last, len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunHoldsNewMail(t *testing.T) {
	for _, b := range backends {
		for _, p := range []struct {
			name string
			prof profile
		}{{"idle", full}, {"poll", noIdle}} {
			t.Run(b.name+"/"+p.name, func(t *testing.T) {
				srv := b.start(t, p.prof)
				h := newHolder()
				startRun(t, optionsFor(t, srv), h.handle)
				<-h.notify // first session up
				var want [][]byte
				for i := 0; i < 3; i++ {
					raw := plainMessage(fmt.Sprintf("m%d", i), "body")
					want = append(want, raw)
					start := time.Now()
					srv.Deliver("INBOX", raw)
					expectHeld(t, srv, want, 4*time.Second)
					t.Logf("message %d held %v after delivery", i, time.Since(start).Round(time.Millisecond))
				}
			})
		}
	}
}

func TestRunReconnectsAfterDovecotRestart(t *testing.T) {
	srv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	h := newHolder()
	startRun(t, optionsFor(t, srv), h.handle)
	<-h.notify
	first := plainMessage("before", "x")
	srv.Deliver("INBOX", first)
	expectHeld(t, srv, [][]byte{first}, 4*time.Second)

	srv.Stop() // mid-IDLE: master and children killed
	// Mail that lands while the server is down is found on reconnect.
	srv.Start()
	second := plainMessage("after", "y")
	start := time.Now()
	srv.Deliver("INBOX", second)
	expectHeld(t, srv, [][]byte{first, second}, 6*time.Second)
	t.Logf("held %v after restart", time.Since(start).Round(time.Millisecond))
}

func TestRunThroughCutConnections(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			proxy := testimap.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", srv.Port()))
			opts := optionsFor(t, srv)
			opts.Port = proxy.Port()
			h := newHolder()
			startRun(t, opts, h.handle)
			<-h.notify

			// Cut everything now, twice, then at random byte counts while
			// mail arrives.
			var want [][]byte
			for i := 0; i < 2; i++ {
				proxy.CutAll()
				raw := plainMessage(fmt.Sprintf("cut%d", i), "x")
				want = append(want, raw)
				srv.Deliver("INBOX", raw)
				expectHeld(t, srv, want, 6*time.Second)
			}
			// Mail keeps arriving until at least 4 connections died at a
			// random byte; then the link heals.
			proxy.CutRandomly(2500)
			for i := 0; proxy.Cuts() < 2+4 && i < 150; i++ {
				raw := plainMessage(fmt.Sprintf("r%d", i), "y")
				want = append(want, raw)
				srv.Deliver("INBOX", raw)
				if i%10 == 9 {
					time.Sleep(100 * time.Millisecond) // let the watcher catch up
				}
			}
			if proxy.Cuts() < 6 {
				t.Fatalf("only %d cuts happened", proxy.Cuts())
			}
			proxy.CutRandomly(0)
			expectHeld(t, srv, want, 15*time.Second)
			held, calls, _ := h.snapshot()
			t.Logf("%d messages held exactly once; %d connections, %d cut, %d handler calls", held, proxy.Accepted(), proxy.Cuts(), calls)
		})
	}
}

func TestRunRecoversFromSilentStall(t *testing.T) {
	srv := memServer{mustMem(t)}
	proxy := testimap.StartProxy(t, srv.Addr())
	opts := optionsFor(t, srv)
	opts.Port = proxy.Port()
	opts.IdleRefresh = 500 * time.Millisecond
	opts.CommandTimeout = time.Second
	h := newHolder()
	startRun(t, opts, h.handle)
	<-h.notify
	if proxy.Freeze() != 1 {
		t.Fatal("expected one open connection to freeze")
	}
	raw := plainMessage("stalled", "z")
	start := time.Now()
	srv.Deliver("INBOX", raw)
	// IDLE refresh (0.5 s) + unanswered DONE (1 s) + backoff, then rescan.
	expectHeld(t, srv, [][]byte{raw}, 5*time.Second)
	t.Logf("held %v after the link went silent", time.Since(start).Round(time.Millisecond))
}

func TestSilentServerTimesOut(t *testing.T) {
	for _, greet := range []bool{true, false} {
		t.Run(fmt.Sprintf("greet=%v", greet), func(t *testing.T) {
			silent := testimap.StartSilent(t, greet)
			opts := Options{Host: "127.0.0.1", Port: silent.Port(), Security: SecurityInsecure, Username: "u",
				Password: func(context.Context) (string, error) { return "p", nil }, CommandTimeout: 500 * time.Millisecond}
			start := time.Now()
			_, err := Dial(testCtx(t, 10*time.Second), opts)
			took := time.Since(start)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Dial err = %v, want ErrTimeout", err)
			}
			// The login phase is allowed twice the command timeout.
			if took > 1500*time.Millisecond {
				t.Fatalf("Dial took %v with a 500ms command timeout", took)
			}
			t.Logf("Dial gave up after %v", took.Round(time.Millisecond))

			// Run keeps retrying and still stops promptly on cancel.
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			opts.MinBackoff = 10 * time.Millisecond
			if err := Run(ctx, opts, func(context.Context, *Session) error { return nil }); err != nil {
				t.Fatalf("Run = %v, want nil on context end", err)
			}
		})
	}
}

func TestUIDValidityChangeSeenAfterReconnect(t *testing.T) {
	srv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	srv.Deliver("INBOX", plainMessage("a", "a"))
	var mu sync.Mutex
	var seen []uint32
	ready := make(chan struct{}, 4)
	h := func(ctx context.Context, s *Session) error {
		mu.Lock()
		v := s.Selected().UIDValidity
		if len(seen) == 0 || seen[len(seen)-1] != v {
			seen = append(seen, v)
			select {
			case ready <- struct{}{}:
			default:
			}
		}
		mu.Unlock()
		return nil
	}
	startRun(t, optionsFor(t, srv), h)
	<-ready
	srv.SetUIDValidity("INBOX", 4242)
	// Dovecot notices during IDLE only when the mailbox changes again; it
	// then ends the session with "BYE ... inconsistent".
	srv.Deliver("INBOX", plainMessage("b", "b"))
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("new UIDVALIDITY not seen within 5s")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[1] != 4242 {
		t.Fatalf("UIDVALIDITY sequence = %v", seen)
	}
}

func TestUIDValidityChangeMem(t *testing.T) {
	srv := mustMem(t)
	srv.Deliver("INBOX", plainMessage("a", "a"))
	s1 := dialSelected(t, memServer{srv})
	before := s1.Selected().UIDValidity
	s1.Close()
	srv.ResetMailbox("INBOX")
	s2 := dialSelected(t, memServer{srv})
	if after := s2.Selected().UIDValidity; after == before {
		t.Fatalf("UIDVALIDITY unchanged (%d) after mailbox reset", after)
	}
}

func TestRunHandlerPermanentError(t *testing.T) {
	srv := memServer{mustMem(t)}
	boom := errors.New("boom")
	err := Run(testCtx(t, 5*time.Second), optionsFor(t, srv), func(context.Context, *Session) error { return Permanent(boom) })
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want boom", err)
	}
}

func TestCommandTimeoutOnFrozenLink(t *testing.T) {
	srv := memServer{mustMem(t)}
	srv.Deliver("INBOX", plainMessage("a", "a"))
	proxy := testimap.StartProxy(t, srv.Addr())
	opts := optionsFor(t, srv)
	opts.Port = proxy.Port()
	opts.CommandTimeout = 300 * time.Millisecond
	s := dial(t, opts)
	if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	proxy.Freeze()
	start := time.Now()
	_, err := s.Fetch(testCtx(t, 5*time.Second), []uint32{1})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Fetch on a frozen link: %v, want ErrTimeout", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Fetch gave up after %v with a 300ms timeout", took)
	}
	if s.Alive() {
		t.Error("session still alive after a timeout")
	}
	if err := s.Hold(testCtx(t, time.Second), 1, "Boundary/Held"); !errors.Is(err, ErrClosed) {
		t.Errorf("Hold after timeout: %v, want ErrClosed", err)
	}
	start = time.Now()
	s.Close()
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("Close took %v", took)
	}
}

func TestRunWaitsForServerDownAtStart(t *testing.T) {
	srv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	srv.Stop()
	h := newHolder()
	startRun(t, optionsFor(t, srv), h.handle)
	time.Sleep(300 * time.Millisecond) // a few refused connections
	raw := plainMessage("boot", "x")
	srv.Start()
	srv.Deliver("INBOX", raw)
	expectHeld(t, srv, [][]byte{raw}, 5*time.Second)
}
