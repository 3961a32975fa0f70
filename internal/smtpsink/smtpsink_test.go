package smtpsink

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// waitLimit bounds every wait here; a passing test takes milliseconds.
const waitLimit = 10 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// send delivers one message through c (already connected) and quits.
func send(c *smtp.Client, from, to, body string) error {
	defer c.Close()
	if err := c.SendMail(from, []string{to}, strings.NewReader(body)); err != nil {
		return err
	}
	return c.Quit()
}

func sendPlain(t *testing.T, s *Sink, body string) error {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return send(c, "a@example.org", "b@example.org", body)
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestPlainRecordsWithClockAndSignals(t *testing.T) {
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	hooked := make(chan Message, 1)
	s := StartWith(t, Options{Clock: clock.NewFake(at), OnMessage: func(m Message) { hooked <- m }})
	if err := sendPlain(t, s, "Subject: one\r\n\r\nhello\r\n"); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Wait(ctxT(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "a@example.org" || len(m.To) != 1 || m.To[0] != "b@example.org" || !strings.Contains(string(m.Data), "hello") || m.User != "" {
		t.Errorf("recorded %+v", m)
	}
	if !m.At.Equal(at) {
		t.Errorf("At = %v, want the injected clock's %v", m.At, at)
	}
	if c := <-s.C; string(c.Data) != string(m.Data) {
		t.Errorf("C carried %q", c.Data)
	}
	if h := <-hooked; string(h.Data) != string(m.Data) {
		t.Errorf("OnMessage got %q", h.Data)
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if msgs, err := s.Wait(ctx, 1); err == nil || !errors.Is(err, context.DeadlineExceeded) || len(msgs) != 0 {
		t.Errorf("Wait on an empty sink = %v, %v; want a deadline error", msgs, err)
	}
}

func TestStartTLSAuth(t *testing.T) {
	for _, mech := range []string{sasl.Plain, sasl.Login} {
		t.Run(mech, func(t *testing.T) {
			s := StartWith(t, Options{Security: StartTLS, Username: "dr", Password: "s3cret", Mechanisms: []string{mech}})
			dial := func() *smtp.Client {
				c, err := smtp.DialStartTLS(s.Addr(), s.ClientTLS())
				if err != nil {
					t.Fatalf("STARTTLS: %v", err)
				}
				return c
			}
			c := dial()
			if !c.SupportsAuth(mech) || c.SupportsAuth(otherMech(mech)) {
				t.Errorf("AUTH offered does not match Mechanisms %v", []string{mech})
			}
			if err := send(c, "a@example.org", "b@example.org", "x\r\n"); code(err) != smtp.ErrAuthRequired.Code {
				t.Errorf("MAIL without AUTH: %v, want %v", err, smtp.ErrAuthRequired)
			}
			c = dial()
			if err := c.Auth(client(mech, "dr", "wrong")); code(err) != 535 {
				t.Errorf("wrong password: %v, want 535", err)
			}
			c.Close()
			c = dial()
			if err := c.Auth(client(mech, "dr", "s3cret")); err != nil {
				t.Fatalf("AUTH %s: %v", mech, err)
			}
			if err := send(c, "a@example.org", "b@example.org", "x\r\n"); err != nil {
				t.Fatal(err)
			}
			msgs, err := s.Wait(ctxT(t), 1)
			if err != nil || msgs[0].User != "dr" {
				t.Fatalf("after AUTH: %+v, %v", msgs, err)
			}
			// The handshake happens on the first command after STARTTLS.
			c, err = smtp.DialStartTLS(s.Addr(), &tls.Config{ServerName: "127.0.0.1"})
			if err == nil {
				err = c.Noop()
				c.Close()
			}
			if err == nil {
				t.Error("STARTTLS succeeded without trusting the generated certificate")
			}
		})
	}
}

func TestAuthNotOfferedOnPlaintextStartTLSSink(t *testing.T) {
	s := StartWith(t, Options{Security: StartTLS, Username: "dr", Password: "p"})
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Error("STARTTLS not offered")
	}
}

func otherMech(m string) string {
	if m == sasl.Plain {
		return sasl.Login
	}
	return sasl.Plain
}

func client(mech, user, pass string) sasl.Client {
	if mech == sasl.Login {
		return sasl.NewLoginClient(user, pass)
	}
	return sasl.NewPlainClient("", user, pass)
}

func TestImplicitTLS(t *testing.T) {
	s := StartWith(t, Options{Security: ImplicitTLS})
	c, err := smtp.DialTLS(s.Addr(), s.ClientTLS())
	if err != nil {
		t.Fatalf("TLS: %v", err)
	}
	if err := send(c, "", "x@example.org", "hi\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wait(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
}

// stepwise sends one message command by command and says at which stage
// the server answered with an error (AtConnect for none).
func stepwise(t *testing.T, s *Sink) (Stage, error) {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if err := c.Mail("a@example.org", nil); err != nil {
		return AtMail, err
	}
	if err := c.Rcpt("b@example.org", nil); err != nil {
		return AtRcpt, err
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write([]byte("x\r\n")); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if err := w.Close(); err != nil {
		return AtData, err
	}
	return AtConnect, c.Quit()
}

func TestFailNThenAccept(t *testing.T) {
	for _, st := range []Stage{AtMail, AtRcpt, AtData} {
		s := Start(t)
		s.Fail(2, Fault{Code: 451, Stage: st})
		for i := 0; i < 2; i++ {
			if at, err := stepwise(t, s); at != st || code(err) != 451 {
				t.Errorf("stage %d attempt %d: stage %d, %v; want 451 there", st, i, at, err)
			}
		}
		if n, err := s.WaitRefusals(ctxT(t), 2); err != nil || n != 2 {
			t.Errorf("stage %d: refusals %d, %v", st, n, err)
		}
		if err := sendPlain(t, s, "x\r\n"); err != nil {
			t.Errorf("stage %d: third attempt: %v", st, err)
		}
		if got := len(s.Messages()); got != 1 {
			t.Errorf("stage %d: %d messages kept, want 1", st, got)
		}
	}
}

func TestPermanentRefusalAndRefuse(t *testing.T) {
	s := Start(t)
	s.Fail(-1, Fault{Code: 554, Stage: AtData})
	for i := 0; i < 3; i++ {
		if err := sendPlain(t, s, "x\r\n"); code(err) != 554 {
			t.Errorf("attempt %d: %v, want 554", i, err)
		}
	}
	s.Refuse(true)
	if err := sendPlain(t, s, "x\r\n"); code(err) != 451 {
		t.Errorf("Refuse(true): %v, want 451", err)
	}
	s.Refuse(false)
	if err := sendPlain(t, s, "x\r\n"); err != nil {
		t.Errorf("Refuse(false): %v", err)
	}
	if s.Refusals() != 4 || len(s.Messages()) != 1 {
		t.Errorf("refusals %d, messages %d; want 4, 1", s.Refusals(), len(s.Messages()))
	}
}

func TestSlowAnswer(t *testing.T) {
	const delay = 150 * time.Millisecond
	s := Start(t)
	s.Fail(1, Fault{Stage: AtData, Delay: delay})
	t0 := time.Now()
	if err := sendPlain(t, s, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el < delay {
		t.Errorf("answered after %v, want at least %v", el, delay)
	}
	if len(s.Messages()) != 1 || s.Refusals() != 0 {
		t.Errorf("a slow answer is an acceptance: %d messages, %d refusals", len(s.Messages()), s.Refusals())
	}
}

// readGreeting reads the first line the server sends within d.
func readGreeting(t *testing.T, addr string, d time.Duration) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(d))
	return bufio.NewReader(c).ReadString('\n')
}

func TestConnectFaults(t *testing.T) {
	s := Start(t)
	s.Fail(1, Fault{Code: 554, Stage: AtConnect})
	if line, err := readGreeting(t, s.Addr(), waitLimit); err != nil || !strings.HasPrefix(line, "554 ") {
		t.Errorf("refusing greeting %q, %v", line, err)
	}
	if line, err := readGreeting(t, s.Addr(), waitLimit); err != nil || !strings.HasPrefix(line, "220 ") {
		t.Errorf("after the script: greeting %q, %v", line, err)
	}

	s.Fail(-1, Fault{Stage: AtConnect, Hang: true})
	var ne net.Error
	if line, err := readGreeting(t, s.Addr(), 200*time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("hung server greeted %q, %v; want a read timeout", line, err)
	}
}

func TestCloseReleasesHungAnswer(t *testing.T) {
	s, err := Listen(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Fail(1, Fault{Stage: AtData, Hang: true})
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- send(c, "a@example.org", "b@example.org", "x\r\n") }()
	// Close once the sink has taken the fault: it is hanging in DATA.
	if err := s.wait(ctxT(t), func() bool { return s.faultLeft == 0 }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("a hung transaction succeeded")
		}
	case <-time.After(waitLimit):
		t.Fatal("Close left a client hanging")
	}
}
