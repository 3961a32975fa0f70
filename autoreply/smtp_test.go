package autoreply

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
)

// TestRealSMTPServerAccepts sends an acknowledgement to a real go-smtp server, as the daemon does, and
// checks what arrives is byte-identical and still refused by Decide when it comes back.
func TestRealSMTPServerAccepts(t *testing.T) {
	sink := smtpsink.Start(t)
	m := msg(t, patientHeader)
	raw, to, err := Build(opts("fr"), m, Data{NextWindow: "mardi 3 mars à 18h00"})
	if err != nil {
		t.Fatal(err)
	}
	// Plaintext on loopback, as the daemon's "insecure" mode allows.
	c, err := smtp.Dial(sink.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("dr@example.org", []string{to}, bytes.NewReader(raw)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatalf("QUIT: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := sink.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := msgs[0]
	if len(r.To) != 1 || r.To[0] != "ana@example.org" || r.From != "dr@example.org" {
		t.Errorf("envelope %s -> %v", r.From, r.To)
	}
	if !bytes.Equal(r.Data, raw) {
		t.Error("server received different bytes")
	}
	if d := Decide(classify.Parse(bytes.NewReader(r.Data)), false, nil, true); d.Reply {
		t.Error("a delivered acknowledgement would be acknowledged")
	}
}
