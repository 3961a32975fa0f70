// Package smtpsink is a real SMTP server (go-smtp) on 127.0.0.1 that records
// every message it accepts: the relay of the tests (daemon, notify,
// autoreply), the alert sink of the demo and of the bench. It speaks
// plaintext, STARTTLS or implicit TLS with a generated certificate, can
// require AUTH PLAIN or LOGIN with a given password, and can be scripted to
// refuse (4xx, 5xx), to answer slowly or to hang.
//
// It does not import testing, as the demo (product code) runs one; Start and
// StartWith take the part of testing.TB they use.
package smtpsink

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/internal/tlscert"
)

// Security is how clients reach the sink.
type Security int

const (
	// Plain is SMTP without TLS (boundaryd allows it to loopback only).
	Plain Security = iota
	// StartTLS offers STARTTLS; AUTH is offered only after it.
	StartTLS
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465 style).
	ImplicitTLS
)

// Options configure a sink; the zero value is a plaintext sink that accepts
// everything.
type Options struct {
	Security Security
	// TLS is the server's configuration with StartTLS or ImplicitTLS; nil
	// means a generated self-signed certificate, which ClientTLS trusts.
	TLS *tls.Config
	// Username, when set, makes AUTH with Username and Password required
	// before MAIL.
	Username, Password string
	// Mechanisms are the AUTH mechanisms offered when Username is set:
	// sasl.Plain and/or sasl.Login (default both, PLAIN first).
	Mechanisms []string
	// Clock stamps Message.At (default the system clock).
	Clock clock.Clock
	// Timeout bounds every read and write on a connection (default 10 s).
	Timeout time.Duration
	// OnMessage, when set, is called with every accepted message before the
	// client is told it was accepted.
	OnMessage func(Message)
}

// Message is one accepted transaction.
type Message struct {
	From string
	To   []string
	Data []byte
	// User is the name the client authenticated as ("" without AUTH).
	User string
	// At is when the end of DATA was read, by Options.Clock.
	At time.Time
}

// Stage is the point at which a Fault answers.
type Stage int

const (
	// AtMail answers MAIL FROM (the default).
	AtMail Stage = iota
	// AtRcpt answers RCPT TO.
	AtRcpt
	// AtData answers the end of DATA, once the whole message has been read.
	AtData
	// AtConnect acts before the greeting (with ImplicitTLS, before the
	// handshake): a server that is slow to greet, never greets, or greets
	// with a refusal and hangs up.
	AtConnect
)

// Fault is a scripted answer in place of the normal one.
type Fault struct {
	// Code is the reply: 4xx a temporary failure, 5xx a permanent one; 0
	// answers normally (after Delay: a slow server).
	Code  int
	Stage Stage
	// Delay is how long the sink waits before answering.
	Delay time.Duration
	// Hang makes the sink never answer, until it is closed.
	Hang bool
}

// refuse451 is what Refuse scripts: the usual greylisting answer.
var refuse451 = Fault{Code: 451, Stage: AtMail}

// TB is the part of testing.TB that Start uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// bufferC is the capacity of Sink.C.
const bufferC = 10000

// Sink is a running server.
type Sink struct {
	// C receives every accepted message, in order. It is buffered and never
	// holds the server up: past bufferC unread messages, new ones are left
	// out of C (never out of Messages or Wait).
	C chan Message

	opts   Options
	srv    *smtp.Server
	port   int
	client *tls.Config
	done   chan struct{}
	once   sync.Once

	mu        sync.Mutex
	all       []Message
	refusals  int
	fault     Fault
	faultLeft int           // transactions the fault still applies to; <0: until Heal
	changed   chan struct{} // closed and replaced whenever all, refusals or faultLeft change
	open      int           // SMTP sessions open now
	maxOpen   int           // the most ever open at once
}

// MaxSessions is the largest number of SMTP sessions that were open at
// once since the sink started.
func (s *Sink) MaxSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxOpen
}

// Listen starts a sink on 127.0.0.1 on a free port. Close stops it.
func Listen(o Options) (*Sink, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	if len(o.Mechanisms) == 0 {
		o.Mechanisms = []string{sasl.Plain, sasl.Login}
	}
	s := &Sink{C: make(chan Message, bufferC), opts: o, done: make(chan struct{}), changed: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		ss := &session{s: s}
		s.mu.Lock()
		s.open++
		s.maxOpen = max(s.maxOpen, s.open)
		s.mu.Unlock()
		if o.Username != "" {
			return authSession{ss}, nil
		}
		return ss, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = o.Timeout, o.Timeout
	srv.AllowInsecureAuth = o.Security == Plain
	switch o.Security {
	case Plain:
	case StartTLS, ImplicitTLS:
		if o.TLS == nil {
			server, client, err := tlscert.New("smtpsink")
			if err != nil {
				return nil, fmt.Errorf("smtpsink: %w", err)
			}
			o.TLS, s.client = server, client
		}
		srv.TLSConfig = o.TLS
	default:
		return nil, fmt.Errorf("smtpsink: unknown Security %d", o.Security)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtpsink: listen: %w", err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	var serve net.Listener = faultListener{Listener: ln, s: s}
	if o.Security == ImplicitTLS {
		serve = tls.NewListener(serve, o.TLS)
	}
	s.srv = srv
	go func() { _ = srv.Serve(serve) }()
	return s, nil
}

// Start is Listen for a test: plaintext, stopped by t.Cleanup.
func Start(t TB) *Sink {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Listen for a test, stopped by t.Cleanup.
func StartWith(t TB, o Options) *Sink {
	t.Helper()
	s, err := Listen(o)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops the server, ends every connection and releases hung answers.
func (s *Sink) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.srv.Close()
	})
	return err
}

// Port is the listening port on 127.0.0.1.
func (s *Sink) Port() int { return s.port }

// Addr is host:port.
func (s *Sink) Addr() string { return net.JoinHostPort("127.0.0.1", fmt.Sprint(s.port)) }

// ClientTLS returns a client configuration trusting the generated
// certificate (nil for a Plain sink or one given Options.TLS).
func (s *Sink) ClientTLS() *tls.Config {
	if s.client == nil {
		return nil
	}
	return s.client.Clone()
}

// Fail scripts f for the next n times its stage is reached (n < 0: until
// Heal), replacing any earlier script.
func (s *Sink) Fail(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faultLeft = f, n
}

// Heal ends the script: the sink accepts everything again.
func (s *Sink) Heal() { s.Fail(0, Fault{}) }

// Refuse makes every transaction fail with 451 at MAIL until called with
// false.
func (s *Sink) Refuse(on bool) {
	if on {
		s.Fail(-1, refuse451)
		return
	}
	s.Heal()
}

// Refusals counts the answers a Fault gave with a reply code.
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

// Wait blocks until at least n messages have been accepted in all and
// returns them all, or returns what there is with an error when ctx ends.
func (s *Sink) Wait(ctx context.Context, n int) ([]Message, error) {
	err := s.wait(ctx, func() bool { return len(s.all) >= n })
	msgs := s.Messages()
	if err != nil {
		return msgs, fmt.Errorf("smtpsink: %d of %d messages: %w", len(msgs), n, err)
	}
	return msgs, nil
}

// WaitRefusals blocks until a Fault has refused at least n times, and
// returns the count, or the count so far with an error when ctx ends.
func (s *Sink) WaitRefusals(ctx context.Context, n int) (int, error) {
	err := s.wait(ctx, func() bool { return s.refusals >= n })
	got := s.Refusals()
	if err != nil {
		return got, fmt.Errorf("smtpsink: %d of %d refusals: %w", got, n, err)
	}
	return got, nil
}

// wait blocks until cond (called with s.mu held) holds or ctx ends.
func (s *Sink) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// signalLocked wakes every waiter; s.mu must be held.
func (s *Sink) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// take returns the scripted fault for stage, if one applies, and counts it.
func (s *Sink) take(stage Stage) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faultLeft == 0 || s.fault.Stage != stage {
		return Fault{}, false
	}
	if s.faultLeft > 0 {
		s.faultLeft--
	}
	s.signalLocked()
	return s.fault, true
}

// errClosed answers a hung or delayed command when the sink closes.
var errClosed = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "smtpsink: closing"}

// meet plays the scripted fault for stage, if any: nil means answer normally.
func (s *Sink) meet(stage Stage) error {
	f, ok := s.take(stage)
	if !ok {
		return nil
	}
	if err := s.pause(f); err != nil {
		return err
	}
	if f.Code == 0 {
		return nil
	}
	s.countRefusal()
	return &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.EnhancedCode{f.Code / 100, 0, 0}, Message: "smtpsink: scripted failure"}
}

// countRefusal counts one coded answer of a Fault and wakes waiters.
func (s *Sink) countRefusal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals++
	s.signalLocked()
}

// pause waits as f says (Delay, or for ever with Hang), or until Close.
func (s *Sink) pause(f Fault) error {
	var elapsed <-chan time.Time
	switch {
	case f.Hang:
	case f.Delay > 0:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		elapsed = t.C
	default:
		return nil
	}
	select {
	case <-elapsed:
		return nil
	case <-s.done:
		return errClosed
	}
}

func (s *Sink) accept(m Message) {
	s.mu.Lock()
	s.all = append(s.all, m)
	s.signalLocked()
	s.mu.Unlock()
	if s.opts.OnMessage != nil {
		s.opts.OnMessage(m)
	}
	select {
	case s.C <- m:
	default:
	}
}

// faultListener plays AtConnect faults on accepted connections.
type faultListener struct {
	net.Listener
	s *Sink
}

func (l faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		f, ok := l.s.take(AtConnect)
		if !ok {
			return c, nil
		}
		if f.Code == 0 {
			// Slow or silent: the greeting (go-smtp's first write) waits.
			return &lateConn{Conn: c, s: l.s, f: f}, nil
		}
		go l.s.refuseConn(c, f)
	}
}

// refuseConn greets with f's code and hangs up, as a server that refuses
// service does (RFC 5321 §3.1).
func (s *Sink) refuseConn(c net.Conn, f Fault) {
	defer c.Close()
	if s.pause(f) != nil {
		return
	}
	s.countRefusal()
	_ = c.SetWriteDeadline(time.Now().Add(s.opts.Timeout))
	_, _ = fmt.Fprintf(c, "%d localhost smtpsink: scripted failure\r\n", f.Code)
}

// lateConn holds its first write back as its fault says.
type lateConn struct {
	net.Conn
	s     *Sink
	f     Fault
	wrote sync.Once
}

func (c *lateConn) Write(b []byte) (int, error) {
	var err error
	c.wrote.Do(func() { err = c.s.pause(c.f) })
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// session is one connection's transaction state.
type session struct {
	s    *Sink
	user string
	from string
	to   []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	if err := ss.s.meet(AtMail); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.meet(AtRcpt); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("smtpsink: reading DATA: %w", err)
	}
	if err := ss.s.meet(AtData); err != nil {
		return err
	}
	ss.s.accept(Message{From: ss.from, To: append([]string(nil), ss.to...), Data: b, User: ss.user, At: ss.s.opts.Clock.Now()})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }
func (ss *session) Logout() error {
	ss.s.mu.Lock()
	ss.s.open--
	ss.s.mu.Unlock()
	return nil
}

// authSession is a session that offers AUTH (go-smtp advertises AUTH for
// sessions implementing smtp.AuthSession).
type authSession struct{ *session }

func (a authSession) AuthMechanisms() []string { return a.s.opts.Mechanisms }

func (a authSession) Auth(mech string) (sasl.Server, error) {
	if !slices.Contains(a.s.opts.Mechanisms, mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error { return a.login(username, password) }), nil
	case sasl.Login:
		return &loginServer{check: a.login}, nil
	default:
		return nil, smtp.ErrAuthUnknownMechanism
	}
}

func (a authSession) login(username, password string) error {
	if username != a.s.opts.Username || password != a.s.opts.Password {
		return smtp.ErrAuthFailed
	}
	a.user = username
	return nil
}

// loginServer is the server side of AUTH LOGIN (draft-murchison-sasl-login),
// which go-sasl implements for clients only: "Username:", then "Password:".
// The username may come as the initial response, as go-sasl's client sends it.
type loginServer struct {
	check    func(username, password string) error
	username *string
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch {
	case l.username == nil && len(response) == 0:
		return []byte("Username:"), false, nil
	case l.username == nil:
		u := string(response)
		l.username = &u
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(*l.username, string(response))
	}
}
