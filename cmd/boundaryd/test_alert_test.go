package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
)

// webhookRecorder is an httptest server that keeps every body it was posted.
type webhookRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	titles []string
}

func startWebhook(t *testing.T, status int) *webhookRecorder {
	w := &webhookRecorder{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.bodies = append(w.bodies, string(b))
		w.titles = append(w.titles, r.Header.Get("Title"))
		w.mu.Unlock()
		rw.WriteHeader(status)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhookRecorder) got() ([]string, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.bodies...), append([]string(nil), w.titles...)
}

func testAlertConfig(t *testing.T, sink *smtpsink.Sink, alerts string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  security: insecure
  username: dr@example.org
  password: unused
smtp:
  host: 127.0.0.1
  port: %d
  security: insecure
  from: "Cabinet <dr@example.org>"
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
emergency:
  alerts:
%sstate_dir: %s
`, sink.Port(), alerts, filepath.Join(dir, "state"))
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// One test page reaches the SMTP sink and both webhooks (json and ntfy),
// marked as a test, and each channel's answer is printed.
func TestTestAlertReachesEveryChannel(t *testing.T) {
	sink := smtpsink.Start(t)
	js := startWebhook(t, http.StatusOK)
	ntfy := startWebhook(t, http.StatusOK)
	path := testAlertConfig(t, sink, fmt.Sprintf(`    - type: smtp
      to: ["+33600000000@sms.example.net"]
    - type: webhook
      url: %s/hook
    - type: webhook
      url: %s/topic
      format: ntfy
`, js.URL, ntfy.URL))
	code, out, errOut := cli(t, "", "test-alert", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"smtp:0 (mail to +33600000000@sms.example.net): accepted",
		"webhook:1 (webhook to " + strings.TrimPrefix(js.URL, "http://") + "): accepted",
		"webhook:2 (webhook to " + strings.TrimPrefix(ntfy.URL, "http://") + "): accepted",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "+33600000000@sms.example.net" {
		t.Fatalf("sink got %d messages: %+v", len(msgs), msgs)
	}
	if data := string(msgs[0].Data); !strings.Contains(data, "TEST from boundaryd") || !strings.Contains(data, "X-Boundary-Kind: alert") {
		t.Errorf("the mail is not marked as a test:\n%s", data)
	}
	bodies, _ := js.got()
	if len(bodies) != 1 {
		t.Fatalf("json webhook got %d posts", len(bodies))
	}
	var doc struct {
		Kind  string   `json:"kind"`
		Rules []string `json:"rules"`
		From  string   `json:"from"`
		Text  string   `json:"text"`
	}
	if err := json.Unmarshal([]byte(bodies[0]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != "test" || len(doc.Rules) != 1 || doc.Rules[0] != "test-alert" || !strings.Contains(doc.Text, "TEST from boundaryd") {
		t.Errorf("json body not marked as a test: %s", bodies[0])
	}
	_, titles := ntfy.got()
	if len(titles) != 1 || !strings.HasPrefix(titles[0], "TEST") {
		t.Errorf("ntfy title: %q", titles)
	}
}

// A refusing channel makes the exit 1 and its error is printed; the others
// are still tried and reported.
func TestTestAlertRefusingChannel(t *testing.T) {
	sink := smtpsink.Start(t)
	sink.Fail(-1, smtpsink.Fault{Code: 550, Stage: smtpsink.AtRcpt})
	bad := startWebhook(t, http.StatusForbidden)
	good := startWebhook(t, http.StatusOK)
	path := testAlertConfig(t, sink, fmt.Sprintf(`    - type: smtp
      to: ["+33600000000@sms.example.net"]
    - type: webhook
      url: %s/hook
    - type: webhook
      url: %s/hook
`, bad.URL, good.URL))
	code, out, errOut := cli(t, "", "test-alert", "--config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"smtp:0 (mail to +33600000000@sms.example.net): FAILED: ", "550", "webhook:1 (", "): FAILED: webhook webhook:1: HTTP 403 Forbidden", "webhook:2 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "webhook:2 (webhook to "+strings.TrimPrefix(good.URL, "http://")+"): accepted") {
		t.Errorf("the good channel is not reported accepted:\n%s", out)
	}
	if b, _ := good.got(); len(b) != 1 {
		t.Errorf("the good webhook got %d posts", len(b))
	}
}

func TestTestAlertNoChannel(t *testing.T) {
	sink := smtpsink.Start(t)
	path := testAlertConfig(t, sink, "    []\n")
	if code, out, errOut := cli(t, "", "test-alert", "--config", path); code != 1 || !strings.Contains(errOut, "no alert channel") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// With the package's layout, test-alert reads the passwords from
// secrets.env beside the configuration (no "set -a; ."), as written by init.
func TestTestAlertSecretsBeside(t *testing.T) {
	sink := smtpsink.StartWith(t, smtpsink.Options{Username: "dr@example.org", Password: `it's "x" \ $y`})
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  security: insecure
  username: dr@example.org
  password_env: BD_TEST_NEVER_SET_IMAP
smtp:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: dr@example.org
  password_env: BD_TEST_NEVER_SET_SMTP
  from: dr@example.org
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
emergency:
  alerts:
    - type: smtp
      to: ["+33600000000@sms.example.net"]
state_dir: %s
`, sink.Port(), filepath.Join(dir, "state"))
	if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli(t, "", "test-alert", "--config", p); code != 1 || !strings.Contains(errOut, "BD_TEST_NEVER_SET_IMAP is not set") {
		t.Fatalf("without a secrets file: exit %d\n%s\n%s", code, out, errOut)
	}
	pw := envQuote(`it's "x" \ $y`)
	sec := "# comment\nBD_TEST_NEVER_SET_IMAP=" + pw + "\nBD_TEST_NEVER_SET_SMTP=" + pw + "\n"
	if err := os.WriteFile(filepath.Join(dir, "secrets.env"), []byte(sec), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli(t, "", "test-alert", "--config", p); code != 0 || !strings.Contains(out, "accepted") {
		t.Fatalf("with secrets.env: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("sink got %d", n)
	}
}
