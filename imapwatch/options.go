package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

// The security modes of Options.Security, which is the program's one
// netpolicy.Security: these are its constants, named here for callers.
const (
	SecurityTLS      = netpolicy.TLS
	SecurityStartTLS = netpolicy.StartTLS
	SecurityInsecure = netpolicy.Insecure
)

// Auth is how a session logs in.
type Auth string

// The login mechanisms for Options.Auth.
const (
	// AuthPlain (the default) is AUTHENTICATE PLAIN, or the LOGIN command
	// where the server does not offer AUTH=PLAIN.
	AuthPlain Auth = "plain"
	// AuthLogin is the LOGIN command, never AUTHENTICATE.
	AuthLogin Auth = "login"
	// AuthXOAuth2 is SASL XOAUTH2 (Google, Microsoft) with a bearer token.
	AuthXOAuth2 Auth = "xoauth2"
	// AuthOAuthBearer is SASL OAUTHBEARER (RFC 7628) with a bearer token.
	AuthOAuthBearer Auth = "oauthbearer"
)

// Defaults applied by Options.withDefaults.
const (
	DefaultMaxTextBytes   = 256 << 10
	DefaultMaxHeaderBytes = 128 << 10
	DefaultCommandTimeout = 60 * time.Second
	DefaultIdleRefresh    = 9 * time.Minute
	DefaultKeepAlive      = 4 * time.Minute
	DefaultPollInterval   = 2 * time.Minute
	DefaultProgressEvery  = time.Minute
	DefaultInbox          = "INBOX"
	minBackoff            = time.Second
	maxBackoff            = 5 * time.Minute
)

// Options describes one IMAP account and how to watch it.
type Options struct {
	Host     string
	Port     int                // 0: the mode's IMAP port (993 for tls, 143 otherwise)
	Security netpolicy.Security // default tls; insecure to a loopback host only

	Username string
	Auth     Auth // default AuthPlain
	// Password returns the password or token. It is called at each login so
	// rotating tokens and edited password files take effect on reconnect.
	Password func(ctx context.Context) (string, error)

	TLSConfig *tls.Config // nil: system roots, ServerName = Host

	Inbox      string // default "INBOX"
	HoldFolder string // created by Run when missing (may be empty)

	PollInterval   time.Duration // without IDLE; default 2m
	MaxTextBytes   int64         // per text part; default 256 KiB
	MaxHeaderBytes int64         // of each message's header (longer ones are cut and say so); default 128 KiB
	CommandTimeout time.Duration // every command and the login; default 60s
	IdleRefresh    time.Duration // IDLE is restarted this often to prove the link alive; default 9m
	KeepAlive      time.Duration // NOOP interval while polling; default 4m

	// MinBackoff and MaxBackoff bound Run's reconnection delay (default
	// 1s and 5m); tests shorten them.
	MinBackoff, MaxBackoff time.Duration

	Logger *slog.Logger

	// OnDisconnect, when set, is called by Run each time a session ends
	// with an error, before the reconnection delay (metrics, health).
	OnDisconnect func(err error)

	// Progress, when set, is called on the watching goroutine each time it
	// shows it is not stuck: a command of its session answered, a
	// reconnection attempt begun or ended, and at least every ProgressEvery
	// while it waits (IDLE, polling, the reconnection delay). A supervisor
	// that stops hearing it (systemd's watchdog) knows the watch is wedged.
	// The longest silence of a healthy watch is about 3×CommandTimeout (a
	// connection attempt to a silent server: connect, then greeting, TLS
	// and login) plus the handler's own work between two commands.
	Progress func()
	// ProgressEvery bounds the silence of Progress while waiting; default 1m.
	ProgressEvery time.Duration
	// OnHoldFolder, when set, is called by Run after it made sure the hold
	// folder exists at the start of a session: err is nil when it does, the
	// server's refusal otherwise (health).
	OnHoldFolder func(err error)
	// Wake, when set, ends a Wait early with EventRefresh each time a value
	// arrives: the caller's own deadline (a page's repeat time, measured on
	// its clock) makes the watch run its handler then, as news would.
	Wake <-chan struct{}
}

func (o Options) withDefaults() Options {
	if o.Security == "" {
		o.Security = netpolicy.DefaultIMAPSecurity
	}
	if o.Port == 0 {
		o.Port = o.Security.IMAPPort()
	}
	if o.Auth == "" {
		o.Auth = AuthPlain
	}
	if o.Inbox == "" {
		o.Inbox = DefaultInbox
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.IdleRefresh <= 0 {
		o.IdleRefresh = DefaultIdleRefresh
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = minBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = maxBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Validate reports configuration errors that no retry can fix.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	if o.Host == "" {
		errs = append(errs, errors.New("imap host is empty"))
	}
	if o.Username == "" {
		errs = append(errs, errors.New("imap username is empty"))
	}
	if o.Password == nil {
		errs = append(errs, errors.New("imap password source is missing"))
	}
	if err := netpolicy.Check(o.Security, o.Host); err != nil {
		errs = append(errs, fmt.Errorf("imap: %w", err)) // ErrInsecure for plaintext
	}
	switch o.Auth {
	case AuthPlain, AuthLogin, AuthXOAuth2, AuthOAuthBearer:
	default:
		errs = append(errs, fmt.Errorf("imap auth %q: want plain, login, xoauth2 or oauthbearer", o.Auth))
	}
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("imap port %d out of range", o.Port))
	}
	return errors.Join(errs...)
}
