package daemon

import (
	"bytes"
	"context"
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

// TestAcknowledgementsAreNoSpamCannon: forged senders cannot make the
// therapist's account mail strangers in bulk or loop with a responder
// (issue: acknowledgements as a spam cannon and a loop).
func TestAcknowledgementsAreNoSpamCannon(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	e := startEnv(t, srv, envOpts{extraYAML: ackYAML, patients: `["*"]`})
	e.waitReady()
	n := 0
	send := func(from, subject string) {
		n++
		srv.deliver("INBOX", []byte(fmt.Sprintf("From: %s\r\nTo: therapist@example.org\r\nSubject: %s\r\nMessage-ID: <cannon-%d@t>\r\n\r\n%s\r\n", from, subject, n, benignBody)))
	}
	// One person with twenty +tags.
	for i := 1; i <= 20; i++ {
		send(fmt.Sprintf("Bob <bob+%d@patients.example>", i), "hello")
	}
	// A help desk answering from a fresh address each time, at machine speed.
	for i := range 40 {
		send(fmt.Sprintf("Support <ticket-%d@helpdesk.example>", i), "Ticket opened")
	}
	// 150 forged senders, each at its own domain, with an advert for a name.
	for i := range 150 {
		send(fmt.Sprintf("Buy pills at spam.example <victim%d@d%d.example>", i, i), "Visit spam.example")
	}
	hs := e.waitHandled(n)
	queued := 0
	for _, h := range hs {
		if h.AckQueued {
			queued++
		}
	}
	// Bob once; the help desk twice before its burst is seen; then the
	// hourly cap (30 in all).
	if queued != 30 {
		t.Errorf("%d acknowledgements queued for %d forged or robotic messages, want 30 (1 + 2 + the hourly cap)", queued, n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	got, err := e.smtp.Wait(ctx, queued)
	if err != nil {
		t.Fatalf("acknowledgements sent: %d of %d: %v", len(acks(e.smtp.Messages())), queued, err)
	}
	perTo := map[string]int{}
	for _, m := range acks(got) {
		perTo[m.To[0]]++
		if bytes.Contains(m.Data, []byte("spam.example")) || bytes.Contains(m.Data, []byte("pills")) {
			t.Errorf("an acknowledgement reflects the sender's name or subject:\n%s", m.Data[:min(len(m.Data), 1500)])
			break
		}
	}
	bobs := 0
	for to := range perTo {
		if bytes.HasPrefix([]byte(to), []byte("bob")) {
			bobs++
		}
	}
	if bobs != 1 {
		t.Errorf("bob+N got %d acknowledgements, want 1", bobs)
	}
	// One sender sends them one after another; the sink may see the next
	// session open before it has noticed the previous QUIT, hence 2.
	if m := e.smtp.MaxSessions(); m > 2 {
		t.Errorf("%d SMTP sessions open at once for acknowledgements, want one at a time", m)
	}
	t.Logf("messages=%d acknowledgements=%d max_smtp_sessions=%d", n, len(acks(got)), e.smtp.MaxSessions())
}
