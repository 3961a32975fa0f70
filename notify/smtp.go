package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/tlspin"
)

// SMTPConfig describes a submission server. It is shared by alerts and the
// daemon's auto-replies.
type SMTPConfig struct {
	Host     string
	Port     int                // default: the mode's SMTP port (465 tls, 587 starttls, 25 insecure)
	Security netpolicy.Security // default netpolicy.DefaultSMTPSecurity; insecure to a loopback host only
	// Username enables AUTH (PLAIN, else LOGIN); empty means no AUTH (local relay).
	Username string
	// Password is called at every send, so a rotated secret is picked up.
	Password func(ctx context.Context) (string, error)
	// TLS is an optional base configuration (e.g. RootCAs); ServerName is
	// always set to Host and verification is never disabled.
	TLS *tls.Config
	// TLSPin, when set, replaces the CA chain and host name check by the
	// pinned certificate's fingerprint (smtp.tls_pin): that certificate or
	// the handshake fails.
	TLSPin tlspin.Pin
	// Timeout bounds the dial and each SMTP command (default 30s). When ctx
	// has no deadline, the whole transaction is bounded by 6×Timeout.
	Timeout time.Duration
	// LocalName is the EHLO name (default "localhost").
	LocalName string
}

func (c SMTPConfig) security() netpolicy.Security {
	if c.Security == "" {
		return netpolicy.DefaultSMTPSecurity
	}
	return c.Security
}

func (c SMTPConfig) port() int {
	if c.Port != 0 {
		return c.Port
	}
	return c.security().SMTPPort()
}

func (c SMTPConfig) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 30 * time.Second
}

// Addr is host:port.
func (c SMTPConfig) Addr() string { return netpolicy.Addr(c.Host, c.port()) }

// Validate checks the configuration without connecting. Plaintext is refused
// for any host that is not this machine by netpolicy's rule (the error wraps
// netpolicy.ErrPlaintext): credentials and patient names would cross the
// network in clear.
func (c SMTPConfig) Validate() error {
	if c.Host == "" {
		return errors.New("smtp: host is empty")
	}
	if err := netpolicy.Check(c.security(), c.Host); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if c.Username != "" && c.Password == nil {
		return errors.New("smtp: username set without a password source")
	}
	return nil
}

func (c SMTPConfig) tlsConfig() *tls.Config {
	var t *tls.Config
	if c.TLS != nil {
		t = c.TLS.Clone()
	} else {
		t = &tls.Config{}
	}
	t.ServerName = strings.Trim(c.Host, "[]")
	t.InsecureSkipVerify = false
	if t.MinVersion < tls.VersionTLS12 {
		t.MinVersion = tls.VersionTLS12
	}
	return c.TLSPin.Config(t)
}

// SendMail submits msg (a complete RFC 5322 message with CRLF line ends) to
// the envelope recipients. It returns nil only when the server answered 250
// to the end of DATA. An empty from sends the null reverse-path "<>".
func SendMail(ctx context.Context, cfg SMTPConfig, from string, to []string, msg []byte) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if len(to) == 0 {
		return errors.New("smtp: no recipients")
	}
	step := cfg.timeout()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 6*step)
		defer cancel()
	}
	addr := cfg.Addr()
	c, cleanup, err := dialSMTP(ctx, cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := c.Mail(from, nil); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, ctxErr(ctx, err))
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO: %w", addr, ctxErr(ctx, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, ctxErr(ctx, err))
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: write message: %w", addr, ctxErr(ctx, err))
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: end of DATA: %w", addr, ctxErr(ctx, err))
	}
	// The message is accepted; a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// dialSMTP connects, secures, greets and authenticates. cleanup closes
// everything; ctx ending closes the socket so every blocked step returns.
func dialSMTP(ctx context.Context, cfg SMTPConfig) (c *smtp.Client, cleanup func(), err error) {
	step := cfg.timeout()
	addr := cfg.Addr()
	// Validate ran first; the dialer reaches "localhost" at a loopback
	// address, never through a resolver.
	d := netpolicy.Dialer{Dialer: net.Dialer{Timeout: step}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("smtp %s: dial: %w", addr, err)
	}
	// go-smtp manages its own per-command deadlines; closing the socket is
	// the one way to make every blocked step return when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(err error) (*smtp.Client, func(), error) {
		stop()
		if c != nil {
			c.Close()
		}
		conn.Close()
		return nil, nil, err
	}
	switch cfg.security() {
	case netpolicy.TLS:
		tc := tls.Client(conn, cfg.tlsConfig())
		hctx, cancel := context.WithTimeout(ctx, step)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return fail(fmt.Errorf("smtp %s: TLS handshake: %w", addr, ctxErr(ctx, err)))
		}
		c = smtp.NewClient(tc)
	case netpolicy.StartTLS:
		c, err = smtp.NewClientStartTLS(conn, cfg.tlsConfig())
		if err != nil {
			return fail(fmt.Errorf("smtp %s: STARTTLS: %w", addr, ctxErr(ctx, err)))
		}
	case netpolicy.Insecure:
		c = smtp.NewClient(conn)
	default:
		return fail(fmt.Errorf("smtp %s: unknown security %q", addr, cfg.security()))
	}
	c.CommandTimeout = step
	c.SubmissionTimeout = 2 * step
	// EHLO now in every mode: after STARTTLS it is the first command over
	// TLS, so a refused certificate (or pin) fails here under its own name
	// instead of surfacing later as "no AUTH offered".
	name := cfg.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		what := "EHLO"
		if cfg.security() == netpolicy.StartTLS {
			what = "STARTTLS handshake"
		}
		return fail(fmt.Errorf("smtp %s: %s: %w", addr, what, ctxErr(ctx, err)))
	}
	if cfg.Username != "" {
		if err := authenticate(ctx, c, cfg); err != nil {
			return fail(fmt.Errorf("smtp %s: %w", addr, ctxErr(ctx, err)))
		}
	}
	return c, func() {
		stop()
		c.Close()
		conn.Close()
	}, nil
}

// Probe logs in to the server (when a username is configured) and quits
// without sending anything: `boundaryd check --connect` uses it.
func Probe(ctx context.Context, cfg SMTPConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 3*cfg.timeout())
		defer cancel()
	}
	c, cleanup, err := dialSMTP(ctx, cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	_ = c.Quit()
	return nil
}

func authenticate(ctx context.Context, c *smtp.Client, cfg SMTPConfig) error {
	pw, err := cfg.Password(ctx)
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}
	var mech sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		mech = sasl.NewPlainClient("", cfg.Username, pw)
	case c.SupportsAuth(sasl.Login):
		mech = sasl.NewLoginClient(cfg.Username, pw)
	default:
		return errors.New("AUTH: server offers neither PLAIN nor LOGIN")
	}
	if err := c.Auth(mech); err != nil {
		return fmt.Errorf("AUTH: %w", err)
	}
	return nil
}

// ctxErr prefers the context's reason over the "use of closed connection"
// that cancellation produces.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// SMTPChannelConfig configures an SMTP alert channel.
type SMTPChannelConfig struct {
	Name     string // stable, e.g. "smtp:0"; used for de-duplication
	Server   SMTPConfig
	From     string   // header and envelope sender, e.g. "Cabinet <dr@example.org>"
	To       []string // envelope and header recipients (bare addresses)
	Location *time.Location
	Clock    clock.Clock // dates the alert mail (default clock.System())
	// Levels are the levels the channel takes (default: LevelPage only, an
	// SMS for emergencies).
	Levels []Level
}

// SMTP is an alert channel that mails the alert (e.g. to an SMS gateway).
type SMTP struct {
	cfg  SMTPChannelConfig
	from *netmail.Address
	to   []*mail.Address
}

// NewSMTP validates cfg and returns the channel.
func NewSMTP(cfg SMTPChannelConfig) (*SMTP, error) {
	if cfg.Name == "" {
		return nil, errors.New("smtp alert: empty channel name")
	}
	if err := cfg.Server.Validate(); err != nil {
		return nil, fmt.Errorf("smtp alert %s: %w", cfg.Name, err)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp alert %s: from %q: %w", cfg.Name, cfg.From, err)
	}
	if len(cfg.To) == 0 {
		return nil, fmt.Errorf("smtp alert %s: no recipients", cfg.Name)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System()
	}
	levels, err := checkLevels(cfg.Levels, []Level{LevelPage})
	if err != nil {
		return nil, fmt.Errorf("smtp alert %s: %w", cfg.Name, err)
	}
	cfg.Levels = levels
	ch := &SMTP{cfg: cfg, from: from}
	for _, t := range cfg.To {
		a, err := netmail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("smtp alert %s: recipient %q: %w", cfg.Name, t, err)
		}
		ch.to = append(ch.to, &mail.Address{Name: a.Name, Address: a.Address})
	}
	return ch, nil
}

// Name is the channel's stable name.
func (c *SMTP) Name() string { return c.cfg.Name }

// Levels are the levels the channel takes.
func (c *SMTP) Levels() []Level { return c.cfg.Levels }

// Send mails the alert and returns nil only when the server accepted it.
// A 5xx answer (unknown recipient, login refused) is Permanent; 4xx and
// network errors are worth retrying.
func (c *SMTP) Send(ctx context.Context, a Alert) error {
	msg, err := c.Message(a)
	if err != nil {
		return err
	}
	rcpts := make([]string, len(c.to))
	for i, t := range c.to {
		rcpts[i] = t.Address
	}
	err = SendMail(ctx, c.cfg.Server, c.from.Address, rcpts, msg)
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 && se.Code <= 599 {
		return Permanent(err)
	}
	return err
}

// Message builds the alert mail. Its Message-ID depends only on the alert
// key, so a retried alert can be recognised as the same one by the receiver.
func (c *SMTP) Message(a Alert) ([]byte, error) {
	a = a.normal()
	var h mail.Header
	h.SetDate(c.cfg.Clock.Now())
	h.SetAddressList("From", []*mail.Address{{Name: c.from.Name, Address: c.from.Address}})
	h.SetAddressList("To", c.to)
	h.SetSubject(a.Title())
	// Each repeat is a message of its own: a receiver that drops a second
	// copy of a Message-ID must not drop the repeat.
	h.SetMessageID(alertMessageID(a.DeliveryID(), c.from.Address))
	h.Set("X-Boundary-Kind", "alert")
	h.Set("X-Boundary-Level", string(a.Level))
	h.Set("Auto-Submitted", "auto-generated")
	if a.Level == LevelPage {
		h.Set("Importance", "high")
		h.Set("X-Priority", "1")
	} else {
		h.Set("Importance", "normal")
		h.Set("X-Priority", "3")
	}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("smtp alert: build header: %w", err)
	}
	text := strings.ReplaceAll(a.Text(c.cfg.Location), "\n", "\r\n")
	if _, err := w.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("smtp alert: build body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("smtp alert: build body: %w", err)
	}
	return buf.Bytes(), nil
}

// alertMessageID is the Message-ID of the alert whose DeliveryID is id.
func alertMessageID(id, from string) string {
	domain := "boundaryd.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "alert." + id + "@" + domain
}
