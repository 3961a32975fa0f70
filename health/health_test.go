package health

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/notify"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fakeAlerts stands in for notify's Dispatcher.Health.
type fakeAlerts struct {
	mu     sync.Mutex
	since  time.Time
	depth  int
	status []notify.ChannelStatus
}

func (f *fakeAlerts) Health() (time.Time, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.since, f.depth
}

func (f *fakeAlerts) Status() []notify.ChannelStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeAlerts) set(since time.Time, depth int) {
	f.mu.Lock()
	f.since, f.depth = since, depth
	f.mu.Unlock()
}

type fixture struct {
	clock  *clock.Fake
	alerts *fakeAlerts
	m      *Metrics
	base   string // http://127.0.0.1:port
}

// start serves a Server on a real loopback listener until the test ends.
func start(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		clock:  clock.NewFake(time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)),
		alerts: &fakeAlerts{},
	}
	f.m = NewMetrics(f.clock)
	srv := &Server{
		Metrics: f.m,
		Checker: &Checker{Session: f.m.Session, Alerts: f.alerts, Clock: f.clock},
		Logger:  slog.New(slog.DiscardHandler),
	}
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := srv.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeListener: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("server did not stop within 5s")
		}
	})
	f.base = "http://" + ln.Addr().String()
	return f
}

var client = &http.Client{Timeout: 5 * time.Second}

func (f *fixture) healthz(t *testing.T) (int, Report) {
	t.Helper()
	resp, err := client.Get(f.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var r Report
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode /healthz: %v", err)
	}
	return resp.StatusCode, r
}

func (f *fixture) expectHealth(t *testing.T, wantCode int, why string) Report {
	t.Helper()
	code, r := f.healthz(t)
	if code != wantCode {
		t.Fatalf("%s: /healthz = %d %+v, want %d", why, code, r, wantCode)
	}
	wantStatus := StatusOK
	if wantCode != http.StatusOK {
		wantStatus = StatusUnhealthy
	}
	if r.Status != wantStatus {
		t.Fatalf("%s: status %q, want %q", why, r.Status, wantStatus)
	}
	return r
}

func TestHealthzFollowsIMAPSession(t *testing.T) {
	f := start(t)
	started := f.clock.Now()

	r := f.expectHealth(t, 200, "just started, not logged in yet")
	if r.IMAP.Up || r.IMAP.DownSince == nil || !r.IMAP.DownSince.Equal(started) {
		t.Errorf("starting: imap = %+v, want down since start", r.IMAP)
	}
	f.clock.Advance(5 * time.Minute)
	f.expectHealth(t, 503, "never logged in for 5 minutes")

	f.m.SessionUp(true)
	r = f.expectHealth(t, 200, "logged in")
	if !r.IMAP.Up || r.IMAP.DownSince != nil || len(r.Reasons) != 0 {
		t.Errorf("up: report %+v", r)
	}

	f.m.SessionUp(false)
	lost := f.clock.Now()
	f.clock.Advance(4*time.Minute + 59*time.Second)
	f.m.SessionUp(false) // a failed reconnect attempt must not restart the grace period
	r = f.expectHealth(t, 200, "reconnecting for 4m59s")
	if len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], "reconnecting") {
		t.Errorf("reasons = %q, want one reconnecting note", r.Reasons)
	}
	f.clock.Advance(time.Second)
	r = f.expectHealth(t, 503, "down for 5m")
	if !r.IMAP.DownSince.Equal(lost) {
		t.Errorf("down_since = %v, want %v", r.IMAP.DownSince, lost)
	}
	if len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], "IMAP session down for 5m0s") {
		t.Errorf("reasons = %q", r.Reasons)
	}

	f.m.SessionUp(true)
	f.expectHealth(t, 200, "back up")
}

func TestHealthzFollowsAlertFailures(t *testing.T) {
	f := start(t)
	f.m.SessionUp(true)
	now := f.clock.Now()

	f.alerts.set(now.Add(-5*time.Minute), 3)
	r := f.expectHealth(t, 200, "alert failing for exactly 5m")
	if r.Alerts.OutboxDepth != 3 || r.Alerts.FailingSince == nil {
		t.Errorf("alerts = %+v", r.Alerts)
	}
	f.clock.Advance(time.Second)
	r = f.expectHealth(t, 503, "alert failing for 5m1s")
	if len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], "alert channel has been failing") {
		t.Errorf("reasons = %q", r.Reasons)
	}

	f.alerts.set(time.Time{}, 0)
	r = f.expectHealth(t, 200, "alerts delivered again")
	if r.Alerts.FailingSince != nil {
		t.Errorf("failing_since = %v, want null", r.Alerts.FailingSince)
	}

	f.alerts.set(time.Time{}, -1)
	f.expectHealth(t, 503, "outbox unreadable")
}

func TestHealthzJSONShape(t *testing.T) {
	f := start(t)
	f.m.SessionUp(true)
	resp, err := client.Get(f.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	want := `{"status":"ok","imap":{"up":true,"down_since":null},"alerts":{"failing_since":null,"outbox_depth":0},"reasons":[]}`
	if got := strings.TrimSpace(string(body)); got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	g := DefaultGrace
	cases := []struct {
		name string
		s    SessionState
		a    AlertState
		ok   bool
	}{
		{"all fine", SessionState{Up: true}, AlertState{}, true},
		{"down, never reported", SessionState{}, AlertState{}, true},
		{"down 4m", SessionState{DownSince: now.Add(-4 * time.Minute)}, AlertState{}, true},
		{"down 5m", SessionState{DownSince: now.Add(-5 * time.Minute)}, AlertState{}, false},
		{"alert 4m", SessionState{Up: true}, AlertState{FailingSince: now.Add(-4 * time.Minute)}, true},
		{"alert 6m", SessionState{Up: true}, AlertState{FailingSince: now.Add(-6 * time.Minute)}, false},
		{"outbox unreadable", SessionState{Up: true}, AlertState{OutboxDepth: -1}, false},
		{"both bad", SessionState{DownSince: now.Add(-time.Hour)}, AlertState{FailingSince: now.Add(-time.Hour)}, false},
	}
	for _, c := range cases {
		r := Evaluate(now, g, c.s, c.a)
		if r.Healthy() != c.ok {
			t.Errorf("%s: healthy = %v (%q), want %v", c.name, r.Healthy(), r.Reasons, c.ok)
		}
		if !r.Healthy() && len(r.Reasons) == 0 {
			t.Errorf("%s: unhealthy without a reason", c.name)
		}
	}
	if r := Evaluate(now, g, SessionState{DownSince: now.Add(-time.Hour)}, AlertState{FailingSince: now.Add(-time.Hour)}); len(r.Reasons) != 2 {
		t.Errorf("both bad: reasons %q, want 2", r.Reasons)
	}
}

func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include
// labels (name=value pairs); ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (v float64, ok bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsExposeAndChange(t *testing.T) {
	f := start(t)

	before := scrape(t, f.base)
	for _, name := range []string{
		"boundaryd_imap_reconnects_total", "boundaryd_imap_session_up", "boundaryd_held_messages",
		"boundaryd_last_window_timestamp_seconds", "boundaryd_outbox_depth",
		"boundaryd_alert_failing_since_timestamp_seconds", "go_goroutines", "process_start_time_seconds",
	} {
		fam := before[name]
		if fam == nil {
			t.Errorf("series %s missing", name)
			continue
		}
		if fam.GetHelp() == "" {
			t.Errorf("series %s has no help text", name)
		}
	}
	if v, _ := value(before, "boundaryd_imap_session_up"); v != 0 {
		t.Errorf("imap_session_up before login = %v", v)
	}

	f.m.SessionUp(true)
	f.m.MessageHandled("hold")
	f.m.MessageHandled("hold")
	f.m.MessageHandled("escalate")
	f.m.AlertResult("sms", false, 0)
	f.m.AlertResult("sms", true, 42*time.Second)
	f.m.AlertResult("ntfy", true, 300*time.Millisecond)
	f.m.Reconnect()
	f.m.SetHeld(7)
	window := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	f.m.WindowDelivered(window)
	failing := f.clock.Now().Add(-time.Minute)
	f.alerts.set(failing, 2) // read from the dispatcher at scrape time

	after := scrape(t, f.base)
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"boundaryd_messages_handled_total", []string{"verdict", "hold"}, 2},
		{"boundaryd_messages_handled_total", []string{"verdict", "escalate"}, 1},
		{"boundaryd_alerts_total", []string{"channel", "sms", "result", "failed"}, 1},
		{"boundaryd_alerts_total", []string{"channel", "sms", "result", "delivered"}, 1},
		{"boundaryd_alerts_total", []string{"channel", "ntfy", "result", "delivered"}, 1},
		{"boundaryd_alert_latency_seconds", []string{"channel", "sms"}, 1},
		{"boundaryd_alert_latency_seconds", []string{"channel", "ntfy"}, 1},
		{"boundaryd_imap_reconnects_total", nil, 1},
		{"boundaryd_imap_session_up", nil, 1},
		{"boundaryd_imap_session_down_since_timestamp_seconds", nil, 0},
		{"boundaryd_held_messages", nil, 7},
		{"boundaryd_windows_delivered_total", nil, 1},
		{"boundaryd_last_window_timestamp_seconds", nil, float64(window.Unix())},
		{"boundaryd_outbox_depth", nil, 2},
		{"boundaryd_alert_failing_since_timestamp_seconds", nil, float64(failing.Unix())},
	}
	for _, c := range checks {
		got, ok := value(after, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}

	// The 42 s delivery lands in the (30, 60] bucket, not below.
	for _, m := range after["boundaryd_alert_latency_seconds"].GetMetric() {
		if m.GetLabel()[0].GetValue() != "sms" {
			continue
		}
		for _, b := range m.GetHistogram().GetBucket() {
			want := uint64(0)
			if b.GetUpperBound() >= 60 {
				want = 1
			}
			if b.GetCumulativeCount() != want {
				t.Errorf("sms latency bucket le=%v = %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
			}
		}
	}

	f.alerts.set(time.Time{}, 0)
	cleared := scrape(t, f.base)
	if v, _ := value(cleared, "boundaryd_alert_failing_since_timestamp_seconds"); v != 0 {
		t.Errorf("alert_failing_since after recovery = %v, want 0", v)
	}
}

func TestLabelsCarryNoFreeText(t *testing.T) {
	m := NewMetrics(nil)
	m.AlertResult("sms:+33600000000@sms.example.net", true, time.Second)
	m.MessageHandled("")
	m.MessageHandled(strings.Repeat("x", 200))
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range fams {
		if !strings.HasPrefix(fam.GetName(), "boundaryd_") {
			continue
		}
		for _, mt := range fam.GetMetric() {
			for _, lp := range mt.GetLabel() {
				v := lp.GetValue()
				if strings.ContainsAny(v, "@ +") || len(v) > 48 || v == "" {
					t.Errorf("%s: label %s=%q", fam.GetName(), lp.GetName(), v)
				}
			}
		}
	}
}

func TestServerRoutesAndShutdown(t *testing.T) {
	m := NewMetrics(nil)
	srv := &Server{Metrics: m, Checker: &Checker{Session: m.Session}, Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := srv.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln) }()

	for path, want := range map[string]int{"/": 404, "/healthz/x": 404, "/debug/pprof/": 404} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, err := client.Post(base+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeListener after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop within 5s of cancel")
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(base + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestListenWarnsBeyondLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"[::1]:0", false}, {"0.0.0.0:0", true}} {
		var buf bytes.Buffer
		m := NewMetrics(nil)
		srv := &Server{Metrics: m, Checker: &Checker{Session: m.Session}, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
		ln, err := srv.Listen(context.Background(), tc.addr)
		if err != nil {
			if strings.HasPrefix(tc.addr, "[::1]") {
				t.Logf("no IPv6 loopback here: %v", err)
				continue
			}
			t.Fatal(err)
		}
		ln.Close()
		if got := strings.Contains(buf.String(), "level=WARN"); got != tc.warn {
			t.Errorf("Listen(%s): warned %v, want %v (log %q)", tc.addr, got, tc.warn, buf.String())
		}
	}
}

func TestServeReportsListenError(t *testing.T) {
	m := NewMetrics(nil)
	srv := &Server{Metrics: m, Checker: &Checker{Session: m.Session}, Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Serve(ctx, "127.0.0.1:notaport"); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Serve on a bad address: %v, want a listen error", err)
	}
}

func TestMetricsConcurrentUse(t *testing.T) {
	m := NewMetrics(nil)
	c := &Checker{Session: m.Session}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				m.SessionUp(j%2 == 0)
				m.MessageHandled("hold")
				m.AlertResult("sms", j%3 == 0, time.Duration(i)*time.Second)
				_ = c.Check()
			}
		}()
	}
	wg.Wait()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		byName[f.GetName()] = f
	}
	if v, _ := value(byName, "boundaryd_messages_handled_total", "verdict", "hold"); v != 1600 {
		t.Errorf("messages_handled_total{hold} = %v, want 1600", v)
	}
}

// BenchmarkScrape measures one /metrics scrape through the handler (the
// Raspberry Pi budget): go test -run x -bench Scrape ./health
func BenchmarkScrape(b *testing.B) {
	m := NewMetrics(nil)
	m.MessageHandled("hold")
	m.AlertResult("sms", true, time.Second)
	srv := &Server{Metrics: m, Checker: &Checker{Session: m.Session}}
	h := srv.Handler()
	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/scrape")
}
