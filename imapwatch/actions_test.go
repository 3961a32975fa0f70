package imapwatch

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

func TestFetchTextNotAttachments(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			big := attachmentMessage("I would like to move our session.", 5<<20)
			srv.Deliver("INBOX", big)
			plain := plainMessage("hello", "Just a note.")
			srv.Deliver("INBOX", plain)
			s := dialSelected(t, srv)
			uids, err := s.UIDsAfter(testCtx(t, 5*time.Second), 0)
			if err != nil || len(uids) != 2 {
				t.Fatalf("UIDsAfter = %v, %v", uids, err)
			}
			got, err := s.Fetch(testCtx(t, 10*time.Second), uids)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("fetched %d messages", len(got))
			}
			m := got[0]
			if m.Size < 5<<20 || m.InternalDate.IsZero() || !bytes.Contains(m.Header, []byte("Subject: scan")) {
				t.Errorf("metadata: size %d date %v header %q", m.Size, m.InternalDate, m.Header)
			}
			var returned int
			var texts []string
			for _, p := range m.Parts {
				returned += len(p.Body)
				if p.MediaType == "application/pdf" {
					if p.Body != nil || p.Filename != "scan.pdf" || p.Disposition != "attachment" {
						t.Errorf("attachment part: %+v", p)
					}
				}
				if p.IsText() {
					texts = append(texts, p.MediaType+":"+string(p.Body))
				}
			}
			if returned > 1024 {
				t.Errorf("%d body bytes returned for a 5 MB message; want only the text parts", returned)
			}
			if len(texts) != 2 || !bytes.Contains([]byte(texts[0]), []byte("move our session")) {
				t.Errorf("text parts = %q", texts)
			}
			t.Logf("5 MB message: %d body bytes fetched over %d parts", returned, len(m.Parts))
			if p := got[1].Parts; len(p) != 1 || p[0].Path != "1" || !bytes.Contains(p[0].Body, []byte("Just a note.")) || p[0].Charset != "utf-8" {
				t.Errorf("plain message parts = %+v", p)
			}
			for _, msg := range srv.Messages("INBOX") {
				if hasFlag(msg.Flags, `\Seen`) {
					t.Errorf("uid %d got \\Seen", msg.UID)
				}
			}
		})
	}
}

func TestFetchCapsTextParts(t *testing.T) {
	srv := memServer{mustMem(t)}
	body := bytes.Repeat([]byte("a"), 3000)
	srv.Deliver("INBOX", plainMessage("long", string(body)))
	opts := optionsFor(t, srv)
	opts.MaxTextBytes = 1000
	s := dial(t, opts)
	if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Fetch(testCtx(t, 5*time.Second), []uint32{1})
	if err != nil {
		t.Fatal(err)
	}
	if p := got[0].Parts[0]; len(p.Body) != 1000 || !p.Truncated {
		t.Fatalf("part: %d bytes, truncated %v", len(p.Body), p.Truncated)
	}
}

func TestUIDsAfterFiltersStar(t *testing.T) {
	srv := memServer{mustMem(t)}
	srv.Deliver("INBOX", plainMessage("a", "a"))
	srv.Deliver("INBOX", plainMessage("b", "b"))
	s := dialSelected(t, srv)
	uids, err := s.UIDsAfter(testCtx(t, 5*time.Second), 2)
	if err != nil || len(uids) != 0 {
		t.Fatalf("UIDsAfter(2) = %v, %v; want none (UID 3:* matches UID 2)", uids, err)
	}
	uids, err = s.UIDsAfter(testCtx(t, 5*time.Second), 1)
	if err != nil || len(uids) != 1 || uids[0] != 2 {
		t.Fatalf("UIDsAfter(1) = %v, %v", uids, err)
	}
}

func TestHold(t *testing.T) {
	for _, b := range backends {
		for _, p := range []struct {
			name string
			prof profile
		}{{"move", full}, {"copy-fallback", noMove}} {
			t.Run(b.name+"/"+p.name, func(t *testing.T) {
				srv := b.start(t, p.prof)
				keep := plainMessage("keep", "stays")
				held := plainMessage("held", "goes")
				srv.Deliver("INBOX", keep)
				srv.Deliver("INBOX", held)
				s := dialSelected(t, srv)
				if got := s.Caps().Move; got != (p.prof == full) {
					t.Fatalf("Move cap = %v", got)
				}
				// The hold folder does not exist yet: TRYCREATE path.
				if err := s.Hold(testCtx(t, 5*time.Second), 2, "Boundary/Held"); err != nil {
					t.Fatal(err)
				}
				hold := srv.Messages("Boundary/Held")
				if len(hold) != 1 || !bytes.Equal(hold[0].Raw, held) || hasFlag(hold[0].Flags, `\Seen`) || hasFlag(hold[0].Flags, `\Deleted`) {
					t.Fatalf("hold folder = %+v", hold)
				}
				inbox := srv.Messages("INBOX")
				if p.prof == full || s.Caps().UIDPlus {
					if len(inbox) != 1 || !bytes.Equal(inbox[0].Raw, keep) {
						t.Fatalf("inbox after hold: %d messages", len(inbox))
					}
				} else {
					// No UIDPLUS: the original is flagged \Deleted, not expunged,
					// and the other message is untouched.
					if len(inbox) != 2 || !hasFlag(inbox[1].Flags, `\Deleted`) || hasFlag(inbox[0].Flags, `\Deleted`) {
						t.Fatalf("inbox after fallback hold: %+v", inbox)
					}
				}
				// A UID that is gone is reported, not silently accepted.
				if err := s.Hold(testCtx(t, 5*time.Second), 2, "Boundary/Held"); !errors.Is(err, ErrGone) {
					t.Errorf("second hold of uid 2: %v, want ErrGone", err)
				}
				if n := len(srv.Messages("Boundary/Held")); n != 1 {
					t.Errorf("hold folder has %d messages after a repeated hold", n)
				}
			})
		}
	}
}

func TestHoldRefusedCopyLeavesMessage(t *testing.T) {
	for _, b := range backends {
		for _, prof := range []profile{full, noMove} {
			t.Run(fmt.Sprintf("%s/move=%v", b.name, prof == full), func(t *testing.T) {
				srv := b.start(t, prof)
				raw := plainMessage("x", "y")
				srv.Deliver("INBOX", raw)
				s := dialSelected(t, srv)
				// Memory server: "Refused" refuses COPY/MOVE/CREATE.
				// Dovecot: a name starting with "~" cannot be created.
				target := "Refused"
				if b.name == "dovecot" {
					target = "~held"
				}
				if err := s.Hold(testCtx(t, 5*time.Second), 1, target); err == nil {
					t.Fatal("Hold to a refused folder succeeded")
				}
				inbox := srv.Messages("INBOX")
				if len(inbox) != 1 || !bytes.Equal(inbox[0].Raw, raw) || hasFlag(inbox[0].Flags, `\Deleted`) {
					t.Fatalf("inbox after refused hold: %+v", inbox)
				}
				// The session is still usable.
				if _, err := s.UIDsAfter(testCtx(t, 5*time.Second), 0); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestFlag(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			srv.Deliver("INBOX", plainMessage("help", "help"))
			s := dialSelected(t, srv)
			if err := s.Flag(testCtx(t, 5*time.Second), 1, true); err != nil {
				t.Fatal(err)
			}
			m := srv.Messages("INBOX")[0]
			if !hasFlag(m.Flags, `\Flagged`) || !hasFlag(m.Flags, EmergencyKeyword) || hasFlag(m.Flags, `\Seen`) {
				t.Fatalf("flags = %v", m.Flags)
			}
		})
	}
}

func TestAppendAndFindByMessageID(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			s := dialSelected(t, srv)
			raw := []byte("From: boundaryd <dr@example.org>\r\nSubject: Digest\r\nMessage-ID: <digest-2026-11-24T18@boundaryd>\r\n" +
				"X-Boundary-Kind: digest\r\n\r\n" + string(bytes.Repeat([]byte("entry line\r\n"), 1000)))
			date := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
			uid, err := s.Append(testCtx(t, 5*time.Second), "INBOX", []string{`\Flagged`}, date, raw)
			if err != nil {
				t.Fatal(err)
			}
			if uid == 0 {
				t.Errorf("no UID from APPEND on a UIDPLUS server")
			}
			// A decoy whose Message-ID merely contains the searched one.
			if _, err := s.Append(testCtx(t, 5*time.Second), "INBOX", nil, date,
				[]byte("Subject: x\r\nMessage-ID: <xdigest-2026-11-24T18@boundaryd>\r\n\r\nx\r\n")); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindByMessageID(testCtx(t, 5*time.Second), "INBOX", "<digest-2026-11-24T18@boundaryd>")
			if err != nil || len(got) != 1 || got[0] != uid {
				t.Fatalf("FindByMessageID = %v, %v; want [%d]", got, err, uid)
			}
			none, err := s.FindByMessageID(testCtx(t, 5*time.Second), "INBOX", "<other@x>")
			if err != nil || len(none) != 0 {
				t.Fatalf("FindByMessageID(other) = %v, %v", none, err)
			}
			msgs := srv.Messages("INBOX")
			if !bytes.Equal(msgs[0].Raw, raw) || !msgs[0].InternalDate.Equal(date) {
				t.Errorf("appended message differs (date %v)", msgs[0].InternalDate)
			}
			// Appending to a folder that does not exist creates it first.
			if _, err := s.Append(testCtx(t, 5*time.Second), "Boundary/Digests", nil, date, raw); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMoveBack(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, noMove)
			a, c := plainMessage("a", "a"), plainMessage("c", "c")
			srv.Deliver("INBOX", a)
			srv.Deliver("INBOX", c)
			s := dialSelected(t, srv)
			for _, uid := range []uint32{1, 2} {
				if err := s.Hold(testCtx(t, 5*time.Second), uid, "Boundary/Held"); err != nil {
					t.Fatal(err)
				}
			}
			held, err := s.ListUIDs(testCtx(t, 5*time.Second), "Boundary/Held")
			if err != nil || len(held) != 2 {
				t.Fatalf("ListUIDs = %v, %v", held, err)
			}
			if err := s.MoveBack(testCtx(t, 5*time.Second), "Boundary/Held", "INBOX", held); err != nil {
				t.Fatal(err)
			}
			var live [][]byte
			for _, m := range srv.Messages("INBOX") {
				if !hasFlag(m.Flags, `\Deleted`) {
					live = append(live, m.Raw)
				}
			}
			if len(live) != 2 || !bytes.Equal(live[0], a) || !bytes.Equal(live[1], c) {
				t.Fatalf("inbox after release: %d live messages", len(live))
			}
		})
	}
}

// Servers whose hierarchy delimiter is "." get "Boundary/Held" as
// "Boundary.Held".
func TestHoldWithDotSeparator(t *testing.T) {
	srv := testimap.StartDovecot(t, testimap.DovecotOptions{Separator: "."})
	raw := plainMessage("dot", "dot")
	srv.Deliver("INBOX", raw)
	s := dialSelected(t, srv)
	if err := s.Hold(testCtx(t, 5*time.Second), 1, "Boundary/Held"); err != nil {
		t.Fatal(err)
	}
	held := srv.Messages("Boundary.Held")
	if len(held) != 1 || !bytes.Equal(held[0].Raw, raw) {
		t.Fatalf("Boundary.Held = %d messages", len(held))
	}
	uids, err := s.ListUIDs(testCtx(t, 5*time.Second), "Boundary/Held")
	if err != nil || len(uids) != 1 {
		t.Fatalf("ListUIDs = %v, %v", uids, err)
	}
}
