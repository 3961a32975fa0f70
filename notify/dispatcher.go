package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
	StopGrace   time.Duration // an attempt in flight at stop may still take this long (default 2s; see sendContext)
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
	if o.StopGrace <= 0 {
		o.StopGrace = 2 * time.Second
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
	// mem holds the alerts the state refused to record (a full disk),
	// sent from memory; sentMem the dedupe keys accepted by the channel
	// whose delivery the state has not recorded yet (see memory below).
	mem     []*memEntry
	sentMem map[string]memSent
	// recordFailures and recordAt pace the retries of recording sentMem;
	// only the worker's goroutine uses them.
	recordFailures int
	recordAt       time.Time
}

func (w *worker) takes(l Level) bool { return w.levels == nil || slices.Contains(w.levels, l) }

// everyChannel says whether an alert of kind k goes to every channel of
// its groups whatever their levels: a test (each one is proved) and a
// notice about boundaryd itself (see KindNotice).
func (k Kind) everyChannel() bool { return k == KindTest || k == KindNotice }

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
		if !slices.Contains(to, w.group) || (!a.Kind.everyChannel() && !w.takes(a.Level)) {
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

// Run delivers until ctx ends; no attempt starts after that, and one in
// flight gets StopGrace to finish (recorded as delivered when it does),
// after which it is cancelled and stays pending. Entries for channels no
// longer configured are dropped with a warning. Run may be called once at a time; stop it (cancel ctx and wait
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
	later := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	// Alerts kept in memory first: they are emergencies the state could
	// not even record.
	mnext, failing := d.drainMemory(ctx, w)
	later(mnext)
	if failing || ctx.Err() != nil {
		return next, false
	}
	entries, err := d.st.OutboxPending(name)
	if err != nil {
		d.log.Error("alert outbox unreadable", "channel", name, "err", err)
		later(d.opts.Clock.Now().Add(d.opts.MinBackoff))
		return next, false
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
		if d.sentFromMemory(w, it) {
			// Accepted already, from memory: only its record was missing.
			later(d.opts.Clock.Now().Add(d.opts.MinBackoff))
			continue
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
	sctx, cancel := d.sendContext(ctx)
	start := d.opts.Clock.Now()
	err := w.ch.Send(sctx, a)
	cancel()
	at := d.opts.Clock.Now()
	if err != nil && ctx.Err() != nil {
		// Shutting down: not the channel's fault; retried at next start.
		d.logCut(name, e.ID, err)
		return false, time.Time{}
	}
	res := Result{Channel: name, Group: w.group, Key: e.Key, Attempt: e.Attempts + 1, Err: err, Duration: at.Sub(start)}
	switch {
	case err == nil:
		res.Latency = at.Sub(e.Created)
		// A crash before this commit resends this one alert on this channel:
		// the only duplicate the design allows.
		if uerr := d.st.Update(func(tx *store.Tx) error { return tx.Ack(e.ID, at) }); uerr != nil {
			// Remembered in memory, so this run does not send it again.
			d.log.Error("alert delivered but not recorded; it is not sent again unless boundaryd restarts first", "channel", name, "outbox_id", e.ID, "err", uerr)
			d.rememberSent(w, e.Key, auditKeyOf(e), at)
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

// sendContext is the context of one attempt: it ends SendTimeout after
// the attempt starts, or StopGrace after ctx ends (the stop has begun),
// whichever comes first. A stop does not cut an attempt at once: the
// destination may already hold the alert (a webhook's body read, an SMTP
// message's final dot sent) with only its answer still on the way. Cut
// there, the attempt stays pending and the next start sends the same alert
// again: a second page for one emergency.
func (d *Dispatcher) sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.SendTimeout)
	grace := d.opts.StopGrace
	stopWatch := context.AfterFunc(ctx, func() {
		// A network timeout like SendTimeout: real time, whatever the injected clock says.
		gctx, gcancel := context.WithTimeout(sctx, grace)
		defer gcancel()
		<-gctx.Done()
		if sctx.Err() == nil {
			cancel() // the grace ran out before the attempt ended
		}
	})
	return sctx, func() {
		stopWatch()
		cancel()
	}
}

// logCut notes an attempt in flight at stop that was not accepted (cut
// after its grace, or failed meanwhile): it is sent again at the next
// start, and the destination may have had it already.
func (d *Dispatcher) logCut(channel string, id uint64, err error) {
	attrs := []any{"channel", channel, "grace", d.opts.StopGrace, "err", err}
	if id != 0 {
		attrs = append(attrs, "outbox_id", id)
	}
	d.log.Warn("alert in flight at stop not accepted within the grace; it is sent again at the next start (the destination may see it twice)", attrs...)
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
	} else {
		depth += d.memoryDepth()
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

// The in-memory fallback. When the state refuses a write (a full disk), the
// daemon cannot queue an emergency's alert in the outbox; it hands it to
// EnqueueMemory instead, and each channel's worker sends it from memory,
// before the outbox, retried with the same backoff. A delivery from memory
// is recorded in the state as soon as the state takes writes again
// (Tx.MarkDelivered): an outbox entry queued for the same alert meanwhile
// (the daemon handles the message again once its state works) is then
// acknowledged without being sent, so the alert is not sent twice. Alerts
// in memory are lost if boundaryd stops first; the message is then handled
// again at the next start (its handling was not recorded either) and
// alerted from the outbox.

// memEntry is one alert for one channel, kept in memory.
type memEntry struct {
	key, auditKey string
	a             Alert
	created, next time.Time
	attempts      int
}

// memSent is an alert accepted by a channel, sent from memory or sent from
// the outbox without its acknowledgement recorded.
type memSent struct {
	auditKey string
	at       time.Time
}

func auditKeyOf(e store.OutboxEntry) string {
	if e.Audit != "" {
		return e.Audit
	}
	return e.Key
}

// EnqueueMemory keeps a for the channels of the groups to that take its
// level, as Enqueue would queue it, but in memory: for when the state
// refuses the write. Pairs the outbox already knows, or already in memory,
// are skipped; added counts the new entries.
func (d *Dispatcher) EnqueueMemory(a Alert, to ...Group) (added int, err error) {
	if a.Key == "" {
		return 0, errors.New("notify: alert without a key")
	}
	if len(to) == 0 {
		return 0, errors.New("notify: alert without a target group")
	}
	if a, err = a.Normalized(); err != nil {
		return 0, err
	}
	key, now := a.DedupeKey(), d.opts.Clock.Now()
	for _, w := range d.workers {
		if !slices.Contains(to, w.group) || (!a.Kind.everyChannel() && !w.takes(a.Level)) {
			continue
		}
		if q, err := d.st.Queued(key, w.ch.Name()); err == nil && q {
			continue
		}
		w.mu.Lock()
		_, dup := w.sentMem[key]
		for _, e := range w.mem {
			dup = dup || e.key == key
		}
		if !dup {
			w.mem = append(w.mem, &memEntry{key: key, auditKey: a.Key, a: a, created: now, next: now})
			added++
		}
		w.mu.Unlock()
	}
	if added > 0 {
		d.log.Error("alert kept in memory: the state cannot be written; sending it from memory (lost if boundaryd stops before the state can be written)", "channels", added)
		d.Kick()
	}
	return added, nil
}

func (d *Dispatcher) memoryDepth() int {
	n := 0
	for _, w := range d.workers {
		w.mu.Lock()
		n += len(w.mem)
		w.mu.Unlock()
	}
	return n
}

func (d *Dispatcher) rememberSent(w *worker, key, auditKey string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sentMem == nil {
		w.sentMem = map[string]memSent{}
	}
	w.sentMem[key] = memSent{auditKey: auditKey, at: at}
}

// sentFromMemory reports whether the outbox entry it was accepted already
// (from memory, or sent without its acknowledgement recorded) and, if so,
// tries to acknowledge it without sending it.
func (d *Dispatcher) sentFromMemory(w *worker, it due) bool {
	w.mu.Lock()
	sent, ok := w.sentMem[it.e.Key]
	w.mu.Unlock()
	if !ok {
		return false
	}
	if err := d.st.Update(func(tx *store.Tx) error { return tx.Ack(it.e.ID, sent.at) }); err != nil {
		d.log.Error("alert already delivered; its record still cannot be written", "channel", w.ch.Name(), "outbox_id", it.e.ID, "err", err)
		return true
	}
	w.mu.Lock()
	delete(w.sentMem, it.e.Key)
	w.mu.Unlock()
	return true
}

// recordSent writes the deliveries made from memory into the state, at
// most at the pace of the backoff while the state refuses them. It
// returns when to try again (zero: nothing left).
func (d *Dispatcher) recordSent(w *worker) time.Time {
	w.mu.Lock()
	pending := maps.Clone(w.sentMem)
	w.mu.Unlock()
	if len(pending) == 0 {
		return time.Time{}
	}
	now := d.opts.Clock.Now()
	if now.Before(w.recordAt) {
		return w.recordAt
	}
	name := w.ch.Name()
	err := d.st.Update(func(tx *store.Tx) error {
		for key, s := range pending {
			if err := tx.MarkDelivered(key, s.auditKey, name, s.at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.recordFailures++
		w.recordAt = now.Add(d.backoff(w.recordFailures))
		d.log.Error("alerts delivered from memory cannot be recorded yet: the state cannot be written", "channel", name, "count", len(pending), "err", err)
		return w.recordAt
	}
	w.recordFailures, w.recordAt = 0, time.Time{}
	w.mu.Lock()
	for key := range pending {
		delete(w.sentMem, key)
	}
	w.mu.Unlock()
	d.log.Info("alerts delivered from memory are now recorded", "channel", name, "count", len(pending))
	return time.Time{}
}

// drainMemory sends w's due alerts kept in memory, oldest first, and
// records the deliveries. failing is true when the channel failed one (the
// outbox would fail the same way: not tried now). next is when to look
// again.
func (d *Dispatcher) drainMemory(ctx context.Context, w *worker) (next time.Time, failing bool) {
	name := w.ch.Name()
	later := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	defer func() { later(d.recordSent(w)) }()
	for ctx.Err() == nil {
		now := d.opts.Clock.Now()
		var e *memEntry
		w.mu.Lock()
		for _, m := range w.mem {
			if !m.next.After(now) && (e == nil || m.created.Before(e.created)) {
				e = m
			}
		}
		if e == nil {
			for _, m := range w.mem {
				later(m.next)
			}
		}
		w.mu.Unlock()
		if e == nil {
			return next, false
		}
		if q, err := d.st.Queued(e.key, name); err == nil && q {
			// The state works again and the outbox has it: sent from there.
			d.dropMemory(w, e)
			continue
		}
		sctx, cancel := d.sendContext(ctx)
		err := w.ch.Send(sctx, e.a)
		cancel()
		at := d.opts.Clock.Now()
		if err != nil && ctx.Err() != nil {
			d.logCut(name, 0, err)
			return next, true
		}
		res := Result{Channel: name, Group: w.group, Key: e.key, Attempt: e.attempts + 1, Err: err, Duration: at.Sub(now)}
		switch {
		case err == nil:
			res.Latency = at.Sub(e.created)
			d.dropMemory(w, e)
			d.rememberSent(w, e.key, e.auditKey, at)
			w.mu.Lock()
			w.failingSince, w.lastErr = time.Time{}, ""
			w.brokenSince, w.brokenErr = time.Time{}, ""
			w.mu.Unlock()
			d.log.Warn("alert delivered from memory (the state cannot be written)", "channel", name, "attempt", res.Attempt, "latency", res.Latency.Round(time.Millisecond))
			d.observe(res)
		case IsPermanent(err):
			res.Permanent = true
			d.dropMemory(w, e)
			w.mu.Lock()
			w.brokenSince, w.brokenErr = at, err.Error()
			w.failingSince, w.lastErr = time.Time{}, ""
			w.mu.Unlock()
			d.log.Error("alert channel refused the alert for good; not retried: fix the channel's settings", "channel", name, "attempt", res.Attempt, "err", err)
			d.observe(res)
		default:
			delay := d.backoff(e.attempts + 1)
			w.mu.Lock()
			e.attempts++
			e.next = at.Add(delay)
			if w.failingSince.IsZero() {
				w.failingSince = at
			}
			w.lastErr = err.Error()
			w.mu.Unlock()
			later(e.next)
			d.log.Warn("alert delivery from memory failed, will retry", "channel", name, "attempt", res.Attempt, "retry_in", delay.Round(time.Millisecond), "err", err)
			d.observe(res)
			return next, true
		}
	}
	return next, true
}

func (d *Dispatcher) dropMemory(w *worker, e *memEntry) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mem = slices.DeleteFunc(w.mem, func(m *memEntry) bool { return m == e })
}
