package daemon

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// TestHealthUnhealthyWhileHoldsFail: /healthz says why when the hold folder
// cannot be created, or when the server refuses every move into it; the
// mail stays in the inbox, unseen.
func TestHealthUnhealthyWhileHoldsFail(t *testing.T) {
	for _, c := range []struct {
		name, reason string
		opts         testimap.MemOptions
	}{
		{"folder cannot be created", "cannot create the hold folder", testimap.MemOptions{RefuseCopyTo: []string{"Held"}}},
		{"every move refused", "refuses to move mail into the hold folder",
			testimap.MemOptions{Mailboxes: []string{"Held"}, RefuseCopyTo: []string{"Held"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := memServer{testimap.StartMem(t, c.opts)}
			m := health.NewMetrics(nil)
			e := &env{t: t, srv: srv, handled: make(chan Handled, 100), windows: make(chan WindowResult, 10), metrics: m}
			e.smtp, e.hook = startSinks(t)
			e.cfg = testConfig(t, srv, e.smtp, e.hook, envOpts{})
			e.start()
			e.waitReady()
			hs := httptest.NewServer((&health.Server{Metrics: m, Checker: &health.Checker{Session: m.Session, Hold: m.Hold}}).Handler())
			defer hs.Close()

			raw := newMail("Ana <ana@patients.example>", "hello", benignBody)
			srv.deliver("INBOX", raw)
			e.waitMessage(raw)
			resp, err := hs.Client().Get(hs.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var rep health.Report
			if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 503 || rep.Hold == nil || !strings.Contains(strings.Join(rep.Reasons, "\n"), c.reason) {
				t.Fatalf("/healthz = %d %+v, want 503 saying %q", resp.StatusCode, rep, c.reason)
			}
			t.Logf("/healthz 503: %s", strings.Join(rep.Reasons, "; "))
			inbox := srv.Messages("INBOX")
			if got, ok := find(inbox, raw); !ok || got.HasFlag(`\Seen`) {
				t.Errorf("the message is not in the inbox unseen: %+v", inbox)
			}
		})
	}
}
