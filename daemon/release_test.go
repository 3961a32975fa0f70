package daemon

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/store"
)

// alertBudget is what the daemon promises between an emergency's delivery
// and its alert, whatever else it is doing.
const alertBudget = 2 * time.Second

// releasePause bounds how long the test keeps a release stopped half-way
// while it waits for the page's alert. It stands for a slow server: a real
// 200-message release over the internet, a fresh TLS login included, takes
// longer than the alert budget. It makes the test independent of how fast
// this machine moves 500 messages.
const releasePause = 3 * alertBudget

// TestEmergencyDuringRelease: a reading window releases 500 held messages;
// half-way through the release a page arrives in the inbox. Its alert must
// reach the SMTP relay within alertBudget of the delivery, while the release
// is still stopped half-way; then the release completes and every message
// ends in exactly one place: the 500 back in the inbox, none re-held.
func TestEmergencyDuringRelease(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			if _, ok := srv.(doveServer); ok {
				srv.CreateMailbox("Held") // the memory server starts with it
			}
			const n = 500
			held := make([][]byte, n)
			for i := range held {
				held[i] = newMail(fmt.Sprintf("P%d <p%d@patients.example>", i, i), fmt.Sprintf("release %03d", i), benignBody)
			}
			preload(t, srv, "Held", held)

			// Tuesday 1 December 2026, 17:00 in Paris; the window is at 18:00.
			clk := clock.NewFake(time.Date(2026, 12, 1, 17, 0, 0, 0, paris))
			e := startEnv(t, srv, envOpts{clock: clk})
			e.waitReady()

			page := newMail("Zoe Page <zoe.page@patients.example>", "tonight", emergencyBody)
			type measured struct {
				latency  time.Duration
				alerted  bool
				released int // messages released when the page was delivered
				err      error
			}
			result := make(chan measured, 1)
			fired := false
			// Called by the window delivery after each released chunk, on its
			// goroutine; the test reads what it measured from result.
			e.d.releaseHook = func(done, total int) {
				if fired || done < total/2 {
					return
				}
				fired = true
				m := measured{released: done}
				if err := tryDeliver(srv, "INBOX", page); err != nil {
					m.err = err
					result <- m
					return
				}
				delivered := time.Now()
				deadline := time.After(releasePause)
				for !m.alerted {
					select {
					case a := <-e.smtp.C:
						if strings.Contains(string(a.Data), "zoe.page@patients.example") {
							m.latency, m.alerted = time.Since(delivered), true
						}
					case <-deadline:
						m.latency = time.Since(delivered)
						result <- m
						return
					}
				}
				result <- m
			}
			clk.Set(time.Date(2026, 12, 1, 18, 0, 30, 0, paris))
			w := e.waitWindow()
			var m measured
			select {
			case m = <-result:
			default:
				t.Fatalf("the release never reached its middle: window %s released %d", w.ID, w.Released)
			}
			if m.err != nil {
				t.Fatalf("delivering the page: %v", m.err)
			}
			// A message after the window is held; by the time it is handled,
			// the inbox pass has seen every released message again.
			late := newMail("Late <late@patients.example>", "after the window", benignBody)
			srv.deliver("INBOX", late)
			if h := e.waitMessage(late); h.Verdict != "hold" {
				t.Errorf("late message: %+v", h)
			}
			e.stop() // the server's state is read once the daemon has stopped moving things

			inbox, hold := srv.Messages("INBOX"), srv.Messages("Held")
			var inInbox, inHeld, missing, duplicated int
			for _, raw := range held {
				ni, nh := count(inbox, raw), count(hold, raw)
				inInbox += ni
				inHeld += nh
				switch {
				case ni+nh == 0:
					missing++
				case ni+nh > 1:
					duplicated++
				}
			}
			pageInbox, pageHeld := count(inbox, page), count(hold, page)
			t.Logf("%s: page delivered after %d of %d released; alert after %s (budget %s); window: %d listed, %d released, digest %v",
				name, m.released, n, m.latency.Round(time.Millisecond), alertBudget, w.Messages, w.Released, w.Digest)
			t.Logf("%s: held=%d released-to-inbox=%d missing=%d duplicated=%d; page inbox=%d held=%d; late held=%d",
				name, inHeld, inInbox, missing, duplicated, pageInbox, pageHeld, count(hold, late))
			if !m.alerted || m.latency > alertBudget {
				t.Errorf("the page was alerted after %s (alerted: %v), want within %s of its delivery, during the release",
					m.latency.Round(time.Millisecond), m.alerted, alertBudget)
			}
			if w.Released != n || inInbox != n || inHeld != 0 || missing != 0 || duplicated != 0 {
				t.Errorf("after the release: %d released, %d in the inbox, %d held, %d missing, %d duplicated; want all %d in the inbox once",
					w.Released, inInbox, inHeld, missing, duplicated, n)
			}
			if m, ok := find(inbox, page); ok && !m.HasFlag(`\Flagged`) {
				t.Errorf("the page is in the inbox but not flagged: %v", m.Flags)
			}
			if pageInbox != 1 || pageHeld != 0 {
				t.Errorf("the page is %d times in the inbox and %d times held, want once in the inbox", pageInbox, pageHeld)
			}
			if len(hold) != 1 || count(hold, late) != 1 {
				t.Errorf("hold folder has %d messages, want only the late one", len(hold))
			}
		})
	}
}

// TestConfirmKeepsARelease: the inbox pass moved a message to the hold
// folder, a window listed and released it from there before the pass
// confirmed the hold; the confirmation must not erase the release, or the
// record would no longer say that the message must never be held again.
func TestConfirmKeepsARelease(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 1, 18, 0, 0, 0, paris)
	hold := store.Record{ID: "m#1", Mailbox: "INBOX", UID: 7, Action: store.ActionHeld, At: at}
	released := hold
	released.Released, released.ReleasedAt = true, at.Add(time.Second)
	if err := st.MarkHandled(released); err != nil { // what markReleased wrote
		t.Fatal(err)
	}
	if err := st.Update(func(tx *store.Tx) error { return confirm(tx, hold) }); err != nil {
		t.Fatal(err)
	}
	got, _, err := st.Handled("m#1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Released || !got.ReleasedAt.Equal(released.ReleasedAt) || got.InFlight || !got.NeverHold() {
		t.Errorf("after the confirmation: %+v, want the release kept", got)
	}
	// Without a release, the confirmation is the record.
	if err := st.Update(func(tx *store.Tx) error {
		return confirm(tx, store.Record{ID: "m#2", Action: store.ActionHeld, At: at})
	}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := st.Handled("m#2"); got.Released || got.Action != store.ActionHeld {
		t.Errorf("plain confirmation: %+v", got)
	}
}

// count says how many times raw is in msgs, byte for byte and not \Deleted.
func count(msgs []testimap.Message, raw []byte) int {
	c := 0
	for _, m := range msgs {
		if bytes.Equal(m.Raw, raw) && !m.HasFlag(`\Deleted`) {
			c++
		}
	}
	return c
}

// tryDeliver delivers off the test goroutine.
func tryDeliver(srv deliverer, mailbox string, raw []byte) error {
	if d, ok := srv.(doveServer); ok {
		return d.TryDeliver(mailbox, raw)
	}
	srv.deliver(mailbox, raw)
	return nil
}

// preload puts many messages in a mailbox quickly: one APPEND each on one
// connection (doveadm save costs a process per message).
func preload(t *testing.T, srv deliverer, mailbox string, raws [][]byte) {
	t.Helper()
	if _, ok := srv.(memServer); ok {
		for _, raw := range raws {
			srv.deliver(mailbox, raw)
		}
		return
	}
	c, err := imapclient.DialInsecure(fmt.Sprintf("%s:%d", srv.Host(), srv.Port()), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(srv.User(), srv.Password()).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestReleaseBatchTakenOutByHand: while a window releases 150 held
// messages, the therapist moves the next 50 out of the hold folder by hand.
// That batch is skipped with a warning; the rest is released and the window
// is delivered at once, not failed and retried.
func TestReleaseBatchTakenOutByHand(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held", "Elsewhere"}})}
	const n = 150
	var raws [][]byte
	for i := range n {
		raw := newMail(fmt.Sprintf("P%d <p%d@patients.example>", i, i), fmt.Sprintf("by hand %03d", i), benignBody)
		raws = append(raws, raw)
		srv.deliver("Held", raw)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 17, 0, 0, 0, paris))
	e := startEnv(t, srv, envOpts{clock: clk})
	e.waitReady()
	moved := make(chan error, 1)
	e.d.releaseHook = func(done, total int) {
		if done != 50 {
			return
		}
		moved <- moveFirst(srv, "Held", "Elsewhere", 50)
	}
	clk.Set(time.Date(2026, 12, 1, 18, 0, 30, 0, paris))
	w := e.waitWindow()
	select {
	case err := <-moved:
		if err != nil {
			t.Fatalf("moving by hand: %v", err)
		}
	default:
		t.Fatal("the release never reached its second batch")
	}
	e.stop()
	inbox, held, elsewhere := srv.Messages("INBOX"), srv.Messages("Held"), srv.Messages("Elsewhere")
	t.Logf("window: %d listed, %d released; inbox %d, held %d, elsewhere %d", w.Messages, w.Released, len(inbox), len(held), len(elsewhere))
	if w.Messages != n || w.Released != n-50 || len(held) != 0 || len(elsewhere) != 50 {
		t.Errorf("window %d listed, %d released (want %d); %d still held, %d elsewhere (want 0, 50)", w.Messages, w.Released, n-50, len(held), len(elsewhere))
	}
	for i, raw := range raws {
		if count(inbox, raw)+count(elsewhere, raw) != 1 {
			t.Errorf("message %d is not in exactly one place", i)
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, "delivery failed") || !strings.Contains(logs, "left the hold folder before their release") {
		t.Errorf("want the emptied batch skipped with a warning and no failed delivery\n%s", tail(logs, 3000))
	}
}

// moveFirst moves the n lowest UIDs of mailbox from to mailbox to, as a
// mail client would.
func moveFirst(srv server, from, to string, n int) error {
	c, err := imapclient.DialInsecure(fmt.Sprintf("%s:%d", srv.Host(), srv.Port()), nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(srv.User(), srv.Password()).Wait(); err != nil {
		return err
	}
	if _, err := c.Select(from, nil).Wait(); err != nil {
		return err
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return err
	}
	uids := data.AllUIDs()
	if len(uids) < n {
		return fmt.Errorf("only %d messages in %s", len(uids), from)
	}
	if _, err := c.Move(imap.UIDSetNum(uids[:n]...), to).Wait(); err != nil {
		return err
	}
	return c.Logout().Wait()
}
