package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	// Send returns nil only when the destination accepted the alert.
	Send(ctx context.Context, a Alert) error
}

// Result describes one delivery attempt, for metrics.
type Result struct {
	Channel  string
	Key      string
	Attempt  int           // 1 for the first attempt
	Err      error         // nil when accepted
	Duration time.Duration // of this attempt
	Latency  time.Duration // from enqueue to acceptance (when Err is nil)
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
	ch   Channel
	kick chan struct{}

	mu           sync.Mutex
	failingSince time.Time // zero while healthy
	lastErr      string
}

// NewDispatcher prepares delivery of st's outbox to channels, whose names
// must be unique. Failure times of entries left pending by an earlier run are
// taken over, so health and the 5-minute alarm survive a restart.
func NewDispatcher(st *store.Store, channels []Channel, opts DispatcherOptions) (*Dispatcher, error) {
	opts = opts.withDefaults()
	d := &Dispatcher{st: st, opts: opts, log: opts.Logger, byName: map[string]*worker{}}
	for _, ch := range channels {
		name := ch.Name()
		if name == "" {
			return nil, errors.New("notify: channel with an empty name")
		}
		if _, dup := d.byName[name]; dup {
			return nil, fmt.Errorf("notify: two channels named %q", name)
		}
		w := &worker{ch: ch, kick: make(chan struct{}, 1)}
		d.workers = append(d.workers, w)
		d.byName[name] = w
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
	return d, nil
}

// Enqueue durably records one outbox entry per channel for a and wakes the
// senders. Pairs (a.Key, channel) already pending or delivered are skipped;
// added counts the new entries.
func (d *Dispatcher) Enqueue(a Alert) (added int, err error) {
	err = d.st.Update(func(tx *store.Tx) error {
		added, err = d.EnqueueTx(tx, a)
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
// committed together with the message's handled record. Call Kick after the
// commit.
func (d *Dispatcher) EnqueueTx(tx *store.Tx, a Alert) (int, error) {
	if a.Key == "" {
		return 0, errors.New("notify: alert without a key")
	}
	payload, err := json.Marshal(a)
	if err != nil {
		return 0, fmt.Errorf("notify: encode alert: %w", err)
	}
	added := 0
	for _, w := range d.workers {
		_, ok, err := tx.Enqueue(a.Key, w.ch.Name(), payload)
		if err != nil {
			return 0, fmt.Errorf("notify: enqueue for %s: %w", w.ch.Name(), err)
		}
		if ok {
			added++
		}
	}
	return added, nil
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
		next := d.drain(ctx, w)
		if ctx.Err() != nil {
			return
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

// drain sends w's due entries in enqueue order and returns when to look
// again (zero: nothing pending). After a failure the pass stops: the other
// due entries would fail the same way, and the failed one will probe the
// channel again at its retry time.
func (d *Dispatcher) drain(ctx context.Context, w *worker) time.Time {
	name := w.ch.Name()
	entries, err := d.st.OutboxPending(name)
	if err != nil {
		d.log.Error("alert outbox unreadable", "channel", name, "err", err)
		return d.opts.Clock.Now().Add(d.opts.MinBackoff)
	}
	var next time.Time
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for i, e := range entries {
		now := d.opts.Clock.Now()
		if e.NextAttempt.After(now) {
			later(e.NextAttempt)
			continue
		}
		if ctx.Err() != nil {
			return time.Time{}
		}
		ok, retryAt := d.attempt(ctx, w, e)
		if ok {
			continue
		}
		if ctx.Err() != nil {
			return time.Time{}
		}
		later(retryAt)
		for _, rest := range entries[i+1:] {
			if rest.NextAttempt.After(now) {
				later(rest.NextAttempt)
			}
		}
		return next
	}
	return next
}

// attempt sends one entry and records the outcome; on failure it returns
// when to retry.
func (d *Dispatcher) attempt(ctx context.Context, w *worker, e store.OutboxEntry) (ok bool, retryAt time.Time) {
	name := w.ch.Name()
	var a Alert
	if err := json.Unmarshal(e.Payload, &a); err != nil {
		d.log.Error("alert outbox entry unreadable, dropped", "channel", name, "outbox_id", e.ID, "err", err)
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
	res := Result{Channel: name, Key: e.Key, Attempt: e.Attempts + 1, Err: err, Duration: at.Sub(start)}
	if err == nil {
		res.Latency = at.Sub(e.Created)
		// A crash before this commit resends this one alert on this channel:
		// the only duplicate the design allows.
		if uerr := d.st.Update(func(tx *store.Tx) error { return tx.Ack(e.ID, at) }); uerr != nil {
			d.log.Error("alert delivered but not recorded; it may be sent again", "channel", name, "outbox_id", e.ID, "err", uerr)
		}
		w.mu.Lock()
		w.failingSince, w.lastErr = time.Time{}, ""
		w.mu.Unlock()
		d.log.Info("alert delivered", "channel", name, "outbox_id", e.ID, "attempt", res.Attempt, "latency", res.Latency.Round(time.Millisecond))
		d.log.Debug("alert delivered detail", "channel", name, "message_id", a.MessageID)
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
			attrs = append(attrs, slog.String("channel."+w.ch.Name(), w.lastErr))
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
	Name         string
	FailingSince time.Time // zero while healthy
	LastError    string
}

// Status reports each channel's state, in configuration order.
func (d *Dispatcher) Status() []ChannelStatus {
	out := make([]ChannelStatus, 0, len(d.workers))
	for _, w := range d.workers {
		w.mu.Lock()
		out = append(out, ChannelStatus{Name: w.ch.Name(), FailingSince: w.failingSince, LastError: w.lastErr})
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
