// Package daemon wires boundaryd together: it watches the inbox through
// imapwatch, classifies each new message, holds, escalates or passes it,
// records what it did in the store and queues alerts for notify. The order
// of every step is chosen so that a crash at any instant loses no mail and
// no alert: the alert is queued before the message is flagged, an action is
// announced in the store before it is taken and confirmed after.
package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/schedule"
	"github.com/boundaryd/boundaryd/store"
)

// Options are what tests and the command line may change beside the
// configuration.
type Options struct {
	Logger *slog.Logger
	// IMAPTLS and SMTPTLS are base TLS configurations (e.g. a test CA).
	IMAPTLS, SMTPTLS *tls.Config
	// MinBackoff/MaxBackoff bound IMAP reconnection and alert retries
	// (defaults 1s..5m for IMAP, 2s..5m for alerts); tests shorten them.
	MinBackoff, MaxBackoff time.Duration
	// CommandTimeout bounds each IMAP command (default 60s).
	CommandTimeout time.Duration
	// BatchSize is how many messages are fetched per round trip (default 50).
	BatchSize int
	// OnHandled, when set, is called after each message is handled (tests, metrics).
	OnHandled func(Handled)
	// OnWindow, when set, is called after each reading window delivery.
	OnWindow func(WindowResult)
	// Clock is the one time source: reading windows, acknowledgements,
	// alert retries (default: the system clock). The store passed to New
	// must be opened with the same clock.
	Clock clock.Clock
	// Metrics, when set, is kept up to date for /metrics and /healthz.
	Metrics *health.Metrics
	// OnReady, when set, is called once, when the first session is logged
	// in and the inbox's starting point is recorded (systemd readiness).
	OnReady func()
}

// Handled describes one message the daemon dealt with.
type Handled struct {
	UID      uint32
	Identity string
	Verdict  string
	Action   store.Action
	Rules    []string
	Err      error
	// AckQueued says an acknowledgement is being sent to the sender.
	AckQueued bool
}

// Daemon is one running boundaryd.
type Daemon struct {
	cfg     *config.Config
	opts    Options
	log     *slog.Logger
	cl      *classify.Classifier
	st      *store.Store
	disp    *notify.Dispatcher
	self    map[string]bool
	clock   clock.Clock
	windows *schedule.Windows
	// mu guards the state decisions the inbox pass and a window delivery
	// both make about the same messages: which inbox messages to act on
	// (their records read, the in-flight ones written), the confirmation
	// of what was done, the settling of interrupted actions, and which held
	// messages a window releases. Only store reads and writes happen under
	// it, never network I/O, so a page arriving during a long release is
	// classified, alerted and flagged at once; and a release never
	// interleaves with a decision about the same message.
	mu sync.Mutex
	// delivering serialises window deliveries with each other (the reading
	// window and `digest --now` would list and release the same held mail).
	// It is held across a whole delivery; the inbox pass never takes it.
	delivering sync.Mutex
	// acks counts acknowledgements being sent.
	acks  sync.WaitGroup
	ready sync.Once
	// batch is the current fetch batch size: halved after a failed fetch
	// (a flaky link that always breaks mid-batch must still make
	// progress), doubled back after each success.
	batch int
	// session is the IMAP session of the last pass, to know a new one.
	// batch and session belong to the inbox pass: imapwatch calls sync
	// from one goroutine.
	session *imapwatch.Session
	// releaseHook, when set (tests), is called after each chunk of a
	// release is back in the inbox, with the count so far and the total.
	releaseHook func(done, total int)
}

// New builds a daemon on an open store. The caller owns the store.
func New(cfg *config.Config, st *store.Store, opts Options) (*Daemon, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50
	}
	cl, err := classify.New(cfg.ClassifyOptions())
	if err != nil {
		return nil, fmt.Errorf("emergency rules: %w", err)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System()
	}
	d := &Daemon{cfg: cfg, opts: opts, log: opts.Logger, cl: cl, st: st, self: selfAddresses(cfg), clock: opts.Clock, batch: opts.BatchSize}
	var pauses []schedule.Pause
	for _, p := range cfg.ReadingWindows.Pauses {
		from, err1 := schedule.ParseDate(p.From)
		to, err2 := schedule.ParseDate(p.To)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("reading_windows.pauses: %w", err)
		}
		pauses = append(pauses, schedule.Pause{From: from, To: to})
	}
	d.windows, err = schedule.New(cfg.ReadingWindows.Schedule, cfg.Location, pauses)
	if err != nil {
		return nil, fmt.Errorf("reading_windows: %w", err)
	}
	channels, err := d.channels()
	if err != nil {
		return nil, err
	}
	dopts := notify.DispatcherOptions{
		MinBackoff: opts.MinBackoff * 2,
		MaxBackoff: opts.MaxBackoff,
		Logger:     d.log,
		Clock:      d.clock,
	}
	if m := opts.Metrics; m != nil {
		dopts.Observe = func(r notify.Result) { m.AlertResult(r.Channel, r.Err == nil, r.Latency) }
	}
	d.disp, err = notify.NewDispatcher(st, channels, dopts)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return d, nil
}

// Windows exposes the compiled reading windows.
func (d *Daemon) Windows() *schedule.Windows { return d.windows }

// Dispatcher exposes the alert dispatcher (health, tests).
func (d *Daemon) Dispatcher() *notify.Dispatcher { return d.disp }

func selfAddresses(cfg *config.Config) map[string]bool {
	self := map[string]bool{}
	add := func(s string) {
		if a, err := mail.ParseAddress(s); err == nil {
			self[strings.ToLower(a.Address)] = true
		} else if strings.Contains(s, "@") {
			self[strings.ToLower(strings.TrimSpace(s))] = true
		}
	}
	add(cfg.IMAP.Username)
	if cfg.SMTP != nil {
		add(cfg.SMTP.From)
		add(cfg.SMTP.Username)
	}
	for _, s := range cfg.Senders.Self {
		add(s)
	}
	return self
}

func (d *Daemon) smtpConfig() notify.SMTPConfig { return SMTPConfigFor(d.cfg, d.opts) }

// SMTPConfigFor maps the configuration's smtp section for notify.
func SMTPConfigFor(cfg *config.Config, opts Options) notify.SMTPConfig {
	s := cfg.SMTP
	return notify.SMTPConfig{
		Host:     s.Host,
		Port:     s.Port,
		Security: notify.Security(s.Security),
		Username: s.Username,
		Password: s.Secret.Func(),
		TLS:      opts.SMTPTLS,
	}
}

func (d *Daemon) channels() ([]notify.Channel, error) {
	var out []notify.Channel
	for _, a := range d.cfg.Emergency.Alerts {
		switch a.Type {
		case "smtp":
			ch, err := notify.NewSMTP(notify.SMTPChannelConfig{
				Name:     a.Name,
				Server:   d.smtpConfig(),
				From:     d.cfg.SMTP.From,
				To:       a.To,
				Location: d.cfg.Location,
				Clock:    d.clock,
			})
			if err != nil {
				return nil, err
			}
			out = append(out, ch)
		case "webhook":
			wc := notify.WebhookConfig{Name: a.Name, URL: a.URL, Format: a.Format, Location: d.cfg.Location}
			if a.Secret.IsSet() {
				secret := a.Secret
				wc.SecretHeaders = map[string]func(context.Context) (string, error){
					"Authorization": func(ctx context.Context) (string, error) {
						v, err := secret.Resolve(ctx)
						return "Bearer " + v, err
					},
				}
			}
			ch, err := notify.NewWebhook(wc)
			if err != nil {
				return nil, err
			}
			out = append(out, ch)
		}
	}
	return out, nil
}

// IMAPOptions maps the configuration to imapwatch's options.
func (d *Daemon) IMAPOptions() imapwatch.Options { return IMAPOptionsFor(d.cfg, d.opts) }

// IMAPOptionsFor maps the configuration's imap section for imapwatch.
func IMAPOptionsFor(cfg *config.Config, opts Options) imapwatch.Options {
	m := cfg.IMAP
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	auth := imapwatch.AuthPassword
	switch m.Auth {
	case "xoauth2":
		auth = imapwatch.AuthXOAuth2
	case "oauthbearer":
		auth = imapwatch.AuthOAuthBearer
	}
	o := imapwatch.Options{
		Host:           m.Host,
		Port:           m.Port,
		Security:       m.Security,
		Username:       m.Username,
		Auth:           auth,
		Password:       m.Secret.Func(),
		TLSConfig:      opts.IMAPTLS,
		Inbox:          m.Inbox,
		HoldFolder:     m.HoldFolder,
		PollInterval:   m.PollInterval.D(),
		CommandTimeout: opts.CommandTimeout,
		MinBackoff:     opts.MinBackoff,
		MaxBackoff:     opts.MaxBackoff,
		Logger:         logger,
	}
	if m := opts.Metrics; m != nil {
		o.OnDisconnect = func(error) {
			m.SessionUp(false)
			m.Reconnect()
		}
	}
	return o
}

// Run watches the inbox and sends alerts until ctx ends. It returns nil on
// a clean stop and an error when it cannot go on (first login refused).
func (d *Daemon) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := d.disp.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("alert dispatcher stopped", "err", err)
		}
	}()
	wg.Add(2)
	go func() {
		defer wg.Done()
		d.windowLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		if err := d.serveControl(ctx); err != nil {
			d.log.Warn("digest --now and history cannot reach this daemon", "err", err)
		}
	}()
	err := imapwatch.Run(ctx, d.IMAPOptions(), d.sync)
	cancel()
	wg.Wait()
	d.acks.Wait()
	return err
}
