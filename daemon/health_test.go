package daemon

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// TestHealthFollowsDovecot: /healthz turns 503 when the IMAP server has been
// gone longer than the grace period and 200 again once the daemon is back;
// /metrics counts what was handled.
func TestHealthFollowsDovecot(t *testing.T) {
	testimap.SkipWithoutDovecot(t)
	dv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	srv := doveServer{dv}
	m := health.NewMetrics(nil)
	e := &env{t: t, srv: srv, handled: make(chan Handled, 100), windows: make(chan WindowResult, 10)}
	e.smtp, e.hook = startSinks(t)
	e.cfg = testConfig(t, srv, e.smtp, e.hook, envOpts{})
	e.metrics = m
	e.start()
	e.waitReady()

	grace := 700 * time.Millisecond
	hs := httptest.NewServer((&health.Server{Metrics: m, Checker: &health.Checker{Session: m.Session, Alerts: e.d.Dispatcher(), Grace: grace}}).Handler())
	defer hs.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitStatus := func(want int) string {
		t.Helper()
		deadline := time.Now().Add(waitLimit)
		var code int
		var body string
		for time.Now().Before(deadline) {
			if code, body = get("/healthz"); code == want {
				return body
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("/healthz stayed %d (want %d): %s\n%s", code, want, body, tail(e.logs.String(), 3000))
		return ""
	}
	waitStatus(200)

	srv.deliver("INBOX", newMail("Ana <ana@patients.example>", "hello", benignBody))
	e.waitHandled(1)
	if _, metrics := get("/metrics"); !strings.Contains(metrics, `boundaryd_messages_handled_total{verdict="hold"} 1`) {
		t.Errorf("metrics do not count the held message:\n%s", grepLines(metrics, "boundaryd_messages"))
	}

	dv.Stop()
	body := waitStatus(503)
	if !strings.Contains(body, "IMAP") {
		t.Errorf("503 body does not say why: %s", body)
	}
	dv.Start()
	waitStatus(200)
	if _, metrics := get("/metrics"); !strings.Contains(metrics, "boundaryd_imap_reconnects_total") || strings.Contains(metrics, "boundaryd_imap_reconnects_total 0") {
		t.Errorf("reconnects not counted:\n%s", grepLines(metrics, "reconnect"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
