package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/digest"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/schedule"
	"github.com/boundaryd/boundaryd/store"
)

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

// digests returns the digests in a mailbox.
func digests(msgs []testimap.Message) []testimap.Message {
	var out []testimap.Message
	for _, m := range msgs {
		if bytes.Contains(m.Raw, []byte("X-Boundary-Kind: digest")) {
			out = append(out, m)
		}
	}
	return out
}

// digestText decodes a digest's text/plain part.
func digestText(t *testing.T, raw []byte) string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("digest is not valid MIME: %v", err)
	}
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("digest has no text part: %v", err)
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
		}
	}
}

func (e *env) waitWindow() WindowResult {
	e.t.Helper()
	select {
	case w := <-e.windows:
		return w
	case <-time.After(waitLimit):
		e.t.Fatalf("no reading window delivered within %s\n%s", waitLimit, e.logs.String())
	}
	return WindowResult{}
}

func (e *env) noMoreWindows(d time.Duration) {
	e.t.Helper()
	select {
	case w := <-e.windows:
		e.t.Errorf("a second window was delivered: %+v", w)
	case <-time.After(d):
	}
}

// TestWindowDigestAndRelease: mail held during the week is listed in a
// digest at the window and released back to the inbox, byte-identical, and
// never held again.
func TestWindowDigestAndRelease(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			// Tuesday 1 December 2026, 17:00 in Paris; the window is at 18:00.
			clk := clock.NewFake(time.Date(2026, 12, 1, 17, 0, 0, 0, paris))
			e := startEnv(t, srv, envOpts{clock: clk})
			e.waitReady()
			var raws [][]byte
			for i := range 5 {
				raw := newMail(fmt.Sprintf("P%d <p%d@patients.example>", i, i), fmt.Sprintf("week note %d", i), benignBody)
				raws = append(raws, raw)
				srv.deliver("INBOX", raw)
			}
			e.waitHandled(5)
			if n := len(srv.Messages("Held")); n != 5 {
				t.Fatalf("%d held before the window, want 5", n)
			}
			clk.Set(time.Date(2026, 12, 1, 18, 0, 30, 0, paris))
			w := e.waitWindow()
			if w.Messages != 5 || !w.Digest || w.Released != 5 {
				t.Errorf("window result %+v", w)
			}
			// A new message after the window is held; by the time it is
			// handled, the released ones have been seen again.
			late := newMail("Late <late@patients.example>", "after the window", benignBody)
			srv.deliver("INBOX", late)
			if h := e.waitMessage(late); h.Verdict != "hold" {
				t.Errorf("late message: %+v", h)
			}

			inbox := srv.Messages("INBOX")
			for i, raw := range raws {
				if _, ok := find(inbox, raw); !ok {
					t.Errorf("released message %d not back in the inbox byte-identical", i)
				}
			}
			held := srv.Messages("Held")
			if len(held) != 1 {
				t.Errorf("hold folder has %d messages after the window, want only the late one", len(held))
			}
			ds := digests(inbox)
			if len(ds) != 1 {
				t.Fatalf("%d digests in the inbox, want 1", len(ds))
			}
			text := digestText(t, ds[0].Raw)
			for i := range 5 {
				if c := strings.Count(text, fmt.Sprintf("week note %d", i)); c != 1 {
					t.Errorf("message %d listed %d times in the digest", i, c)
				}
			}
			if !bytes.Contains(ds[0].Raw, []byte("Auto-Submitted: auto-generated")) {
				t.Errorf("digest lacks Auto-Submitted")
			}
		})
	}
}

// TestMissedWindowsDeliveredOnce: three days down across two windows give
// exactly one delivery at start.
func TestMissedWindowsDeliveredOnce(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	for i := range 3 {
		srv.deliver("Held", newMail(fmt.Sprintf("P%d <p%d@patients.example>", i, i), fmt.Sprintf("held %d", i), benignBody))
	}
	stateDir := t.TempDir()
	st, err := store.Open(stateDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Last delivered: Monday 23 November noon. Now: Saturday 5 December
	// noon: the Tuesday 18:00 windows of 24 November and 1 December were
	// both missed while the daemon was down.
	if err := st.SetWindowState(store.WindowRecord{LastDelivered: time.Date(2026, 11, 23, 12, 0, 0, 0, paris)}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	clk := clock.NewFake(time.Date(2026, 12, 5, 12, 0, 0, 0, paris))
	e := startEnv(t, srv, envOpts{clock: clk, stateDir: stateDir})
	w := e.waitWindow()
	if w.Messages != 3 || !w.Digest {
		t.Errorf("window %+v", w)
	}
	if !strings.Contains(w.ID, "2026-12-01") {
		t.Errorf("delivered window %q is not one of the missed ones", w.ID)
	}
	e.noMoreWindows(500 * time.Millisecond)
	if n := len(digests(srv.Messages("INBOX"))); n != 1 {
		t.Errorf("%d digests, want exactly 1", n)
	}
}

// TestDigestNowTwice: two `digest --now` in a row give one digest; the second
// finds nothing held.
func TestDigestNowTwice(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	e := startEnv(t, srv, envOpts{})
	e.waitReady()
	for i := range 4 {
		srv.deliver("INBOX", newMail(fmt.Sprintf("P%d <p%d@patients.example>", i, i), fmt.Sprintf("now %d", i), benignBody))
	}
	e.waitHandled(4)
	ctx := context.Background()
	first := e.d.Control(ctx, ControlRequest{Cmd: "digest-now"})
	second := e.d.Control(ctx, ControlRequest{Cmd: "digest-now"})
	if !first.OK || first.Window.Messages != 4 || !first.Window.Digest || first.Window.Released != 4 {
		t.Errorf("first: %+v %+v", first, first.Window)
	}
	if !second.OK || second.Window.Messages != 0 || second.Window.Digest {
		t.Errorf("second: %+v %+v", second, second.Window)
	}
	if n := len(digests(srv.Messages("INBOX"))); n != 1 {
		t.Errorf("%d digests, want 1", n)
	}
	// Through the control socket too, as `boundaryd digest --now` does.
	resp, err := AskDaemon(ctx, e.cfg.StateDir, ControlRequest{Cmd: "digest-now"})
	if err != nil || !resp.OK || resp.Window.Messages != 0 {
		t.Errorf("over the socket: %+v, %v", resp, err)
	}
}

// TestCrashBetweenDigestAndRelease: the digest was appended, then the daemon
// died before releasing. The restart completes the release and does not
// append a second digest.
func TestCrashBetweenDigestAndRelease(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			if _, ok := srv.(doveServer); ok {
				srv.CreateMailbox("Held") // the memory server starts with it
			}
			var raws [][]byte
			for i := range 3 {
				raw := newMail(fmt.Sprintf("P%d <p%d@patients.example>", i, i), fmt.Sprintf("crash %d", i), benignBody)
				raws = append(raws, raw)
				srv.deliver("Held", raw)
			}
			window := time.Date(2026, 12, 1, 18, 0, 0, 0, paris)
			id := schedule.WindowID(window, paris)
			// What the crashed daemon left: its digest in the inbox,
			// recorded as about to be appended, the window pending in the
			// state.
			stateDir := t.TempDir()
			st, err := store.Open(stateDir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			key, err := st.Secret()
			if err != nil {
				t.Fatal(err)
			}
			pre, err := digest.Build(digest.Options{WindowID: id, Window: window, Location: paris, From: "therapist@example.org", Now: window, Key: key},
				[]digest.Entry{{From: "p0@patients.example", Subject: "crash 0"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.RecordOwn(store.OwnMessage{Kind: digest.Kind, Window: id, Hash: ownHash(key, headerOf(pre)), Mailbox: "INBOX", At: window}); err != nil {
				t.Fatal(err)
			}
			srv.deliver("INBOX", pre)
			if err := st.SetWindowState(store.WindowRecord{LastDelivered: window.Add(-96 * time.Hour), PendingID: id, PendingAt: window}); err != nil {
				t.Fatal(err)
			}
			st.Close()
			clk := clock.NewFake(window.Add(10 * time.Minute))
			e := startEnv(t, srv, envOpts{clock: clk, stateDir: stateDir})
			w := e.waitWindow()
			if w.Digest || w.Released != 3 {
				t.Errorf("window after restart: %+v (want no new digest, 3 released)", w)
			}
			inbox := srv.Messages("INBOX")
			if n := len(digests(inbox)); n != 1 {
				t.Errorf("%d digests, want 1", n)
			}
			for i, raw := range raws {
				if _, ok := find(inbox, raw); !ok {
					t.Errorf("message %d not released byte-identical", i)
				}
			}
			e.noMoreWindows(300 * time.Millisecond)
		})
	}
}

// TestDigestOf200 lists 200 held messages, each exactly once, in both parts.
func TestDigestOf200(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	for i := range 200 {
		srv.deliver("Held", newMail(fmt.Sprintf("P%d <p%d@patients.example>", i%37, i%37), fmt.Sprintf("marker-%03d-end", i), benignBody))
	}
	e := startEnv(t, srv, envOpts{})
	e.waitReady()
	resp := e.d.Control(context.Background(), ControlRequest{Cmd: "digest-now"})
	if !resp.OK || resp.Window.Messages != 200 {
		t.Fatalf("%+v %+v", resp, resp.Window)
	}
	ds := digests(srv.Messages("INBOX"))
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	text := digestText(t, ds[0].Raw)
	for i := range 200 {
		if c := strings.Count(text, fmt.Sprintf("marker-%03d-end", i)); c != 1 {
			t.Errorf("marker %d listed %d times", i, c)
		}
	}
	if n := len(srv.Messages("Held")); n != 0 {
		t.Errorf("%d messages still held after release", n)
	}
}
