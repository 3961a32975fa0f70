package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/store"
)

// waitLimit bounds every wait in these tests: the daemon promises an alert
// within a second or two; this is generous for a loaded 2-core CI machine
// while still failing a hung test quickly.
const waitLimit = 20 * time.Second

// server is what the tests need of an IMAP test server.
type server = testimap.Server

type memServer struct{ *testimap.Mem }

func (m memServer) deliver(mailbox string, raw []byte) { m.Deliver(mailbox, raw) }

type doveServer struct{ *testimap.Dovecot }

func (d doveServer) deliver(mailbox string, raw []byte) { d.Deliver(mailbox, raw) }

type deliverer interface {
	server
	deliver(mailbox string, raw []byte)
}

// webhookSink is an HTTP endpoint that records alert POSTs.
type webhookSink struct {
	url string
	C   chan map[string]any
}

func startWebhook(t testing.TB) *webhookSink {
	t.Helper()
	ws := &webhookSink{C: make(chan map[string]any, 10000)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ws.C <- body
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ws.url = "http://" + ln.Addr().String() + "/alert"
	return ws
}

// env is one daemon under test with its servers.
type env struct {
	t       *testing.T
	srv     deliverer
	smtp    *smtpsink.Sink
	hook    *webhookSink
	cfg     *config.Config
	st      *store.Store
	d       *Daemon
	handled chan Handled
	cancel  context.CancelFunc
	done    chan error
	logs    *syncBuffer
	windows chan WindowResult
	clock   clock.Clock
	metrics *health.Metrics
}

func startSinks(t *testing.T) (*smtpsink.Sink, *webhookSink) {
	return smtpsink.Start(t), startWebhook(t)
}

type envOpts struct {
	backlog      string
	pollInterval time.Duration
	extraYAML    string
	stateDir     string
	patients     string // YAML list, default ["*@patients.example"]
	clock        clock.Clock
	holdFolder   string // default "Held"
	// emergencyYAML is added to the emergency section (two-space indent).
	emergencyYAML string
	// windowsYAML is added to the reading_windows section (pauses).
	windowsYAML string
}

func testConfig(t *testing.T, srv server, sink *smtpsink.Sink, hook *webhookSink, o envOpts) *config.Config {
	t.Helper()
	if o.backlog == "" {
		o.backlog = "new"
	}
	if o.stateDir == "" {
		o.stateDir = t.TempDir()
	}
	if o.patients == "" {
		o.patients = `["*@patients.example"]`
	}
	if o.holdFolder == "" {
		o.holdFolder = "Held"
	}
	// Tests of other behaviours count one alert per emergency: no
	// repeats, no grouping and no hourly cap unless a test asks for them.
	for _, def := range []string{"repeat: 0", "group_wait: 0s", "max_pages_per_hour: 100000"} {
		if key, _, _ := strings.Cut(def, ":"); !strings.Contains(o.emergencyYAML, key+":") {
			o.emergencyYAML += "  " + def + "\n"
		}
	}
	t.Setenv("BD_TEST_IMAP_PW", srv.Password())
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: %s
  password_env: BD_TEST_IMAP_PW
  hold_folder: %s
  backlog: %s
smtp:
  host: 127.0.0.1
  port: %d
  security: insecure
  from: "Dr Test <therapist@example.org>"
senders:
  allow: ["partner@example.org"]
  patients: %s
reading_windows:
  timezone: Europe/Paris
  schedule: ["0 18 * * TUE"]
%semergency:
  alerts:
    - type: smtp
      to: ["pager@example.net"]
    - type: webhook
      url: %s
%sstate_dir: %s
%s`, srv.Port(), srv.User(), o.holdFolder, o.backlog, sink.Port(), o.patients, o.windowsYAML, hook.url, o.emergencyYAML, o.stateDir, o.extraYAML)
	cfg, probs, err := config.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, strings.Join(probs.Lines(), "\n"))
	}
	if o.pollInterval > 0 {
		cfg.IMAP.PollInterval = config.Duration(o.pollInterval)
	}
	return cfg
}

func startEnv(t *testing.T, srv deliverer, o envOpts) *env {
	t.Helper()
	e := &env{t: t, srv: srv, smtp: smtpsink.Start(t), hook: startWebhook(t), handled: make(chan Handled, 10000),
		windows: make(chan WindowResult, 100), clock: o.clock}
	e.cfg = testConfig(t, srv, e.smtp, e.hook, o)
	e.start()
	return e
}

func (e *env) start() {
	t := e.t
	var err error
	e.st, err = store.Open(e.cfg.StateDir, store.Options{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.logs = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.d, err = New(e.cfg, e.st, Options{
		Logger:         log,
		MinBackoff:     50 * time.Millisecond,
		MaxBackoff:     time.Second,
		CommandTimeout: 5 * time.Second,
		OnHandled:      func(h Handled) { e.handled <- h },
		OnWindow: func(w WindowResult) {
			select {
			case e.windows <- w:
			default:
			}
		},
		Clock:   e.clock,
		Metrics: e.metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.done = make(chan error, 1)
	go func() { e.done <- e.d.Run(ctx) }()
	t.Cleanup(e.stop)
}

func (e *env) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("daemon stopped with %v", err)
		}
	case <-time.After(5 * time.Second):
		e.t.Errorf("daemon did not stop within 5 s")
	}
	e.cancel = nil
	e.st.Close()
	if e.t.Failed() {
		e.t.Logf("daemon log:\n%s", e.logs.String())
	}
}

// waitHandled waits for n messages to be handled and returns them.
func (e *env) waitHandled(n int) []Handled {
	e.t.Helper()
	var out []Handled
	deadline := time.After(waitLimit)
	for len(out) < n {
		select {
		case h := <-e.handled:
			out = append(out, h)
		case <-deadline:
			e.t.Fatalf("only %d of %d messages handled within %s\nlog:\n%s", len(out), n, waitLimit, e.logs.String())
		}
	}
	return out
}

// waitMessage waits until the message raw was handled (others handled
// meanwhile, such as the daemon's own digests, are skipped) and returns it.
func (e *env) waitMessage(raw []byte) Handled {
	e.t.Helper()
	id := messageIDOf(raw)
	deadline := time.After(waitLimit)
	for {
		select {
		case h := <-e.handled:
			if strings.HasPrefix(h.Identity, id+"#") {
				return h
			}
		case <-deadline:
			e.t.Fatalf("message %s not handled within %s\n%s", id, waitLimit, e.logs.String())
		}
	}
}

// waitReady waits until the daemon has done its first pass over the inbox
// (the high-water mark exists).
func (e *env) waitReady() {
	e.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		_, _, ok, err := e.st.HighWater(e.cfg.IMAP.Inbox)
		if err == nil && ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("daemon never completed a first pass\n%s", e.logs.String())
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mail builds a small RFC 5322 message.
func newMail(from, subject, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: therapist@example.org\r\nSubject: %s\r\nDate: Tue, 24 Nov 2026 21:14:00 +0100\r\nMessage-ID: <%d.%s@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, subject, time.Now().UnixNano(), strings.ReplaceAll(subject, " ", "-"), body))
}

// find looks for a message by its bytes; one flagged \Deleted (an original
// left behind by a COPY-based move on a server without UIDPLUS) is gone.
func find(msgs []testimap.Message, raw []byte) (testimap.Message, bool) {
	for _, m := range msgs {
		if bytes.Equal(m.Raw, raw) && !m.HasFlag(`\Deleted`) {
			return m, true
		}
	}
	return testimap.Message{}, false
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}
