package daemon

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

const ackYAML = `auto_reply:
  enabled: true
  once_per: 72h
  body: "Received. Next reading: {{.NextWindow}}. In an emergency call 15 or 3114."
`

func acks(msgs []smtpsink.Message) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range msgs {
		if bytes.Contains(m.Data, []byte("X-Boundary-Kind: auto-reply")) {
			out = append(out, m)
		}
	}
	return out
}

// TestAcknowledgementOncePerSender: a patient writing twice gets one
// acknowledgement; robots, lists, ourselves and emergencies get none.
func TestAcknowledgementOncePerSender(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	e := startEnv(t, srv, envOpts{extraYAML: ackYAML, patients: `["*"]`})
	e.waitReady()
	hdr := func(from, extra string) []byte {
		return []byte(fmt.Sprintf("From: %s\r\nTo: therapist@example.org\r\nSubject: hello\r\nMessage-ID: <%d@t>\r\n%s\r\n%s\r\n", from, time.Now().UnixNano(), extra, benignBody))
	}
	msgs := [][]byte{
		hdr("Ana <ana@patients.example>", ""),
		hdr("Ana <ana@patients.example>", ""), // the same sender again: no second reply
		hdr("News <news@lists.example>", "List-Id: <weekly.lists.example>\r\n"),
		hdr("Robot <robot@example.net>", "Auto-Submitted: auto-replied\r\n"),
		hdr("Bulk <bulk@example.net>", "Precedence: bulk\r\n"),
		hdr("<noreply@shop.example>", ""),
		hdr("MAILER-DAEMON <mailer-daemon@example.net>", ""),
		hdr("Nobody <nobody@example.net>", "Return-Path: <>\r\n"),
		hdr("Me <therapist@example.org>", ""),
		hdr("Other Instance <dr@other.example>", "X-Boundary-Kind: auto-reply\r\n"),
	}
	// An emergency: no form letter for a person in crisis (by default).
	msgs = append(msgs, []byte(fmt.Sprintf("From: Bob <bob@patients.example>\r\nTo: therapist@example.org\r\nSubject: tonight\r\nMessage-ID: <%d@t>\r\n\r\n%s\r\n", time.Now().UnixNano(), emergencyBody)))
	for _, m := range msgs {
		srv.deliver("INBOX", m)
	}
	hs := e.waitHandled(len(msgs))
	queued := 0
	for _, h := range hs {
		if h.AckQueued {
			queued++
		}
	}
	if queued != 1 {
		t.Errorf("%d acknowledgements queued, want 1 (Ana's first message only)", queued)
	}
	deadline := time.Now().Add(waitLimit)
	for len(acks(e.smtp.Messages())) < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// The emergency's alert also goes to the sink; only acknowledgements count.
	got := acks(e.smtp.Messages())
	if len(got) != 1 {
		t.Fatalf("%d acknowledgements sent, want 1", len(got))
	}
	a := got[0]
	if len(a.To) != 1 || a.To[0] != "ana@patients.example" {
		t.Errorf("acknowledgement went to %v", a.To)
	}
	for _, want := range []string{"Auto-Submitted: auto-replied", "In-Reply-To: <", "References: <", "Next reading: Tuesday"} {
		if !bytes.Contains(a.Data, []byte(want)) {
			t.Errorf("acknowledgement lacks %q:\n%s", want, a.Data)
		}
	}
}

// TestTwoInstancesCannotLoop: the acknowledgement one boundaryd sends,
// delivered to another boundaryd that acknowledges everyone, gets no reply.
func TestTwoInstancesCannotLoop(t *testing.T) {
	srvA := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	srvB := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	a := startEnv(t, srvA, envOpts{extraYAML: ackYAML, patients: `["*"]`})
	b := startEnv(t, srvB, envOpts{extraYAML: ackYAML, patients: `["*"]`})
	a.waitReady()
	b.waitReady()
	srvA.deliver("INBOX", newMail("Ana <ana@patients.example>", "hello", benignBody))
	if h := a.waitHandled(1)[0]; !h.AckQueued {
		t.Fatalf("A did not acknowledge: %+v", h)
	}
	var ack smtpsink.Message
	select {
	case ack = <-a.smtp.C:
	case <-time.After(waitLimit):
		t.Fatal("A's acknowledgement never left")
	}
	// B's user is the recipient: the acknowledgement lands in B's inbox.
	srvB.deliver("INBOX", ack.Data)
	if h := b.waitHandled(1)[0]; h.AckQueued {
		t.Errorf("B answered A's acknowledgement: a loop")
	}
	if n := len(acks(b.smtp.Messages())); n != 0 {
		t.Errorf("B sent %d acknowledgements", n)
	}
}
