package daemon

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/schedule"
)

// startEnvWith is startEnv with a change to the configuration before start.
func startEnvWith(t *testing.T, srv deliverer, o envOpts, change func(*config.Config)) *env {
	t.Helper()
	e := &env{t: t, srv: srv, handled: make(chan Handled, 10000), windows: make(chan WindowResult, 100), clock: o.clock}
	e.smtp, e.hook = startSinks(t)
	e.cfg = testConfig(t, srv, e.smtp, e.hook, o)
	if change != nil {
		change(e.cfg)
	}
	e.start()
	return e
}

// TestForgedDigestDoesNotSuppressDigest (issue 13 item 1): a message in the
// inbox carrying the window's old, guessable digest Message-ID, forged from
// the therapist's own address, must not make the daemon skip the digest;
// with delivery: digest the held mail must still be announced. The daemon's
// own digest, once appended, is recognised by what the state recorded.
func TestForgedDigestDoesNotSuppressDigest(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			clk := clock.NewFake(time.Date(2026, 12, 1, 17, 0, 0, 0, paris))
			e := startEnvWith(t, srv, envOpts{clock: clk}, func(c *config.Config) { c.ReadingWindows.Delivery = config.DeliveryDigest })
			e.waitReady()
			held := newMail("Ana <ana@patients.example>", "week note", benignBody)
			srv.deliver("INBOX", held)
			if h := e.waitMessage(held); h.Verdict != "hold" {
				t.Fatalf("patient message: %+v", h)
			}
			window := time.Date(2026, 12, 1, 18, 0, 0, 0, paris)
			id := schedule.WindowID(window, paris)
			// What a patient can read in the acknowledgement: the window. The
			// old Message-ID was derived from it alone.
			guessed := "<digest." + id + "@boundaryd>"
			forged := []byte(fmt.Sprintf("From: Dr Test <therapist@example.org>\r\nTo: therapist@example.org\r\nSubject: nothing new\r\nMessage-ID: %s\r\nX-Boundary-Kind: digest\r\nDate: Tue, 01 Dec 2026 17:30:00 +0100\r\n\r\nnothing held\r\n", guessed))
			srv.deliver("INBOX", forged)
			e.waitMessage(forged)

			w, err := e.d.DeliverWindow(context.Background(), window, id)
			if err != nil {
				t.Fatal(err)
			}
			var real []testimap.Message
			for _, m := range digests(srv.Messages("INBOX")) {
				if !bytes.Equal(m.Raw, forged) {
					real = append(real, m)
				}
			}
			t.Logf("window %s: %d held listed, digest appended %v; digests appended by the daemon: %d", w.ID, w.Messages, w.Digest, len(real))
			if !w.Digest || len(real) != 1 {
				t.Fatalf("held mail not announced: %d real digests in the inbox", len(real))
			}
			if bytes.Contains(real[0].Raw, []byte(guessed)) {
				t.Errorf("the digest's Message-ID is still the guessable %s", guessed)
			}
			// The daemon's own digest is passed by the inbox pass.
			deadline := time.After(waitLimit)
		wait:
			for {
				select {
				case h := <-e.handled:
					if h.UID == real[0].UID || h.Own {
						if h.Verdict != "pass" || !h.Own {
							t.Errorf("own digest handled as %+v", h)
						}
						break wait
					}
				case <-deadline:
					t.Fatalf("the digest was not handled by the inbox pass within %s", waitLimit)
				}
			}
			// A second delivery of the same window appends nothing.
			if w2, err := e.d.DeliverWindow(context.Background(), window, id); err != nil || w2.Digest {
				t.Errorf("second delivery: %+v, %v", w2, err)
			}
			if n := len(digests(srv.Messages("INBOX"))); n != 2 {
				t.Errorf("%d digest-like messages in the inbox, want the forged one and one digest", n)
			}
		})
	}
}

// TestForgedOwnAddressIsExamined (issue 13 item 2): From the therapist's
// address plus an X-Boundary-Kind header used to make any message pass,
// rules matched or not. An emergency written that way is escalated.
func TestForgedOwnAddressIsExamined(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			e := startEnv(t, srv, envOpts{})
			e.waitReady()
			forged := []byte(fmt.Sprintf("From: Dr Test <therapist@example.org>\r\nTo: therapist@example.org\r\nSubject: help\r\nMessage-ID: <forged-%d@attacker.example>\r\nX-Boundary-Kind: digest\r\nDate: Tue, 01 Dec 2026 17:30:00 +0100\r\n\r\n%s\r\n", time.Now().UnixNano(), emergencyBody))
			srv.deliver("INBOX", forged)
			h := e.waitMessage(forged)
			t.Logf("forged own message: verdict %s, action %s", h.Verdict, h.Action)
			if h.Verdict != "escalate" || h.Action != "escalated" {
				t.Fatalf("forged own-address emergency: %+v, want escalated", h)
			}
			select {
			case <-e.hook.C:
			case <-time.After(waitLimit):
				t.Fatalf("no webhook alert for the forged own-address emergency")
			}
		})
	}
}
