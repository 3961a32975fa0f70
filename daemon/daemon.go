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
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/oauth"
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
	// Watchdog, when its Timeout is set, is pinged while the IMAP loop
	// makes progress (systemd's WatchdogSec=; see watchdog.go).
	Watchdog Watchdog
	// OnPrune, when set, is called after each daily prune of the state.
	OnPrune func(store.Pruned, error)
	// OnReview, when set, is called after each emergency.review time with
	// the number of early-look notices queued (often 0).
	OnReview func(at time.Time, notices int)
	// OnPageAcknowledged, when set, is called after a page's
	// acknowledgement is recorded.
	OnPageAcknowledged func(store.Page)
}

// Handled describes one message the daemon dealt with.
type Handled struct {
	UID      uint32
	Identity string
	Verdict  classify.Verdict
	Action   store.Action
	Rules    []string
	Err      error
	// AckQueued says an acknowledgement is being sent to the sender.
	AckQueued bool
	// Own: the daemon's own message (a digest), known by the state.
	Own bool
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
	// acker queues and paces acknowledgements.
	acker *acker
	// net is the safety net's signals (pages.go, review.go).
	net   *safetyNet
	ready sync.Once
	// batch is the current fetch batch size: halved after a failed fetch
	// (a flaky link that always breaks mid-batch must still make
	// progress), doubled back after each success.
	batch int
	// session is the IMAP session of the last pass, to know a new one.
	// batch and session belong to the inbox pass: imapwatch calls sync
	// from one goroutine.
	session *imapwatch.Session
	// stateDown is set while the state refuses writes (degraded.go).
	stateDown atomic.Bool
	// secret is the state's secret key (own.go).
	secret []byte
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
	d := &Daemon{cfg: cfg, opts: opts, log: opts.Logger, cl: cl, st: st, self: selfAddresses(cfg), clock: opts.Clock, batch: opts.BatchSize, acker: newAcker(), net: newSafetyNet()}
	if d.secret, err = st.Secret(); err != nil {
		return nil, err
	}
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
	if len(cfg.Emergency.Review) > 0 {
		if d.net.reviews, err = schedule.New(cfg.Emergency.Review, cfg.Location, nil); err != nil {
			return nil, fmt.Errorf("emergency.review: %w", err)
		}
	}
	groups, err := d.channelGroups()
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
		dopts.Observe = m.ObserveAlert
	}
	d.disp, err = notify.NewGroupedDispatcher(st, groups, dopts)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return d, nil
}

// Reviews exposes the compiled emergency.review times (nil without any).
func (d *Daemon) Reviews() *schedule.Windows { return d.net.reviews }

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
		Security: s.Security,
		Username: s.Username,
		Password: s.Secret.Func(),
		TLS:      opts.SMTPTLS,
		TLSPin:   s.TLSPin,
	}
}

// channelGroups builds the alert channels: emergency.alerts as the primary
// group, emergency.backup as the backup group, each pause's cover as its
// cover group.
func (d *Daemon) channelGroups() ([]notify.ChannelGroup, error) {
	groups := []notify.ChannelGroup{{Group: notify.GroupPrimary}, {Group: notify.GroupBackup}}
	add := func(g *notify.ChannelGroup, list []config.Alert) error {
		for _, a := range list {
			ch, err := d.channel(a)
			if err != nil {
				return err
			}
			g.Channels = append(g.Channels, ch)
		}
		return nil
	}
	if err := add(&groups[0], d.cfg.Emergency.Alerts); err != nil {
		return nil, err
	}
	if err := add(&groups[1], d.cfg.Emergency.Backup); err != nil {
		return nil, err
	}
	for i, p := range d.cfg.ReadingWindows.Pauses {
		g := notify.ChannelGroup{Group: notify.CoverGroup(i)}
		if err := add(&g, p.Cover); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func (d *Daemon) channel(a config.Alert) (notify.Channel, error) {
	levels := make([]notify.Level, len(a.Levels))
	for i, l := range a.Levels {
		levels[i] = alertLevel(l)
	}
	switch a.Type {
	case config.AlertSMTP:
		return notify.NewSMTP(notify.SMTPChannelConfig{
			Name:     a.Name,
			Server:   d.smtpConfig(),
			From:     d.cfg.SMTP.From,
			To:       a.To,
			Location: d.cfg.Location,
			Clock:    d.clock,
			Levels:   levels,
		})
	case config.AlertWebhook:
		wc := notify.WebhookConfig{Name: a.Name, URL: a.URL, Format: webhookFormat(a.Format), Location: d.cfg.Location, Levels: levels, Click: a.Click}
		if a.Secret.IsSet() {
			secret := a.Secret
			wc.SecretHeaders = map[string]func(context.Context) (string, error){
				"Authorization": func(ctx context.Context) (string, error) {
					v, err := secret.Resolve(ctx)
					return "Bearer " + v, err
				},
			}
		}
		return notify.NewWebhook(wc)
	}
	return nil, fmt.Errorf("alert channel %s: unknown type %q", a.Name, a.Type)
}

// alertLevel maps emergency.alerts[].levels.
func alertLevel(l config.AlertLevel) notify.Level {
	switch l {
	case config.LevelPage:
		return notify.LevelPage
	case config.LevelConcern:
		return notify.LevelConcern
	}
	return notify.Level(l) // notify refuses what it does not know
}

// webhookFormat maps emergency.alerts[].format.
func webhookFormat(f config.WebhookFormat) notify.Format {
	switch f {
	case config.WebhookJSON:
		return notify.FormatJSON
	case config.WebhookNtfy:
		return notify.FormatNtfy
	}
	return notify.Format(f) // NewWebhook refuses what it does not know
}

// imapAuth maps imap.auth; every mode is its own, none is dropped. With
// oauth2 the mechanism is imap.oauth2.mechanism.
func imapAuth(m config.IMAP) imapwatch.Auth {
	a := m.Auth
	switch a {
	case config.AuthPlain:
		return imapwatch.AuthPlain
	case config.AuthLogin:
		return imapwatch.AuthLogin
	case config.AuthXOAuth2:
		return imapwatch.AuthXOAuth2
	case config.AuthOAuthBearer:
		return imapwatch.AuthOAuthBearer
	case config.AuthOAuth2:
		if m.OAuth2 != nil && m.OAuth2.Mechanism == config.MechanismOAuthBearer {
			return imapwatch.AuthOAuthBearer
		}
		return imapwatch.AuthXOAuth2
	}
	return imapwatch.Auth(a) // imapwatch refuses what it does not know
}

// IMAPOptions maps the configuration to imapwatch's options.
func (d *Daemon) IMAPOptions() imapwatch.Options {
	return imapOptions(d.cfg, d.opts, d.signInRefused)
}

// IMAPOptionsFor maps the configuration's imap section for imapwatch.
func IMAPOptionsFor(cfg *config.Config, opts Options) imapwatch.Options {
	return imapOptions(cfg, opts, nil)
}

// imapOptions is IMAPOptionsFor; onRevoked, when set, is also told when the
// provider refuses the saved OAuth2 sign-in (the running daemon's notice).
func imapOptions(cfg *config.Config, opts Options, onRevoked func(*oauth.RevokedError)) imapwatch.Options {
	m := cfg.IMAP
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	o := imapwatch.Options{
		Host:           m.Host,
		Port:           m.Port,
		Security:       m.Security,
		Username:       m.Username,
		Auth:           imapAuth(m),
		Password:       m.Secret.Func(),
		TLSConfig:      m.TLSPin.Config(opts.IMAPTLS), // unchanged without imap.tls_pin
		Inbox:          m.Inbox,
		HoldFolder:     m.HoldFolder,
		PollInterval:   m.PollInterval.D(),
		CommandTimeout: opts.CommandTimeout,
		MinBackoff:     opts.MinBackoff,
		MaxBackoff:     opts.MaxBackoff,
		Logger:         logger,
	}
	var tokens *oauth.Source
	if m.Auth == config.AuthOAuth2 {
		tokens, o.Password = oauthTokens(cfg, opts, logger, onRevoked)
	}
	if m := opts.Metrics; m != nil || tokens != nil {
		o.OnDisconnect = func(err error) {
			if tokens != nil && errors.Is(err, imapwatch.ErrAuth) {
				tokens.Invalidate() // the server refused the token: a new one next time
			}
			if m != nil {
				m.SessionUp(false)
				m.Reconnect()
			}
		}
		o.OnHoldFolder = func(err error) { m.HoldFolderResult(cfg.IMAP.HoldFolder, err) }
	}
	return o
}

// oauthTokens is the password source of imap.auth: oauth2: a fresh access
// token from the saved sign-in at each login. A revoked sign-in is logged
// at error (by the source) and turns /healthz unhealthy until a login works.
func oauthTokens(cfg *config.Config, opts Options, logger *slog.Logger, onRevoked func(*oauth.RevokedError)) (*oauth.Source, func(context.Context) (string, error)) {
	client, err := oauth.ClientFor(cfg.IMAP)
	if err != nil {
		return nil, func(context.Context) (string, error) { return "", err }
	}
	so := oauth.SourceOptions{
		Client: client,
		Store:  oauth.StoreFor(cfg.StateDir, os.Getenv("CREDENTIALS_DIRECTORY")),
		Clock:  opts.Clock,
		Logger: logger,
	}
	m := opts.Metrics
	so.OnRevoked = func(re *oauth.RevokedError) {
		if m != nil {
			m.SetSignInProblem(oauth.HealthReason)
		}
		if onRevoked != nil {
			onRevoked(re)
		}
	}
	if m != nil {
		so.OnRestored = func() { m.SetSignInProblem("") }
	}
	src := oauth.NewSource(so)
	return src, src.AccessToken
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
	imapOpts, watchdog := d.withWatchdog(d.IMAPOptions())
	imapOpts.Wake = d.net.wake
	started := d.clock.Now()
	wg.Add(7)
	go func() {
		defer wg.Done()
		d.pageTimer(ctx)
	}()
	go func() {
		defer wg.Done()
		d.reviewLoop(ctx, started)
	}()
	go func() {
		defer wg.Done()
		d.windowLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		d.sendAcks(ctx)
	}()
	go func() {
		defer wg.Done()
		watchdog(ctx)
	}()
	go func() {
		defer wg.Done()
		d.maintain(ctx, started)
	}()
	go func() {
		defer wg.Done()
		if err := d.serveControl(ctx); err != nil {
			d.log.Warn("digest --now and history cannot reach this daemon", "err", err)
		}
	}()
	err := imapwatch.Run(ctx, imapOpts, d.sync)
	cancel()
	wg.Wait()
	return err
}
