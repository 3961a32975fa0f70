package imapwatch

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

// progressEvery is the tick of these tests: the waits are an hour long, so
// every Progress call beyond a handful comes from a wait's own tick.
const progressEvery = 20 * time.Millisecond

// progressCounter runs Run with a Progress hook and reports each call.
func progressCounter(t *testing.T, opts Options, h Handler) <-chan struct{} {
	t.Helper()
	calls := make(chan struct{}, 1000)
	opts.Progress = func() {
		select {
		case calls <- struct{}{}:
		default:
		}
	}
	opts.ProgressEvery = progressEvery
	opts.IdleRefresh = time.Hour
	opts.PollInterval = time.Hour
	opts.KeepAlive = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop")
		}
	})
	return calls
}

// expectCalls waits for n more Progress calls within a bound generous for
// a loaded machine (n ticks take n×20ms when the wait ticks).
func expectCalls(t *testing.T, calls <-chan struct{}, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-calls:
		case <-deadline:
			t.Fatalf("only %d of %d Progress calls within 10s", i, n)
		}
	}
}

// TestProgressWhileWaiting: a healthy watch that waits (IDLE, polling, the
// reconnection delay) for an hour still tells Progress every tick, so a
// supervisor never takes a quiet inbox for a wedged watch.
func TestProgressWhileWaiting(t *testing.T) {
	cases := []struct {
		name string
		opts func(t *testing.T) Options
	}{
		{"idle", func(t *testing.T) Options { return optionsFor(t, memServer{mustMem(t)}) }},
		{"poll", func(t *testing.T) Options {
			return optionsFor(t, memServer{testimap.StartMem(t, testimap.MemOptions{NoIdle: true})})
		}},
		{"reconnect delay", func(t *testing.T) Options {
			o := optionsFor(t, memServer{mustMem(t)})
			o.Port = closedPort(t)
			o.MinBackoff, o.MaxBackoff = time.Hour, time.Hour
			return o
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			handled := make(chan struct{}, 1)
			calls := progressCounter(t, c.opts(t), func(ctx context.Context, s *Session) error {
				_, err := s.UIDsAfter(ctx, 0)
				select {
				case handled <- struct{}{}:
				default:
				}
				return err
			})
			if c.name != "reconnect delay" {
				select {
				case <-handled:
				case <-time.After(10 * time.Second):
					t.Fatal("the handler was never called")
				}
			}
			// A few calls may come from the last commands; 20 cannot.
			expectCalls(t, calls, 20)
		})
	}
}

// TestNoProgressWhileHandlerBlocks: a handler that never returns wedges the
// watch, and Progress falls silent although the connection is fine.
func TestNoProgressWhileHandlerBlocks(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	blocked := make(chan struct{})
	calls := progressCounter(t, optionsFor(t, memServer{mustMem(t)}), func(ctx context.Context, s *Session) error {
		close(blocked)
		<-release
		return nil
	})
	select {
	case <-blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was never called")
	}
	for len(calls) > 0 { // the login and select before the handler
		<-calls
	}
	select {
	case <-calls:
		t.Fatal("Progress called while the handler blocks the watch")
	case <-time.After(15 * progressEvery):
	}
}

// closedPort is a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
