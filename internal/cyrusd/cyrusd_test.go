package cyrusd

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestStartDeliverBothNamespaces(t *testing.T) {
	if m := Missing(); m != "" {
		if os.Getenv("BOUNDARY_REQUIRE_CYRUS") == "1" {
			t.Fatalf("cyrus missing: %s", m)
		}
		t.Skipf("cyrus missing: %s", m)
	}
	for _, legacy := range []bool{false, true} {
		s, err := New(Options{Users: []User{{Name: "alice", Password: "secret"}}, Legacy: legacy})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		raw := []byte("From: a@b.example\r\nSubject: D\xc3\xa9caler\r\nDate: Tue, 24 Nov 2026 21:14:00 +0100\r\nMessage-ID: <1@test>\r\n\r\nbody\r\n")
		if err := s.Deliver(ctx, "alice", "INBOX", raw); err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		c := imapclient.New(conn, nil)
		if err := c.Login("alice", "secret").Wait(); err != nil {
			t.Fatal(err)
		}
		ns, err := c.Namespace().Wait()
		if err != nil {
			t.Fatal(err)
		}
		sel, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("legacy=%v personal=%+v messages=%d uidnext=%d caps=%v", legacy, ns.Personal, sel.NumMessages, sel.UIDNext, c.Caps())
		var all imap.SeqSet
		all.AddRange(1, 0)
		msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("fetch: %v %d", err, len(msgs))
		}
		for _, b := range msgs[0].BodySection {
			// lmtpd prepends trace headers, as any MTA does; the message
			// itself must follow unchanged (munge8bit: no).
			if !strings.HasSuffix(string(b.Bytes), "\r\n"+string(raw)) {
				t.Errorf("bytes changed: %q", b.Bytes)
			}
		}
		c.Close()
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// SuppressCaps hides MOVE, so the COPY fallback can be tested on Cyrus.
func TestSuppressMove(t *testing.T) {
	if m := Missing(); m != "" {
		if os.Getenv("BOUNDARY_REQUIRE_CYRUS") == "1" {
			t.Fatalf("cyrus missing: %s", m)
		}
		t.Skipf("cyrus missing: %s", m)
	}
	s, err := New(Options{Users: []User{{Name: "alice", Password: "secret"}}, SuppressCaps: []string{"MOVE"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if caps.Has(imap.CapMove) || !caps.Has(imap.CapUIDPlus) {
		t.Errorf("capabilities %v: want UIDPLUS without MOVE", caps)
	}
}
