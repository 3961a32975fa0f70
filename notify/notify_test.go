package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testnet"
	"github.com/boundaryd/boundaryd/store"
)

func sampleAlert(key string) Alert {
	return Alert{
		Key: key, MessageID: "<m1@example.org>", FromName: "Ana Dupont", FromAddr: "ana@example.org",
		Received: time.Date(2025, 6, 3, 19, 3, 0, 0, time.UTC), Rules: []string{"suicide-intent", "crisis-words"},
		Categories: []string{"suicide"}, Mailbox: "INBOX", Lang: "en",
	}
}

func newSMTPChannel(t *testing.T, name string, cfg SMTPConfig) *SMTP {
	t.Helper()
	ch, err := NewSMTP(SMTPChannelConfig{Name: name, Server: cfg, From: "Cabinet Agostini <dr@example.org>", To: []string{"+33600000000@sms.example.net"}, Location: paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func newWebhookChannel(t *testing.T, name, url string, format Format) *Webhook {
	t.Helper()
	ch, err := NewWebhook(WebhookConfig{Name: name, URL: url, Format: format, Timeout: 5 * time.Second, Location: paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func paris(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// mailBody parses the received message and returns its header and decoded text.
func mailBody(t *testing.T, raw string) (mail.Header, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("alert is not a valid message: %v", err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header, string(b)
}

func TestDeliveryToBothChannels(t *testing.T) {
	ms := smtpsink.Start(t)
	hk := newHookSink(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	opts, results := observed(fastOpts(quietLogger()))
	d, err := NewDispatcher(st, []Channel{newSMTPChannel(t, "smtp:0", relayConfig(ms)), newWebhookChannel(t, "webhook:1", hk.srv.URL, "")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)

	start := time.Now()
	if n, err := d.Enqueue(sampleAlert("k1"), GroupPrimary); err != nil || n != 2 {
		t.Fatalf("Enqueue = %d, %v; want 2 entries", n, err)
	}
	m := recv(t, ms.C, "mail")
	smtpLatency := time.Since(start)
	r := recv(t, hk.reqs, "webhook request")
	latency := time.Since(start)
	t.Logf("enqueue -> smtp accepted %v, both accepted %v", smtpLatency, latency)
	if latency > time.Second {
		t.Errorf("alerts took %v, want < 1s", latency)
	}

	if m.From != "dr@example.org" || len(m.To) != 1 || m.To[0] != "+33600000000@sms.example.net" {
		t.Errorf("envelope from=%q to=%v", m.From, m.To)
	}
	h, body := mailBody(t, string(m.Data))
	for k, want := range map[string]string{"X-Boundary-Kind": "alert", "Auto-Submitted": "auto-generated", "Subject": "EMERGENCY: message from Ana Dupont <ana@example.org>"} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if h.Get("Message-Id") == "" || h.Get("Date") == "" {
		t.Errorf("missing Message-ID or Date: %v", h)
	}
	if !strings.Contains(h.Get("Content-Type"), "utf-8") {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	for _, want := range []string{"Ana Dupont <ana@example.org>", "Tuesday 3 June 2025 at 21:03 (Europe/Paris)", "suicide-intent, crisis-words", "in your inbox (INBOX), flagged"} {
		if !strings.Contains(body, want) {
			t.Errorf("mail body lacks %q:\n%s", want, body)
		}
	}

	j := decodeJSON(t, r.body)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("webhook Content-Type %q", ct)
	}
	for k, want := range map[string]string{"kind": "emergency", "message_id": "<m1@example.org>", "from": "ana@example.org", "from_name": "Ana Dupont", "received": "2025-06-03T19:03:00Z", "mailbox": "INBOX"} {
		if got, _ := j[k].(string); got != want {
			t.Errorf("webhook %s = %q, want %q", k, got, want)
		}
	}
	if rules, _ := j["rules"].([]any); len(rules) != 2 || rules[0] != "suicide-intent" {
		t.Errorf("webhook rules = %v", j["rules"])
	}
	if text, _ := j["text"].(string); !strings.Contains(text, "flagged") {
		t.Errorf("webhook text = %q", text)
	}
	if _, ok := j["excerpt"]; ok {
		t.Error("webhook carries an excerpt although none was set")
	}

	for i := 0; i < 2; i++ {
		if r := recv(t, results, "delivery attempt"); r.Err != nil {
			t.Errorf("attempt on %s failed: %v", r.Channel, r.Err)
		}
	}
	if _, depth := d.Health(); depth != 0 {
		t.Errorf("outbox depth %d after delivery", depth)
	}
}

func TestNtfyFormat(t *testing.T) {
	hk := newHookSink(t)
	w, err := NewWebhook(WebhookConfig{Name: "ntfy", URL: hk.srv.URL, Format: FormatNtfy, Location: paris(t),
		Headers: map[string]string{"X-Static": "1"},
		SecretHeaders: map[string]func(context.Context) (string, error){
			"Authorization": func(context.Context) (string, error) { return "Bearer tk_secret", nil },
		}})
	if err != nil {
		t.Fatal(err)
	}
	a := sampleAlert("k")
	a.FromName = "Zoé Léger"
	a.Lang = "fr"
	if err := w.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	r := recv(t, hk.reqs, "webhook request")
	want := map[string]string{"Priority": "urgent", "Tags": "rotating_light", "Authorization": "Bearer tk_secret", "X-Static": "1"}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	title, err := new(mime.WordDecoder).DecodeHeader(r.header.Get("Title"))
	if err != nil || title != "URGENCE : message de Zoé Léger <ana@example.org>" {
		t.Errorf("Title = %q (%v)", title, err)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	for _, s := range []string{"Zoé Léger <ana@example.org>", "mardi 3 juin 2025 à 21h03 (Europe/Paris)", "boîte de réception (INBOX)"} {
		if !strings.Contains(r.body, s) {
			t.Errorf("ntfy body lacks %q:\n%s", s, r.body)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(r.body), "{") {
		t.Error("ntfy body is JSON, want plain text")
	}
}

func TestSMTPRefusesThenAccepts(t *testing.T) {
	ms := smtpsink.Start(t)
	ms.Refuse(true)
	st := openStore(t, t.TempDir())
	defer st.Close()
	opts, results := observed(fastOpts(quietLogger()))
	d, err := NewDispatcher(st, []Channel{newSMTPChannel(t, "smtp:0", relayConfig(ms))}, opts)
	if err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)
	if _, err := d.Enqueue(sampleAlert("k1"), GroupPrimary); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := ms.WaitRefusals(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if since, depth := d.Health(); since.IsZero() || depth != 1 {
		t.Errorf("while refusing: Health = %v, %d; want failing, depth 1", since, depth)
	}
	ms.Refuse(false)
	m := recv(t, ms.C, "mail")
	if !strings.Contains(string(m.Data), "X-Boundary-Kind: alert") {
		t.Errorf("delivered message lacks the alert header")
	}
	for r := recv(t, results, "delivery attempt"); r.Err != nil; r = recv(t, results, "delivery attempt") {
	}
	if since, depth := d.Health(); !since.IsZero() || depth != 0 {
		t.Errorf("after recovery Health = %v, %d; want healthy, empty", since, depth)
	}
	expectNone(t, ms.C, "second delivery")
}

func TestRestartDeliversPendingNeverResendsDelivered(t *testing.T) {
	dir := t.TempDir()
	ms := smtpsink.Start(t)
	ms.Refuse(true)
	hk := newHookSink(t)
	channels := func() []Channel {
		return []Channel{newSMTPChannel(t, "smtp:0", relayConfig(ms)), newWebhookChannel(t, "webhook:1", hk.srv.URL, "")}
	}
	opts, results := observed(fastOpts(quietLogger()))

	st := openStore(t, dir)
	_, err := st.AppendAudit(store.AuditEntry{Key: "k1", Sender: "ana@example.org", Verdict: "escalate", Rules: []string{"suicide-intent"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDispatcher(st, channels(), opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := runDispatcher(t, d)
	if _, err := d.Enqueue(sampleAlert("k1"), GroupPrimary); err != nil {
		t.Fatal(err)
	}
	recv(t, hk.reqs, "webhook request")
	// Both outcomes recorded (webhook acked, SMTP refusal rescheduled) before the stop.
	got := map[string]bool{}
	for i := 0; i < 2; i++ {
		r := recv(t, results, "delivery attempt")
		got[r.Channel] = r.Err == nil
	}
	if !got["webhook:1"] || got["smtp:0"] {
		t.Fatalf("first run outcomes %v, want webhook ok and smtp refused", got)
	}
	stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: the SMTP entry is pending with its attempt count persisted.
	ms.Refuse(false)
	st = openStore(t, dir)
	defer st.Close()
	pending, err := st.OutboxPending("")
	if err != nil || len(pending) != 1 || pending[0].Channel != "smtp:0" || pending[0].Attempts < 1 {
		t.Fatalf("pending after restart = %+v, %v", pending, err)
	}
	smtpAttempts := pending[0].Attempts
	d, err = NewDispatcher(st, channels(), fastOpts(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if since, _ := d.Health(); since.IsZero() {
		t.Error("failure state of the pending entry not taken over after restart")
	}
	runDispatcher(t, d)
	recv(t, ms.C, "mail")
	if n, err := d.Enqueue(sampleAlert("k1"), GroupPrimary); err != nil || n != 0 {
		t.Errorf("re-enqueue after restart added %d (%v), want 0", n, err)
	}
	expectNone(t, hk.reqs, "webhook resend")
	expectNone(t, ms.C, "smtp resend")

	es, err := st.Audit(time.Time{})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit = %+v, %v", es, err)
	}
	att := map[string]int{}
	for _, a := range es[0].Alerts {
		att[a.Channel] = a.Attempts
	}
	if att["webhook:1"] != 1 || att["smtp:0"] != smtpAttempts+1 {
		t.Errorf("audit alert deliveries = %+v, want webhook:1 after 1 attempt, smtp:0 after %d", es[0].Alerts, smtpAttempts+1)
	}
}

func TestDedupe(t *testing.T) {
	ms := smtpsink.Start(t)
	hk := newHookSink(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	d, err := NewDispatcher(st, []Channel{newSMTPChannel(t, "smtp:0", relayConfig(ms)), newWebhookChannel(t, "webhook:1", hk.srv.URL, "")}, fastOpts(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	// Twice before running, once more after delivery.
	n1, _ := d.Enqueue(sampleAlert("same"), GroupPrimary)
	n2, _ := d.Enqueue(sampleAlert("same"), GroupPrimary)
	if n1 != 2 || n2 != 0 {
		t.Errorf("enqueue counts %d, %d; want 2, 0", n1, n2)
	}
	runDispatcher(t, d)
	recv(t, ms.C, "mail")
	recv(t, hk.reqs, "webhook request")
	if n, _ := d.Enqueue(sampleAlert("same"), GroupPrimary); n != 0 {
		t.Errorf("enqueue after delivery added %d", n)
	}
	d.Kick()
	expectNone(t, ms.C, "duplicate mail")
	expectNone(t, hk.reqs, "duplicate webhook")
}

func TestExcerptOnlyWhenSet(t *testing.T) {
	const secret = "I cannot go on, the pills are ready"
	ms := smtpsink.Start(t)
	hk := newHookSink(t)
	smtpCh := newSMTPChannel(t, "smtp:0", relayConfig(ms))
	hookCh := newWebhookChannel(t, "webhook:1", hk.srv.URL, "")
	ntfyCh := newWebhookChannel(t, "webhook:2", hk.srv.URL, FormatNtfy)
	ctx := context.Background()

	a := sampleAlert("k") // include_excerpt: false → the daemon leaves Excerpt empty
	for _, ch := range []Channel{smtpCh, hookCh, ntfyCh} {
		if err := ch.Send(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	_, body := mailBody(t, string(recv(t, ms.C, "mail").Data))
	j := recv(t, hk.reqs, "webhook request")
	n := recv(t, hk.reqs, "webhook request")
	for name, s := range map[string]string{"smtp": body, "json": j.body, "ntfy": n.body} {
		if strings.Contains(s, "Excerpt") || strings.Contains(s, "excerpt") {
			t.Errorf("%s alert has an excerpt section without include_excerpt:\n%s", name, s)
		}
	}

	a.Excerpt = secret
	for _, ch := range []Channel{smtpCh, hookCh, ntfyCh} {
		if err := ch.Send(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	_, body = mailBody(t, string(recv(t, ms.C, "mail").Data))
	j = recv(t, hk.reqs, "webhook request")
	n = recv(t, hk.reqs, "webhook request")
	if !strings.Contains(body, secret) || !strings.Contains(n.body, secret) {
		t.Error("excerpt missing from mail or ntfy text when set")
	}
	if got, _ := decodeJSON(t, j.body)["excerpt"].(string); got != secret {
		t.Errorf("json excerpt = %q", got)
	}
}

func TestPlaintextRefusedForRemoteHosts(t *testing.T) {
	for _, host := range []string{"smtp.example.org", "192.0.2.10", "10.0.0.1"} {
		cfg := SMTPConfig{Host: host, Port: 25, Security: netpolicy.Insecure}
		if err := cfg.Validate(); err == nil {
			t.Errorf("insecure SMTP to %s accepted by Validate", host)
		}
		if _, err := NewSMTP(SMTPChannelConfig{Name: "s", Server: cfg, From: "a@b.c", To: []string{"d@e.f"}}); err == nil {
			t.Errorf("insecure SMTP channel to %s accepted", host)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := SendMail(ctx, cfg, "a@b.c", []string{"d@e.f"}, []byte("x"))
		cancel()
		if !errors.Is(err, netpolicy.ErrPlaintext) {
			t.Errorf("SendMail insecure to %s: %v, want ErrPlaintext", host, err)
		}
		if _, err := NewWebhook(WebhookConfig{Name: "w", URL: "http://" + host + "/topic"}); !errors.Is(err, netpolicy.ErrPlaintext) {
			t.Errorf("plain http webhook to %s: %v, want ErrPlaintext", host, err)
		}
	}
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if err := (SMTPConfig{Host: host, Security: netpolicy.Insecure}).Validate(); err != nil {
			t.Errorf("insecure to loopback %s refused: %v", host, err)
		}
	}
}

// x.localhost counted as loopback once, and was then resolved: a resolver
// answering 10.x received AUTH PLAIN in clear. Now a name other than
// "localhost" is refused for plaintext before any connection is made and
// before the password is even read: a real SMTP server offering AUTH PLAIN
// on 127.0.0.1 (where a resolver could point the name) sees nobody.
func TestPlaintextRefusedBeforeAnyDial(t *testing.T) {
	ms := smtpsink.StartWith(t, smtpsink.Options{Username: "dr", Password: "s3cret"})
	rec := testnet.StartRecorder(t, ms.Addr())
	port := rec.Port()
	for _, host := range []string{"x.localhost", "smtp.localhost", "localhost.", "127.0.0.1.nip.io", "10.0.0.1"} {
		var reads atomic.Int32
		cfg := SMTPConfig{Host: host, Port: port, Security: netpolicy.Insecure, Username: "dr", Timeout: 2 * time.Second,
			Password: func(context.Context) (string, error) { reads.Add(1); return "s3cret", nil }}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := Probe(ctx, cfg); !errors.Is(err, netpolicy.ErrPlaintext) {
			t.Errorf("Probe insecure to %s: %v, want ErrPlaintext", host, err)
		}
		if err := SendMail(ctx, cfg, "a@b.c", []string{"d@e.f"}, []byte("x")); !errors.Is(err, netpolicy.ErrPlaintext) {
			t.Errorf("SendMail insecure to %s: %v, want ErrPlaintext", host, err)
		}
		cancel()
		if n := reads.Load(); n != 0 {
			t.Errorf("%s: the password was read %d times", host, n)
		}
		url := fmt.Sprintf("http://%s:%d/topic", host, port)
		if _, err := NewWebhook(WebhookConfig{Name: "w", URL: url}); !errors.Is(err, netpolicy.ErrPlaintext) {
			t.Errorf("webhook %s: %v, want ErrPlaintext", url, err)
		}
	}
	if n := rec.Conns(); n != 0 {
		t.Fatalf("%d connections reached the SMTP server; it was sent:\n%s", n, rec.Sent())
	}
}

// "localhost" stays usable for plaintext: mail and webhooks reach servers
// on 127.0.0.1 through that name.
func TestPlaintextToLocalhost(t *testing.T) {
	ms := smtpsink.StartWith(t, smtpsink.Options{Username: "dr", Password: "s3cret"})
	cfg := relayConfig(ms)
	cfg.Host = "localhost"
	cfg.Username = "dr"
	cfg.Password = func(context.Context) (string, error) { return "s3cret", nil }
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := SendMail(ctx, cfg, "a@b.c", []string{"d@e.f"}, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatalf("SendMail to localhost: %v", err)
	}
	select {
	case <-ms.C:
	case <-ctx.Done():
		t.Fatal("the sink got no message")
	}
	hk := newHookSink(t)
	url := strings.Replace(hk.srv.URL, "127.0.0.1", "localhost", 1)
	w := newWebhookChannel(t, "webhook:0", url, FormatJSON)
	if err := w.Send(ctx, sampleAlert("k1")); err != nil {
		t.Fatalf("webhook to %s: %v", url, err)
	}
}

func TestSTARTTLSWithSelfSignedCertAndAuth(t *testing.T) {
	ms := smtpsink.StartWith(t, smtpsink.Options{Security: smtpsink.StartTLS, Username: "dr", Password: "s3cret"})
	var reads atomic.Int32
	cfg := SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: netpolicy.StartTLS, Username: "dr",
		Password: func(context.Context) (string, error) { reads.Add(1); return "s3cret", nil },
		TLS:      ms.ClientTLS(), Timeout: 5 * time.Second}
	ch := newSMTPChannel(t, "smtp:0", cfg)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := ch.Send(ctx, sampleAlert("k")); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		recv(t, ms.C, "mail")
	}
	if reads.Load() != 2 {
		t.Errorf("password read %d times for 2 sends, want 2", reads.Load())
	}

	// Without the test CA the certificate must be rejected: verification is on.
	cfg.TLS = nil
	if err := newSMTPChannel(t, "smtp:1", cfg).Send(ctx, sampleAlert("k")); err == nil {
		t.Error("STARTTLS with an untrusted certificate succeeded")
	}
	// Wrong password is an error, not a silent success.
	cfg.TLS = ms.ClientTLS()
	cfg.Password = func(context.Context) (string, error) { return "wrong", nil }
	if err := newSMTPChannel(t, "smtp:2", cfg).Send(ctx, sampleAlert("k")); err == nil {
		t.Error("wrong password accepted")
	}
}

// TestAuthLoginWhenPlainNotOffered: a relay that offers only AUTH LOGIN still
// gets the password (the client falls back from PLAIN).
func TestAuthLoginWhenPlainNotOffered(t *testing.T) {
	ms := smtpsink.StartWith(t, smtpsink.Options{Security: smtpsink.StartTLS, Username: "dr", Password: "s3cret", Mechanisms: []string{sasl.Login}})
	cfg := SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: netpolicy.StartTLS, Username: "dr",
		Password: func(context.Context) (string, error) { return "s3cret", nil }, TLS: ms.ClientTLS(), Timeout: 5 * time.Second}
	if err := newSMTPChannel(t, "smtp:0", cfg).Send(context.Background(), sampleAlert("k")); err != nil {
		t.Fatalf("send through a LOGIN-only relay: %v", err)
	}
	if m := recv(t, ms.C, "mail"); m.User != "dr" {
		t.Errorf("delivered without logging in as dr (User %q)", m.User)
	}
}

func TestImplicitTLS(t *testing.T) {
	ms := smtpsink.StartWith(t, smtpsink.Options{Security: smtpsink.ImplicitTLS})
	cfg := SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: netpolicy.TLS, TLS: ms.ClientTLS(), Timeout: 5 * time.Second}
	if err := SendMail(context.Background(), cfg, "", []string{"x@example.org"}, []byte("Subject: t\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, ms.C, "mail"); m.From != "" || !strings.Contains(string(m.Data), "hi") {
		t.Errorf("got %+v", m)
	}
}

func TestAllChannelsFailingLogsError(t *testing.T) {
	ms := smtpsink.Start(t)
	ms.Refuse(true)
	hk := newHookSink(t)
	hk.status.Store(503)
	st := openStore(t, t.TempDir())
	defer st.Close()
	logs := newLogCapture()
	opts := fastOpts(slog.New(logs))
	opts.AlarmAfter, opts.AlarmEvery = 100*time.Millisecond, 20*time.Millisecond
	d, err := NewDispatcher(st, []Channel{newSMTPChannel(t, "smtp:0", relayConfig(ms)), newWebhookChannel(t, "webhook:1", hk.srv.URL, "")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)
	a := sampleAlert("k")
	a.Excerpt = "the pills are ready"
	if _, err := d.Enqueue(a, GroupPrimary); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-logs.errors:
		if !strings.Contains(line, "every alert channel is failing") {
			t.Errorf("unexpected error log %q", line)
		}
	case <-time.After(waitFor):
		t.Fatal("no error-level log while every channel failed")
	}
	if since, depth := d.Health(); since.IsZero() || depth != 2 {
		t.Errorf("Health = %v, %d", since, depth)
	}
	for _, l := range logs.all() {
		for _, secret := range []string{"pills", "Ana Dupont", "ana@example.org"} {
			if strings.Contains(l, secret) {
				t.Errorf("log line carries alert content %q: %s", secret, l)
			}
		}
	}
}

func TestShutdownCancelsHungSend(t *testing.T) {
	// A server that accepts TCP and never greets.
	ms := smtpsink.Start(t)
	ms.Fail(-1, smtpsink.Fault{Stage: smtpsink.AtConnect, Hang: true})
	cfg := SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: netpolicy.Insecure, Timeout: time.Minute}
	st := openStore(t, t.TempDir())
	defer st.Close()
	started := make(chan struct{}, 1)
	opts := fastOpts(quietLogger())
	// The attempt in flight gets StopGrace to finish (see sendContext),
	// then it is cut.
	opts.StopGrace = 200 * time.Millisecond
	d, err := NewDispatcher(st, []Channel{observedChannel{newSMTPChannel(t, "smtp:0", cfg), started}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := runDispatcher(t, d)
	d.Enqueue(sampleAlert("k"), GroupPrimary)
	select {
	case <-started:
	case <-time.After(waitFor):
		t.Fatal("send never started")
	}
	t0 := time.Now()
	stop()
	if el := time.Since(t0); el > opts.StopGrace+time.Second {
		t.Errorf("stop took %v with a hung server", el)
	}
	if pending, _ := st.OutboxPending(""); len(pending) != 1 || pending[0].Attempts != 0 {
		t.Errorf("cancelled attempt must stay pending and uncounted: %+v", pending)
	}
}

type observedChannel struct {
	Channel
	started chan struct{}
}

func (o observedChannel) Send(ctx context.Context, a Alert) error {
	o.started <- struct{}{}
	return o.Channel.Send(ctx, a)
}

func TestAlertTextSanitisedAndLocalised(t *testing.T) {
	a := sampleAlert("k")
	a.FromName = "Evil\r\nBcc: victim@example.org"
	ch := newSMTPChannel(t, "smtp:0", SMTPConfig{Host: "127.0.0.1", Port: 25, Security: netpolicy.Insecure})
	raw, err := ch.Message(a)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := mailBody(t, string(raw))
	if h.Get("Bcc") != "" {
		t.Error("sender name injected a header")
	}
	if !strings.Contains(a.Text(nil), "Evil Bcc: victim@example.org <ana@example.org>") {
		t.Errorf("name not folded to one line:\n%s", a.Text(nil))
	}
	a.Lang = "fr"
	a.FromName = ""
	if got := a.Title(); got != "URGENCE : message de ana@example.org" {
		t.Errorf("fr title without name = %q", got)
	}
	if txt := a.Text(paris(t)); !strings.Contains(txt, "Reçu : mardi 3 juin 2025 à 21h03 (Europe/Paris)") {
		t.Errorf("fr text:\n%s", txt)
	}
}
