package courierd

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestStartDeliverRestart(t *testing.T) {
	if m := Missing(); m != "" {
		if os.Getenv("BOUNDARY_REQUIRE_COURIER") == "1" {
			t.Fatalf("courier missing: %s", m)
		}
		t.Skipf("courier missing: %s", m)
	}
	s, err := New(Options{Users: []User{{Name: "alice", Password: "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: a@b.example\r\nSubject: D\xc3\xa9caler\r\n\r\nbody\r\n")
	for i := 0; i < 2; i++ {
		if err := s.Deliver("alice", "INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	for round := 0; round < 2; round++ {
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		c := imapclient.New(conn, nil)
		if err := c.Login("alice", "secret").Wait(); err != nil {
			t.Fatalf("login: %v\n%s", err, s.LogTail())
		}
		ns, err := c.Namespace().Wait()
		if err != nil {
			t.Fatal(err)
		}
		sel, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.Status("INBOX", &imap.StatusOptions{UIDNext: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("personal=%+v messages=%d select-uidnext=%d status-uidnext=%d caps=%v", ns.Personal, sel.NumMessages, sel.UIDNext, st.UIDNext, c.Caps())
		var all imap.SeqSet
		all.AddRange(1, 0)
		msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil || len(msgs) != 2 {
			t.Fatalf("fetch: %v %d", err, len(msgs))
		}
		for _, b := range msgs[0].BodySection {
			if string(b.Bytes) != string(raw) {
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
