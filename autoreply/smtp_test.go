package autoreply

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/boundaryd/boundaryd/classify"
)

// received is one message accepted by the test SMTP server.
type received struct {
	from string
	to   []string
	data []byte
}

type session struct {
	cur received
	out chan<- received
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.out <- s.cur
	return nil
}

// TestRealSMTPServerAccepts sends an acknowledgement to a real go-smtp server, as the daemon does, and
// checks what arrives is byte-identical and still refused by Decide when it comes back.
func TestRealSMTPServerAccepts(t *testing.T) {
	got := make(chan received, 1)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{out: got}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })

	m := msg(t, patientHeader)
	raw, to, err := Build(opts("fr"), m, Data{NextWindow: "mardi 3 mars à 18h00"})
	if err != nil {
		t.Fatal(err)
	}
	// Plaintext on loopback, as the daemon's "insecure" mode allows.
	c, err := smtp.Dial(ln.Addr().String())
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
	select {
	case r := <-got:
		if len(r.to) != 1 || r.to[0] != "ana@example.org" || r.from != "dr@example.org" {
			t.Errorf("envelope %s -> %v", r.from, r.to)
		}
		if !bytes.Equal(r.data, raw) {
			t.Error("server received different bytes")
		}
		if d := Decide(classify.Parse(bytes.NewReader(r.data)), false, nil, true); d.Reply {
			t.Error("a delivered acknowledgement would be acknowledged")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message reached the server")
	}
}
