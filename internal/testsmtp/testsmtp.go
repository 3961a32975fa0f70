// Package testsmtp is a real SMTP server (go-smtp) on 127.0.0.1 for tests:
// it records every accepted message and can be told to refuse with 451.
package testsmtp

import (
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted transaction.
type Message struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// Sink is the running server.
type Sink struct {
	srv    *smtp.Server
	port   int
	C      chan Message // every accepted message, in order (buffered)
	refuse atomic.Bool

	mu       sync.Mutex
	all      []Message
	refusals int
}

// Start starts a plaintext sink (loopback: boundaryd allows plaintext there).
func Start(t testing.TB) *Sink {
	t.Helper()
	s := &Sink{C: make(chan Message, 10000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.srv = srv
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Port is the listening port on 127.0.0.1.
func (s *Sink) Port() int { return s.port }

// Refuse makes every transaction fail with 451 until called with false.
func (s *Sink) Refuse(on bool) { s.refuse.Store(on) }

// Refusals counts refused transactions.
func (s *Sink) Refusals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusals
}

// Messages returns a copy of everything accepted so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.all...)
}

type session struct {
	s    *Sink
	from string
	to   []string
}

func (ss *session) AuthPlain(string, string) error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.refuse.Load() {
		ss.s.mu.Lock()
		ss.s.refusals++
		ss.s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: ss.from, To: ss.to, Data: b, At: time.Now()}
	ss.s.mu.Lock()
	ss.s.all = append(ss.s.all, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.C <- m:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
