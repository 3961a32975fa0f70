package notify

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/store"
)

const waitFor = 5 * time.Second

// relayConfig is the plaintext loopback SMTP config of a sink.
func relayConfig(ms *smtpsink.Sink) SMTPConfig {
	return SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: netpolicy.Insecure, Timeout: 5 * time.Second}
}

// hookSink is an httptest server recording webhook requests.
type hookSink struct {
	srv    *httptest.Server
	reqs   chan hookReq
	status atomic.Int32
}

type hookReq struct {
	header http.Header
	body   string
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{reqs: make(chan hookReq, 100)}
	h.status.Store(200)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		st := int(h.status.Load())
		if st < 300 {
			h.reqs <- hookReq{header: r.Header.Clone(), body: string(b)}
		}
		w.WriteHeader(st)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// recv returns the next value on c, failing the test after waitFor.
func recv[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(waitFor):
		t.Fatalf("no %s within %v", what, waitFor)
	}
	var zero T
	return zero
}

// expectNone fails if anything arrives on c within a short grace period
// (used only for negative checks, after the positive ones completed).
func expectNone[T any](t *testing.T, c <-chan T, what string) {
	t.Helper()
	select {
	case v := <-c:
		t.Errorf("unexpected %s: %+v", what, v)
	case <-time.After(300 * time.Millisecond):
	}
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("webhook body is not JSON: %v: %q", err, s)
	}
	return m
}

func openStoreErr(dir string) (*store.Store, error) {
	return store.Open(dir, store.Options{LockTimeout: 3 * time.Second})
}

func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := openStoreErr(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// runDispatcher starts d.Run and returns a stop function that waits for it.
func runDispatcher(t *testing.T, d *Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		d.Run(ctx)
		close(done)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitFor):
				t.Error("dispatcher did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func fastOpts(log *slog.Logger) DispatcherOptions {
	return DispatcherOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, SendTimeout: 5 * time.Second, Logger: log}
}

// observed adds an Observe hook that reports every attempt on the returned
// channel (the signal that the outcome is committed to the store).
func observed(o DispatcherOptions) (DispatcherOptions, chan Result) {
	c := make(chan Result, 100)
	o.Observe = func(r Result) { c <- r }
	return o, c
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// logCapture is a slog.Handler that keeps every record for inspection and
// signals error-level ones.
type logCapture struct {
	mu     sync.Mutex
	lines  []string
	errors chan string
}

func newLogCapture() *logCapture { return &logCapture{errors: make(chan string, 100)} }

func (l *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCapture) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCapture) WithGroup(string) slog.Handler            { return l }
func (l *logCapture) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	if r.Level >= slog.LevelError {
		select {
		case l.errors <- b.String():
		default:
		}
	}
	return nil
}

func (l *logCapture) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}
