package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/internal/backoff"
	"github.com/boundaryd/boundaryd/store"
)

// Channel is one alert destination.
type Channel interface {
	// Name is stable across restarts: it keys the outbox and de-duplication.
	Name() string
	// Send returns nil only when the destination accepted the alert. An
	// error wrapped by Permanent means the destination refused it for good
	// (a bad token, an unknown address): it is not retried.
	Send(ctx context.Context, a Alert) error
}

// LevelChannel is a Channel that takes only some levels; a Channel without
// this method takes every level.
type LevelChannel interface {
	Channel
	// Levels are the levels the channel takes.
	Levels() []Level
}

// Group is a set of channels an alert is addressed to. The dispatcher
// never picks a group itself: whoever enqueues says which.
type Group string

// The fixed groups; CoverGroup names the others.
const (
	// GroupPrimary is emergency.alerts: first pages and their repeats.
	GroupPrimary Group = "primary"
	// GroupBackup is emergency.backup: pages still unseen after the repeats.
	GroupBackup Group = "backup"
)

// CoverGroup is the cover channels of reading_windows.pauses[pause]: pages
// during that pause.
func CoverGroup(pause int) Group { return Group("cover:" + strconv.Itoa(pause)) }

// ChannelGroup is the channels of one group.
type ChannelGroup struct {
	Group    Group
	Channels []Channel
}

// PermanentError is a refusal that retrying cannot change.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as a refusal for good (nil stays nil).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err is, or wraps, a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Result describes one delivery attempt, for metrics.
type Result struct {
	Channel  string
	Group    Group
	Key      string
	Attempt  int           // 1 for the first attempt
	Err      error         // nil when accepted
	Duration time.Duration // of this attempt
	Latency  time.Duration // from enqueue to acceptance (when Err is nil)
	// Permanent: the channel refused for good; the entry was recorded as
	// failed and dropped, and the channel is marked broken.
	Permanent bool
}

// DispatcherOptions tune the Dispatcher. The zero value gives production
// defaults.
type DispatcherOptions struct {
	MinBackoff  time.Duration // first retry delay (default 2s)
	MaxBackoff  time.Duration // cap (default 5m)
	SendTimeout time.Duration // per attempt (default 2m)
	AlarmAfter  time.Duration // all channels failing this long: log errors (default 5m)
	AlarmEvery  time.Duration // repeat of that error (default 1m)
	Logger      *slog.Logger  // default slog.Default()
	// Clock decides when entries are due; it must be the store's clock,
	// which stamps them (default clock.System()).
	Clock clock.Clock
	// Observe, when set, is called after every attempt (from the channel's
	// goroutine; keep it fast).
	Observe func(Result)
}

func (o DispatcherOptions) withDefaults() DispatcherOptions {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 2 * time.Minute
	}
	if o.AlarmAfter <= 0 {
		o.AlarmAfter = 5 * time.Minute
	}
	if o.AlarmEvery <= 0 {
		o.AlarmEvery = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	return o
}

// Dispatcher delivers outbox entries: one goroutine per channel, so a slow
// or failing channel never delays the others.
type Dispatcher struct {
	st      *store.Store
	opts    DispatcherOptions
	log     *slog.Logger
	workers []*worker
	byName  map[string]*worker

	mu      sync.Mutex
	running bool
}

type worker struct {
	ch     Channel
	group  Group
	levels []Level // nil: every level
	kick   chan struct{}

	mu           sync.Mutex
	failingSince time.Time // zero while healthy
	lastErr      string
	brokenSince  time.Time // last refusal for good; zero after a success
	brokenErr    string
}

func (w *worker) takes(l Level) bool { return w.levels == nil || slices.Contains(w.levels, l) }

// NewDispatcher is NewGroupedDispatcher with every channel in GroupPrimary.
func NewDispatcher(st *store.Store, channels []Channel, opts DispatcherOptions) (*Dispatcher, error) {
	return NewGroupedDispatcher(st, []ChannelGroup{{Group: GroupPrimary, Channels: channels}}, opts)
}

// NewGroupedDispatcher prepares delivery of st's outbox to the channels of
// groups, whose names must be unique across every group. Failure times of
// entries left pending by an earlier run, and refusals for good, are taken
// over, so health and the 5-minute alarm survive a restart.
func NewGroupedDispatcher(st *store.Store, groups []ChannelGroup, opts DispatcherOptions) (*Dispatcher, error) {
	opts = opts.withDefaults()
	d := &Dispatcher{st: st, opts: opts, log: opts.Logger, byName: map[string]*worker{}}
	for _, g := range groups {
		if g.Group == "" {
			return nil, errors.New("notify: channel group without a name")
		}
		for _, ch := range g.Channels {
			name := ch.Name()
			if name == "" {
				return nil, errors.New("notify: channel with an empty name")
			}
			if _, dup := d.byName[name]; dup {
				return nil, fmt.Errorf("notify: two channels named %q", name)
			}
			w := &worker{ch: ch, group: g.Group, kick: make(chan struct{}, 1)}
			if lc, ok := ch.(LevelChannel); ok {
				w.levels = append([]Level{}, lc.Levels()...)
			}
			d.workers = append(d.workers, w)
			d.byName[name] = w
		}
	}
	pending, err := st.OutboxPending("")
	if err != nil {
		return nil, fmt.Errorf("notify: read outbox: %w", err)
	}
	for _, e := range pending {
		w := d.byName[e.Channel]
		if w == nil || e.FirstFailure.IsZero() {
			continue
		}
		if w.failingSince.IsZero() || e.FirstFailure.Before(w.failingSince) {
			w.failingSince, w.lastErr = e.FirstFailure, e.LastError
		}
	}
	// A channel refusing for good stays marked across a restart, until it
	// accepts an alert.
	refusals, err := st.ChannelRefusals()
	if err != nil {
		return nil, fmt.Errorf("notify: read channel refusals: %w", err)
	}
	for _, r := range refusals {
		if w := d.byName[r.Channel]; w != nil {
			w.brokenSince, w.brokenErr = r.At, r.Error
		}
	}
	return d, nil
}

// Enqueue durably records one outbox entry for a on every channel of the
// groups to that takes a's level (every channel of them for a KindTest
// alert), and wakes the senders. Pairs
// (a.DedupeKey(), channel) already pending, delivered or refused are
// skipped; added counts the new entries. At least one group is required:
// the caller decides who is told (primary for first pages and repeats,
// backup after the repeats, a pause's cover during it). A group without
// channels adds nothing.
func (d *Dispatcher) Enqueue(a Alert, to ...Group) (added int, err error) {
	err = d.st.Update(func(tx *store.Tx) error {
		added, err = d.EnqueueTx(tx, a, to...)
		return err
	})
	if err != nil {
		return 0, err
	}
	if added > 0 {
		d.Kick()
	}
	return added, nil
}

// EnqueueTx is Enqueue inside the caller's transaction, so an alert can be
// committed together with the message's handled record (or a repeat with
// the state that says it was sent). Call Kick after the commit.
func (d *Dispatcher) EnqueueTx(tx *store.Tx, a Alert, to ...Group) (int, error) {
	if a.Key == "" {
		return 0, errors.New("notify: alert without a key")
	}
	if len(to) == 0 {
		return 0, errors.New("notify: alert without a target group")
	}
	a, err := a.Normalized()
	if err != nil {
		return 0, err
	}
	payload, err := json.Marshal(a)
	if err != nil {
		return 0, fmt.Errorf("notify: encode alert: %w", err)
	}
	key := a.DedupeKey()
	added := 0
	for _, w := range d.workers {
		// A test goes through every channel of the groups, whatever its
		// levels: test-alert proves each one works.
		if !slices.Contains(to, w.group) || (a.Kind != KindTest && !w.takes(a.Level)) {
			continue
		}
		_, ok, err := tx.EnqueueFor(key, a.Key, w.ch.Name(), payload)
		if err != nil {
			return 0, fmt.Errorf("notify: enqueue for %s: %w", w.ch.Name(), err)
		}
		if ok {
			added++
		}
	}
	return added, nil
}

// Groups returns the groups that have at least one channel, in
// configuration order (test-alert addresses them all).
func (d *Dispatcher) Groups() []Group {
	var out []Group
	for _, w := range d.workers {
		if !slices.Contains(out, w.group) {
			out = append(out, w.group)
		}
	}
	return out
}

// Targets returns the names of the channels of the groups to that take
// level l, in configuration order: whom an Enqueue would reach.
func (d *Dispatcher) Targets(l Level, to ...Group) []string {
	var out []string
	for _, w := range d.workers {
		if slices.Contains(to, w.group) && w.takes(l) {
			out = append(out, w.ch.Name())
		}
	}
	return out
}

// Kick wakes every channel to send what is due now.
func (d *Dispatcher) Kick() {
	for _, w := range d.workers {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// Run delivers until ctx ends; an attempt in flight is cancelled and stays
// pending. Entries for channels no longer configured are dropped with a
// warning. Run may be called once at a time; stop it (cancel ctx and wait
// for Run to return) before closing the store.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return errors.New("notify: dispatcher already running")
	}
	d.running = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()

	d.dropOrphans()
	var wg sync.WaitGroup
	for _, w := range d.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.runWorker(ctx, w)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.alarmLoop(ctx)
	}()
	wg.Wait()
	return nil
}

func (d *Dispatcher) dropOrphans() {
	pending, err := d.st.OutboxPending("")
	if err != nil {
		d.log.Error("alert outbox unreadable", "err", err)
		return
	}
	for _, e := range pending {
		if d.byName[e.Channel] != nil {
			continue
		}
		if err := d.st.Update(func(tx *store.Tx) error { return tx.Drop(e.ID) }); err != nil {
			d.log.Error("alert outbox: drop entry", "id", e.ID, "err", err)
			continue
		}
		d.log.Warn("alert for a channel no longer configured dropped", "channel", e.Channel, "outbox_id", e.ID)
	}
}

func (d *Dispatcher) runWorker(ctx context.Context, w *worker) {
	for {
		next, again := d.drain(ctx, w)
		if ctx.Err() != nil {
			return
		}
		if again {
			continue
		}
		var wake <-chan time.Time
		if !next.IsZero() {
			wake = d.opts.Clock.After(max(0, clock.Until(d.opts.Clock, next)))
		}
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-wake:
		}
	}
}

// due is one pending entry with its decoded alert.
type due struct {
	e     store.OutboxEntry
	a     Alert
	bad   error // payload unreadable
	first bool  // a first page: before repeats, summaries and notices
}

// order sorts a channel's entries for sending: first pages (Repeat 0, not a
// summary) before everything else, so one sender's flood of repeats never
// delays another sender's first page; within each class the oldest first.
func order(entries []store.OutboxEntry) []due {
	out := make([]due, len(entries))
	for i, e := range entries {
		out[i].e = e
		if err := json.Unmarshal(e.Payload, &out[i].a); err != nil {
			out[i].bad, out[i].first = err, true
			continue
		}
		a := out[i].a.normal()
		out[i].a = a
		out[i].first = a.Level == LevelPage && a.Repeat == 0 && a.More == 0
	}
	slices.SortStableFunc(out, func(x, y due) int {
		if x.first != y.first {
			if x.first {
				return -1
			}
			return 1
		}
		if c := x.e.Created.Compare(y.e.Created); c != 0 {
			return c
		}
		return cmp.Compare(x.e.ID, y.e.ID)
	})
	return out
}

// drain sends w's due entries in order (see order) and returns when to look
// again (zero: nothing pending). again means: look again now, because new
// entries were queued during the pass (a first page may have to go before
// the rest). After a failure the pass stops: the other due entries would
// fail the same way, and the failed one will probe the channel again at its
// retry time. After a refusal for good the pass goes on: each entry is
// tried, recorded and dropped on its own.
func (d *Dispatcher) drain(ctx context.Context, w *worker) (next time.Time, again bool) {
	name := w.ch.Name()
	entries, err := d.st.OutboxPending(name)
	if err != nil {
		d.log.Error("alert outbox unreadable", "channel", name, "err", err)
		return d.opts.Clock.Now().Add(d.opts.MinBackoff), false
	}
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	list := order(entries)
	for i, it := range list {
		now := d.opts.Clock.Now()
		if it.e.NextAttempt.After(now) {
			later(it.e.NextAttempt)
			continue
		}
		if ctx.Err() != nil {
			return time.Time{}, false
		}
		ok, retryAt := d.attempt(ctx, w, it)
		if ctx.Err() != nil {
			return time.Time{}, false
		}
		if !ok {
			later(retryAt)
			for _, rest := range list[i+1:] {
				if rest.e.NextAttempt.After(now) {
					later(rest.e.NextAttempt)
				}
			}
			return next, false
		}
		select {
		case <-w.kick:
			return time.Time{}, true
		default:
		}
	}
	return next, false
}

// attempt sends one entry and records the outcome. ok is false only for a
// failure worth retrying, with when to retry.
func (d *Dispatcher) attempt(ctx context.Context, w *worker, it due) (ok bool, retryAt time.Time) {
	name, e, a := w.ch.Name(), it.e, it.a
	if it.bad != nil {
		d.log.Error("alert outbox entry unreadable, dropped", "channel", name, "outbox_id", e.ID, "err", it.bad)
		if err := d.st.Update(func(tx *store.Tx) error { return tx.Drop(e.ID) }); err != nil {
			d.log.Error("alert outbox: drop entry", "outbox_id", e.ID, "err", err)
		}
		return true, time.Time{}
	}
	sctx, cancel := context.WithTimeout(ctx, d.opts.SendTimeout)
	start := d.opts.Clock.Now()
	err := w.ch.Send(sctx, a)
	cancel()
	at := d.opts.Clock.Now()
	if err != nil && ctx.Err() != nil {
		// Shutting down: not the channel's fault; retried at next start.
		return false, time.Time{}
	}
	res := Result{Channel: name, Group: w.group, Key: e.Key, Attempt: e.Attempts + 1, Err: err, Duration: at.Sub(start)}
	switch {
	case err == nil:
		res.Latency = at.Sub(e.Created)
		// A crash before this commit resends this one alert on this channel:
		// the only duplicate the design allows.
		if uerr := d.st.Update(func(tx *store.Tx) error { return tx.Ack(e.ID, at) }); uerr != nil {
			d.log.Error("alert delivered but not recorded; it may be sent again", "channel", name, "outbox_id", e.ID, "err", uerr)
		}
		w.mu.Lock()
		wasBroken := !w.brokenSince.IsZero()
		w.failingSince, w.lastErr = time.Time{}, ""
		w.brokenSince, w.brokenErr = time.Time{}, ""
		w.mu.Unlock()
		if wasBroken {
			d.log.Info("alert channel accepts alerts again", "channel", name)
		}
		d.log.Info("alert delivered", "channel", name, "outbox_id", e.ID, "attempt", res.Attempt, "latency", res.Latency.Round(time.Millisecond))
		d.log.Debug("alert delivered detail", "channel", name, "message_id", a.MessageID)
		d.observe(res)
		return true, time.Time{}
	case IsPermanent(err):
		// Retrying cannot help (Alertmanager's Retrier draws the same
		// line): record the refusal on the message's history, drop the
		// entry, mark the channel broken for /healthz, and go on with the
		// others.
		res.Permanent = true
		if uerr := d.st.Update(func(tx *store.Tx) error { return tx.Fail(e.ID, at, err.Error()) }); uerr != nil {
			d.log.Error("alert outbox: record refused alert", "channel", name, "outbox_id", e.ID, "err", uerr)
		}
		w.mu.Lock()
		w.brokenSince, w.brokenErr = at, err.Error()
		w.failingSince, w.lastErr = time.Time{}, ""
		w.mu.Unlock()
		d.log.Error("alert channel refused the alert for good; not retried: fix the channel's settings", "channel", name, "outbox_id", e.ID, "attempt", res.Attempt, "err", err)
		d.observe(res)
		return true, time.Time{}
	}
	delay := d.backoff(e.Attempts + 1)
	if _, uerr := d.reschedule(e.ID, at, at.Add(delay), err.Error()); uerr != nil {
		d.log.Error("alert outbox: record failed attempt", "channel", name, "outbox_id", e.ID, "err", uerr)
	}
	w.mu.Lock()
	if w.failingSince.IsZero() {
		w.failingSince = at
		if !e.FirstFailure.IsZero() {
			w.failingSince = e.FirstFailure
		}
	}
	w.lastErr = err.Error()
	w.mu.Unlock()
	d.log.Warn("alert delivery failed, will retry", "channel", name, "outbox_id", e.ID, "attempt", res.Attempt, "retry_in", delay.Round(time.Millisecond), "err", err)
	d.observe(res)
	return false, at.Add(delay)
}

func (d *Dispatcher) observe(r Result) {
	if d.opts.Observe != nil {
		d.opts.Observe(r)
	}
}

// backoff is exponential from MinBackoff, capped at MaxBackoff, with jitter
// so that restarts do not synchronise retries.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	return backoff.Policy{Min: d.opts.MinBackoff, Max: d.opts.MaxBackoff}.Delay(attempt)
}

func (d *Dispatcher) alarmLoop(ctx context.Context) {
	for {
		if clock.Sleep(ctx, d.opts.Clock, d.opts.AlarmEvery) != nil {
			return
		}
		since, all := d.allFailingSince()
		failing := clock.Since(d.opts.Clock, since)
		if !all || failing < d.opts.AlarmAfter {
			continue
		}
		depth, _ := d.st.OutboxDepth()
		attrs := []any{"since", since.Format(time.RFC3339), "for", failing.Round(time.Second), "pending", depth}
		for _, w := range d.workers {
			w.mu.Lock()
			msg := w.lastErr
			if msg == "" {
				msg = w.brokenErr
			}
			attrs = append(attrs, slog.String("channel."+w.ch.Name(), msg))
			w.mu.Unlock()
		}
		d.log.Error("every alert channel is failing: emergencies are not reaching you", attrs...)
	}
}

// allFailingSince returns since when every channel has been failing (the
// latest of their failure starts); all is false when one is healthy.
func (d *Dispatcher) allFailingSince() (since time.Time, all bool) {
	if len(d.workers) == 0 {
		return time.Time{}, false
	}
	for _, w := range d.workers {
		w.mu.Lock()
		f := w.failingSince
		if f.IsZero() {
			f = w.brokenSince
		}
		w.mu.Unlock()
		if f.IsZero() {
			return time.Time{}, false
		}
		if f.After(since) {
			since = f
		}
	}
	return since, true
}

// Health returns since when the longest-failing channel has been failing
// (zero when every channel's last attempt succeeded) and the outbox depth
// (-1 when the store cannot be read).
func (d *Dispatcher) Health() (failingSince time.Time, depth int) {
	for _, w := range d.workers {
		w.mu.Lock()
		f := w.failingSince
		w.mu.Unlock()
		if !f.IsZero() && (failingSince.IsZero() || f.Before(failingSince)) {
			failingSince = f
		}
	}
	depth, err := d.st.OutboxDepth()
	if err != nil {
		depth = -1
	}
	return failingSince, depth
}

// ChannelStatus is one channel's state for a health report.
type ChannelStatus struct {
	Name  string
	Group Group
	// Levels are the levels the channel takes (nil: every level).
	Levels       []Level
	FailingSince time.Time // zero while healthy
	LastError    string
	// BrokenSince is the channel's last refusal for good (a 4xx, an SMTP
	// 5xx); zero when none happened since its last accepted alert.
	BrokenSince time.Time
	// BrokenError is that refusal's error (no content, no URL).
	BrokenError string
}

// Broken reports whether the channel refused an alert for good and has
// accepted none since.
func (s ChannelStatus) Broken() bool { return !s.BrokenSince.IsZero() }

// Status reports each channel's state, in configuration order.
func (d *Dispatcher) Status() []ChannelStatus {
	out := make([]ChannelStatus, 0, len(d.workers))
	for _, w := range d.workers {
		w.mu.Lock()
		out = append(out, ChannelStatus{Name: w.ch.Name(), Group: w.group, Levels: w.levels, FailingSince: w.failingSince, LastError: w.lastErr,
			BrokenSince: w.brokenSince, BrokenError: w.brokenErr})
		w.mu.Unlock()
	}
	return out
}

func (d *Dispatcher) reschedule(id uint64, failedAt, next time.Time, lastErr string) (e store.OutboxEntry, err error) {
	err = d.st.Update(func(tx *store.Tx) error {
		e, err = tx.Reschedule(id, failedAt, next, lastErr)
		return err
	})
	return e, err
}
