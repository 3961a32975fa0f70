package health

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/store"
)

// A webhook answering 401 turns /healthz unhealthy at once, naming the
// channel and the refusal, and counts as refused in the metrics; the SMTP
// channel still delivers; the webhook accepting again makes it healthy.
func TestRefusingWebhookShowsOnHealthz(t *testing.T) {
	ms := smtpsink.Start(t)
	var status atomic.Int32
	status.Store(http.StatusUnauthorized)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(int(status.Load()))
	}))
	defer hook.Close()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	smtpCh, err := notify.NewSMTP(notify.SMTPChannelConfig{Name: "smtp:0", From: "dr@example.org", To: []string{"sms@example.net"},
		Server: notify.SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: netpolicy.Insecure, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	hookCh, err := notify.NewWebhook(notify.WebhookConfig{Name: "webhook:1", URL: hook.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(nil)
	results := make(chan notify.Result, 10)
	d, err := notify.NewDispatcher(st, []notify.Channel{smtpCh, hookCh}, notify.DispatcherOptions{
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
		Observe: func(r notify.Result) { m.ObserveAlert(r); results <- r },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	m.SessionUp(true)
	hs := httptest.NewServer((&Server{Metrics: m, Checker: &Checker{Session: m.Session, Alerts: d}, Logger: slog.New(slog.DiscardHandler)}).Handler())
	defer hs.Close()

	if _, err := d.Enqueue(notify.Alert{Key: "k1", FromAddr: "ana@example.org"}, notify.GroupPrimary); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case <-results:
		case <-time.After(5 * time.Second):
			t.Fatal("no delivery attempt")
		}
	}
	if got := len(ms.Messages()); got != 1 {
		t.Errorf("SMTP delivered %d alerts, want 1 while the webhook refuses", got)
	}
	code, body := get(t, hs.URL+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"broken":[{"name":"webhook:1"`) || !strings.Contains(body, "401 Unauthorized") ||
		!strings.Contains(body, "alert channel webhook:1 refuses alerts") {
		t.Errorf("/healthz = %d %s", code, body)
	}
	t.Logf("/healthz with a 401 webhook: %d %s", code, strings.TrimSpace(body))
	_, metrics := get(t, hs.URL+"/metrics")
	for _, want := range []string{
		`boundaryd_alerts_total{channel="webhook:1",result="refused"} 1`,
		`boundaryd_alerts_total{channel="smtp:0",result="delivered"} 1`,
		`boundaryd_alert_channel_broken{channel="webhook:1"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	status.Store(http.StatusOK)
	d.Enqueue(notify.Alert{Key: "k2", FromAddr: "ana@example.org"}, notify.GroupPrimary)
	for i := 0; i < 2; i++ {
		select {
		case <-results:
		case <-time.After(5 * time.Second):
			t.Fatal("no delivery attempt")
		}
	}
	if code, body := get(t, hs.URL+"/healthz"); code != http.StatusOK || strings.Contains(body, "broken") {
		t.Errorf("after the webhook accepted again: /healthz = %d %s", code, body)
	}
	if _, metrics := get(t, hs.URL+"/metrics"); !strings.Contains(metrics, `boundaryd_alert_channel_broken{channel="webhook:1"} 0`) {
		t.Error("broken gauge not cleared")
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
