package imapwatch

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

// A SELECT without UIDNEXT (Courier) must not make the mailbox look empty:
// `backlog: new` starts from UIDNEXT-1, and 0 would treat all old mail as new.
func TestSelectWithoutUIDNext(t *testing.T) {
	for _, hide := range []string{testimap.HideUIDNextSelect, testimap.HideUIDNextAll} {
		t.Run(hide, func(t *testing.T) {
			srv := testimap.StartMem(t, testimap.MemOptions{HideUIDNext: hide})
			for i := 0; i < 3; i++ {
				srv.Deliver("INBOX", plainMessage("old", "old"))
			}
			s := dial(t, optionsFor(t, srv))
			st, err := s.SelectInbox(testCtx(t, 5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if st.UIDNext != 4 || s.Selected().UIDNext != 4 {
				t.Fatalf("UIDNext = %d (Selected %d), want 4: the 3 old messages would be taken for new",
					st.UIDNext, s.Selected().UIDNext)
			}
		})
	}
}

func TestSelectWithoutUIDNextEmpty(t *testing.T) {
	srv := testimap.StartMem(t, testimap.MemOptions{HideUIDNext: testimap.HideUIDNextAll})
	s := dial(t, optionsFor(t, srv))
	st, err := s.SelectInbox(testCtx(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.UIDNext != 0 {
		t.Fatalf("UIDNext = %d for an empty mailbox reporting nothing", st.UIDNext)
	}
}

func TestSelectCourierUIDNext(t *testing.T) {
	srv := testimap.StartCourier(t, testimap.CourierOptions{})
	for i := 0; i < 3; i++ {
		srv.Deliver("INBOX", plainMessage("old", "old"))
	}
	s := dial(t, optionsFor(t, srv))
	st, err := s.SelectInbox(testCtx(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.UIDNext != 4 {
		t.Fatalf("Courier: UIDNext = %d, want 4", st.UIDNext)
	}
}

func TestMailboxName(t *testing.T) {
	for _, c := range []struct {
		name   string
		delim  rune
		prefix string
		want   string
	}{
		{"Boundary/Held", '/', "", "Boundary/Held"},
		{"Boundary/Held", '.', "", "Boundary.Held"},
		{"Boundary/Held", '.', "INBOX.", "INBOX.Boundary.Held"},
		{"INBOX.Boundary.Held", '.', "INBOX.", "INBOX.Boundary.Held"},
		{"inbox.Held", '.', "INBOX.", "inbox.Held"},
		{"INBOX/Held", '.', "INBOX.", "INBOX.Held"},
		{"INBOX", '.', "INBOX.", "INBOX"},
		{"inbox", '.', "INBOX.", "inbox"},
		{"INBOXES", '.', "INBOX.", "INBOX.INBOXES"},
		{"Held", '/', "INBOX/", "INBOX/Held"},
		{"Held", 0, "", "Held"},
	} {
		if got := mailboxName(c.name, c.delim, c.prefix); got != c.want {
			t.Errorf("mailboxName(%q, %q, %q) = %q, want %q", c.name, c.delim, c.prefix, got, c.want)
		}
	}
}

// namespaced is a server whose personal folders live under "INBOX.".
type namespaced interface {
	testServer
	Folder(name string) string
}

// The default hold folder must be creatable where personal folders live
// under "INBOX." (Courier, Cyrus with altnamespace: no), and holding must
// then work.
func TestHoldFolderUnderPersonalNamespace(t *testing.T) {
	for _, c := range []struct {
		name  string
		start func(t *testing.T) namespaced
	}{
		{"courier", func(t *testing.T) namespaced { return testimap.StartCourier(t, testimap.CourierOptions{}) }},
		{"cyrus-legacy", func(t *testing.T) namespaced {
			return testimap.StartCyrus(t, testimap.CyrusOptions{Legacy: true})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := c.start(t)
			raw := plainMessage("ns", "ns")
			srv.Deliver("INBOX", raw)
			s := dial(t, optionsFor(t, srv))
			if got := s.MailboxName("Boundary/Held"); got != "INBOX.Boundary.Held" {
				t.Errorf("MailboxName = %q, want INBOX.Boundary.Held", got)
			}
			ctx := testCtx(t, 10*time.Second)
			if err := s.EnsureMailbox(ctx, "Boundary/Held"); err != nil {
				t.Fatalf("EnsureMailbox: %v", err)
			}
			if _, err := s.SelectInbox(ctx); err != nil {
				t.Fatal(err)
			}
			uids, err := s.UIDsAfter(ctx, 0)
			if err != nil || len(uids) != 1 {
				t.Fatalf("inbox UIDs = %v, %v", uids, err)
			}
			if err := s.Hold(ctx, uids[0], "Boundary/Held"); err != nil {
				t.Fatalf("Hold: %v", err)
			}
			held := srv.Messages(srv.Folder("Boundary/Held"))
			if len(held) != 1 || !sameBytes(srv, held[0].Raw, raw) {
				t.Fatalf("%s holds %d messages (want the delivered one, bytes unchanged)", srv.Folder("Boundary/Held"), len(held))
			}
			if hasFlag(held[0].Flags, string(imap.FlagSeen)) {
				t.Errorf("held message marked \\Seen")
			}
			if n := len(srv.Messages("INBOX")); n != 0 {
				// Courier lacks MOVE: the original must be expunged (UIDPLUS).
				t.Errorf("inbox still has %d messages", n)
			}
		})
	}
}

// sameBytes reports whether got is raw as the server stored it at delivery
// (Cyrus's lmtpd prepends trace headers).
func sameBytes(srv any, got, raw []byte) bool {
	if c, ok := srv.(interface{ Stored(stored, raw []byte) bool }); ok {
		return c.Stored(got, raw)
	}
	return bytes.Equal(got, raw)
}
