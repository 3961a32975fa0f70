package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/store"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const waitFor = 5 * time.Second

// mailSink is a real go-smtp server on 127.0.0.1 that records messages and
// can be told to refuse with 451.
type mailSink struct {
	addr     string
	port     int
	srv      *smtp.Server
	msgs     chan sinkMsg
	refusals chan struct{}
	refuse   atomic.Bool
	user     string // when set, AUTH PLAIN with user/pass is required
	pass     string
}

type sinkMsg struct {
	from string
	to   []string
	data string
}

func newMailSink(t *testing.T, tlsCfg *tls.Config, implicitTLS bool, user, pass string) *mailSink {
	t.Helper()
	ms := &mailSink{msgs: make(chan sinkMsg, 100), refusals: make(chan struct{}, 1000), user: user, pass: pass}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{ms: ms}, nil
	}))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.TLSConfig = tlsCfg
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.AllowInsecureAuth = tlsCfg == nil
	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = l.Addr().String()
	ms.port = l.Addr().(*net.TCPAddr).Port
	if implicitTLS {
		l = tls.NewListener(l, tlsCfg)
	}
	go s.Serve(l)
	ms.srv = s
	t.Cleanup(func() { s.Close() })
	return ms
}

type sinkSession struct {
	ms     *mailSink
	authed bool
	from   string
	to     []string
}

func (s *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.ms.user || password != s.ms.pass {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.ms.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ms.refuse.Load() {
		s.ms.refusals <- struct{}{}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.ms.msgs <- sinkMsg{from: s.from, to: s.to, data: string(b)}
	return nil
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }

func (ms *mailSink) config() SMTPConfig {
	return SMTPConfig{Host: "127.0.0.1", Port: ms.port, Security: netpolicy.Insecure, Timeout: 5 * time.Second}
}

// hookSink is an httptest server recording webhook requests.
type hookSink struct {
	srv    *httptest.Server
	reqs   chan hookReq
	status atomic.Int32
}

type hookReq struct {
	header http.Header
	body   string
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{reqs: make(chan hookReq, 100)}
	h.status.Store(200)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		st := int(h.status.Load())
		if st < 300 {
			h.reqs <- hookReq{header: r.Header.Clone(), body: string(b)}
		}
		w.WriteHeader(st)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func recvMail(t *testing.T, ms *mailSink) sinkMsg {
	t.Helper()
	select {
	case m := <-ms.msgs:
		return m
	case <-time.After(waitFor):
		t.Fatal("no mail within", waitFor)
	}
	return sinkMsg{}
}

func recvHook(t *testing.T, h *hookSink) hookReq {
	t.Helper()
	select {
	case r := <-h.reqs:
		return r
	case <-time.After(waitFor):
		t.Fatal("no webhook request within", waitFor)
	}
	return hookReq{}
}

// expectNone fails if anything arrives on c within a short grace period
// (used only for negative checks, after the positive ones completed).
func expectNone[T any](t *testing.T, c <-chan T, what string) {
	t.Helper()
	select {
	case v := <-c:
		t.Errorf("unexpected %s: %+v", what, v)
	case <-time.After(300 * time.Millisecond):
	}
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("webhook body is not JSON: %v: %q", err, s)
	}
	return m
}

func openStoreErr(dir string) (*store.Store, error) {
	return store.Open(dir, store.Options{LockTimeout: 3 * time.Second})
}

func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := openStoreErr(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// runDispatcher starts d.Run and returns a stop function that waits for it.
func runDispatcher(t *testing.T, d *Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		d.Run(ctx)
		close(done)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitFor):
				t.Error("dispatcher did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func fastOpts(log *slog.Logger) DispatcherOptions {
	return DispatcherOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, SendTimeout: 5 * time.Second, Logger: log}
}

// observed adds an Observe hook that reports every attempt on the returned
// channel (the signal that the outcome is committed to the store).
func observed(o DispatcherOptions) (DispatcherOptions, chan Result) {
	c := make(chan Result, 100)
	o.Observe = func(r Result) { c <- r }
	return o, c
}

func recvResult(t *testing.T, c chan Result) Result {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(waitFor):
		t.Fatal("no delivery attempt reported within", waitFor)
	}
	return Result{}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// logCapture is a slog.Handler that keeps every record for inspection and
// signals error-level ones.
type logCapture struct {
	mu     sync.Mutex
	lines  []string
	errors chan string
}

func newLogCapture() *logCapture { return &logCapture{errors: make(chan string, 100)} }

func (l *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCapture) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCapture) WithGroup(string) slog.Handler            { return l }
func (l *logCapture) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	if r.Level >= slog.LevelError {
		select {
		case l.errors <- b.String():
		default:
		}
	}
	return nil
}

func (l *logCapture) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// selfSigned returns a server TLS config for 127.0.0.1 and a client pool
// trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "boundaryd test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
