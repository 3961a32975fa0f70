package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

// Capabilities are what the server allows this session to do.
type Capabilities struct {
	IDLE    bool
	Move    bool
	UIDPlus bool
	// Keywords is true when the selected inbox accepts new keywords such as
	// $Emergency (PERMANENTFLAGS contains \*). Known after SelectInbox.
	Keywords bool
	// All lists every capability the server announced, for diagnostics.
	All []string
}

// MailboxState is what SELECT reported for a mailbox.
type MailboxState struct {
	Name        string
	UIDValidity uint32
	UIDNext     uint32
	NumMessages uint32
}

// Session is one logged-in IMAP connection. Its methods must be called from
// one goroutine at a time (IMAP is a conversation), except Close.
type Session struct {
	opts Options
	log  *slog.Logger
	raw  net.Conn
	c    *imapclient.Client
	// budget is raw's read budget (see budget.go).
	budget *budgetConn

	// events carries unilateral server news from the client's reader
	// goroutine; sends never block because calling back into the client
	// from there deadlocks.
	events chan Event

	mu       sync.Mutex
	caps     Capabilities
	delim    rune
	personal string // personal namespace prefix, "" or e.g. "INBOX."
	selected MailboxState
	// greet records the server's greeting line (serverinfo.go).
	greet *greetingRecorder

	aborted atomic.Bool
}

// Dial connects, secures and logs in. It does not select a mailbox.
func Dial(ctx context.Context, opts Options) (*Session, error) {
	// Validate refuses plaintext to anything but this machine before any
	// connection exists; the dialer then reaches "localhost" at a loopback
	// address, never through a resolver.
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	addr := netpolicy.Addr(opts.Host, opts.Port)
	log := opts.Logger.With("imap_server", addr)

	d := netpolicy.Dialer{Dialer: net.Dialer{Timeout: opts.CommandTimeout, KeepAlive: 30 * time.Second}}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	s := newSession(opts, log, raw)
	if err := s.setup(ctx); err != nil {
		s.abort()
		return nil, err
	}
	return s, nil
}

// newSession wraps the dialled connection in its read budget: everything
// TLS and go-imap read from the server is counted per command.
func newSession(opts Options, log *slog.Logger, conn net.Conn) *Session {
	b := newBudgetConn(conn)
	return &Session{opts: opts, log: log, raw: b, budget: b, events: make(chan Event, 16), delim: '/', greet: &greetingRecorder{}}
}

func (s *Session) clientOptions() *imapclient.Options {
	return &imapclient.Options{
		// DebugWriter stays nil: it would log credentials.
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Expunge: func(uint32) { s.notify(Event{Kind: EventExpunge}) },
			// A FETCH nobody asked for tells of flags changed by another
			// client (read, unflagged): the watcher checks its open pages.
			Fetch: func(m *imapclient.FetchMessageData) {
				_, _ = m.Collect()
				s.notify(Event{Kind: EventFlags})
			},
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					s.notify(Event{Kind: EventNewMail, NumMessages: *data.NumMessages})
				}
			},
		},
	}
}

// notify runs on the client's reader goroutine: it must never block nor
// call the client.
func (s *Session) notify(ev Event) {
	select {
	case s.events <- ev:
	default: // a pending event already makes the watcher rescan
	}
}

func (s *Session) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.opts.TLSConfig != nil {
		cfg = s.opts.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = strings.Trim(s.opts.Host, "[]")
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// setup runs the greeting, TLS and login under one watchdog.
func (s *Session) setup(ctx context.Context) error {
	err := s.guard(ctx, 2*s.opts.CommandTimeout, "imap login", func() error {
		copts := s.clientOptions()
		switch s.opts.Security {
		case SecurityTLS:
			tc := tls.Client(s.raw, s.tlsConfig())
			if err := tc.HandshakeContext(ctx); err != nil {
				return fmt.Errorf("tls handshake: %w", err)
			}
			s.c = imapclient.New(s.greet.wrap(tc), copts)
		case SecurityStartTLS:
			copts.TLSConfig = s.tlsConfig()
			c, err := imapclient.NewStartTLS(s.greet.wrap(s.raw), copts)
			if err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
			s.c = c
		case SecurityInsecure:
			s.c = imapclient.New(s.greet.wrap(s.raw), copts)
		default:
			return fmt.Errorf("imap security %q: want tls, starttls or insecure", s.opts.Security)
		}
		if err := s.c.WaitGreeting(); err != nil {
			return fmt.Errorf("greeting: %w", err)
		}
		return s.login(ctx)
	})
	if err != nil {
		return err
	}
	if err := s.readCaps(ctx); err != nil {
		return err
	}
	return s.readNamespace(ctx)
}

func (s *Session) login(ctx context.Context) error {
	if s.c.State() == imap.ConnStateAuthenticated {
		return nil // PREAUTH (only possible over TLS or loopback)
	}
	secret, err := s.opts.Password(ctx)
	if err != nil {
		return fmt.Errorf("%w: reading the password source: %v", ErrAuth, err)
	}
	caps := s.c.Caps()
	loginCommand := func() error {
		if caps.Has(imap.CapLoginDisabled) {
			return fmt.Errorf("%w: the server refuses the LOGIN command (LOGINDISABLED)", ErrAuth)
		}
		return s.c.Login(s.opts.Username, secret).Wait()
	}
	var authErr error
	switch s.opts.Auth {
	case AuthPlain:
		if caps.Has(imap.AuthCap(sasl.Plain)) {
			authErr = s.c.Authenticate(sasl.NewPlainClient("", s.opts.Username, secret))
		} else {
			s.log.Debug("server offers no AUTH=PLAIN; logging in with the LOGIN command")
			authErr = loginCommand()
		}
	case AuthLogin:
		authErr = loginCommand()
	case AuthXOAuth2:
		authErr = s.c.Authenticate(newXOAuth2Client(s.opts.Username, secret))
	case AuthOAuthBearer:
		authErr = s.c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
			Username: s.opts.Username, Token: secret, Host: s.opts.Host, Port: s.opts.Port,
		}))
	default:
		return fmt.Errorf("imap auth %q: want plain, login, xoauth2 or oauthbearer", s.opts.Auth)
	}
	if errors.Is(authErr, ErrAuth) {
		return authErr
	}
	if authErr != nil {
		// A tagged NO is a refusal unless the server says it is temporary.
		var bearerErr *sasl.OAuthBearerError
		if errors.As(authErr, &bearerErr) || (isNo(authErr) && responseCode(authErr) != imap.ResponseCodeUnavailable) {
			return fmt.Errorf("%w for %s: %v", ErrAuth, s.opts.Username, authErr)
		}
		return fmt.Errorf("authenticate: %w", authErr)
	}
	return nil
}

// readCaps records the post-login capabilities and the hierarchy delimiter.
func (s *Session) readCaps(ctx context.Context) error {
	return s.guard(ctx, s.opts.CommandTimeout, "imap capability", func() error {
		set := s.c.Caps()
		if set == nil {
			return errors.New("no capability list")
		}
		var caps Capabilities
		caps.IDLE = set.Has(imap.CapIdle)
		caps.Move = set.Has(imap.CapMove)
		caps.UIDPlus = set.Has(imap.CapUIDPlus)
		for c := range set {
			caps.All = append(caps.All, string(c))
		}
		delim := '/'
		list, err := s.c.List("", "", nil).Collect()
		if err != nil {
			return fmt.Errorf("list delimiter: %w", err)
		}
		if len(list) > 0 {
			delim = list[0].Delim
		}
		s.mu.Lock()
		s.caps = caps
		s.delim = delim
		s.mu.Unlock()
		return nil
	})
}

// Caps returns the server's capabilities as seen by this session.
func (s *Session) Caps() Capabilities {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.caps
	c.All = append([]string(nil), c.All...)
	return c
}

// Selected returns the state of the last SELECT.
func (s *Session) Selected() MailboxState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.selected
}

// Options returns the session's options with defaults applied.
func (s *Session) Options() Options { return s.opts }

// guard runs fn, closing the connection if it outlasts timeout or ctx: the
// only way to release a go-imap command stuck on a silent server.
func (s *Session) guard(ctx context.Context, timeout time.Duration, what string, fn func() error) error {
	if s.aborted.Load() {
		return fmt.Errorf("%s: %w", what, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.limitReads(what, defaultReadBudget)
	var fired atomic.Int32 // 1: timeout, 2: context
	timer := time.AfterFunc(timeout, func() {
		if fired.CompareAndSwap(0, 1) {
			s.abort()
		}
	})
	stop := context.AfterFunc(ctx, func() {
		if fired.CompareAndSwap(0, 2) {
			s.abort()
		}
	})
	err := fn()
	timer.Stop()
	stop()
	if err == nil {
		s.opts.progress()
		return nil
	}
	if rerr := s.readFailure(); rerr != nil {
		return fmt.Errorf("%s: %w", what, rerr)
	}
	switch fired.Load() {
	case 1:
		return fmt.Errorf("%s: %w after %v", what, ErrTimeout, timeout)
	case 2:
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	err = brief(err)
	if s.aborted.Load() && !isNo(err) {
		return fmt.Errorf("%s: %w: %v", what, ErrClosed, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// cmd runs fn under the standard command timeout.
func (s *Session) cmd(ctx context.Context, what string, fn func() error) error {
	return s.guard(ctx, s.opts.CommandTimeout, what, fn)
}

// abort closes the socket at once; pending commands fail.
func (s *Session) abort() {
	s.aborted.Store(true)
	_ = s.raw.Close()
}

// Alive reports whether the connection is still open as far as is known.
func (s *Session) Alive() bool {
	if s.aborted.Load() {
		return false
	}
	select {
	case <-s.c.Closed():
		return false
	default:
		return true
	}
}

// Close logs out politely (bounded) and closes the connection.
func (s *Session) Close() error {
	if s.c != nil && !s.aborted.Load() {
		// Short bound: a shutdown must finish within seconds even when the
		// server has gone silent.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.guard(ctx, time.Second, "imap logout", func() error { return s.c.Logout().Wait() })
		cancel()
	}
	s.abort()
	if s.c != nil {
		// The reader normally ends as soon as the socket closes; the bound
		// guards against a reader stuck handing data to nobody.
		select {
		case <-s.c.Closed():
		case <-time.After(time.Second):
			s.log.Error("imap client reader did not stop after close")
		}
	}
	return nil
}

// Noop sends NOOP, which also collects pending mailbox news.
func (s *Session) Noop(ctx context.Context) error {
	return s.cmd(ctx, "imap noop", func() error { return s.c.Noop().Wait() })
}

// serverName is MailboxName (mailbox.go).
func (s *Session) serverName(name string) string { return s.MailboxName(name) }
