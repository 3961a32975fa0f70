package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Security modes for Options.Security.
const (
	SecurityTLS      = "tls"
	SecurityStartTLS = "starttls"
	SecurityInsecure = "insecure"
)

// Authentication mechanisms for Options.Auth.
const (
	AuthPassword    = ""            // SASL PLAIN, or LOGIN where PLAIN is not offered
	AuthXOAuth2     = "xoauth2"     // Google/Microsoft style bearer token
	AuthOAuthBearer = "oauthbearer" // RFC 7628
)

// Defaults applied by Options.withDefaults.
const (
	DefaultMaxTextBytes   = 256 << 10
	DefaultMaxHeaderBytes = 128 << 10
	DefaultCommandTimeout = 60 * time.Second
	DefaultIdleRefresh    = 9 * time.Minute
	DefaultKeepAlive      = 4 * time.Minute
	DefaultPollInterval   = 2 * time.Minute
	DefaultInbox          = "INBOX"
	minBackoff            = time.Second
	maxBackoff            = 5 * time.Minute
)

// Options describes one IMAP account and how to watch it.
type Options struct {
	Host     string
	Port     int    // 0: 993 for tls, 143 otherwise
	Security string // "tls" (default) | "starttls" | "insecure" (loopback hosts only)

	Username string
	Auth     string // "" (PLAIN, falling back to LOGIN) | "xoauth2" | "oauthbearer"
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
}

func (o Options) withDefaults() Options {
	if o.Security == "" {
		o.Security = SecurityTLS
	}
	if o.Port == 0 {
		if o.Security == SecurityTLS {
			o.Port = 993
		} else {
			o.Port = 143
		}
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
	switch o.Security {
	case SecurityTLS, SecurityStartTLS:
	case SecurityInsecure:
		if !IsLoopback(o.Host) {
			errs = append(errs, fmt.Errorf("imap security %q is only allowed to a loopback host, not %q", o.Security, o.Host))
		}
	default:
		errs = append(errs, fmt.Errorf("imap security %q: want tls, starttls or insecure", o.Security))
	}
	switch strings.ToLower(o.Auth) {
	case AuthPassword, "plain", "login", AuthXOAuth2, AuthOAuthBearer:
	default:
		errs = append(errs, fmt.Errorf("imap auth %q: want xoauth2, oauthbearer or empty", o.Auth))
	}
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("imap port %d out of range", o.Port))
	}
	return errors.Join(errs...)
}

// IsLoopback reports whether host names the local machine without asking
// DNS: "localhost" or a loopback IP literal. A name that merely resolves to
// 127.0.0.1 does not count, because DNS could be made to lie.
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
