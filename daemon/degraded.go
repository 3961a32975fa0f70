package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/backoff"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/store"
)

// When the state refuses a write (a full disk, issue 14), alerting must
// not depend on it: the inbox pass still flags each emergency and hands its
// alert to the dispatcher's in-memory fallback, which tries every channel
// at once. Nothing else moves without a record: no hold (the mail stays in
// the inbox, untouched), no acknowledgement, and the high-water mark stays
// where it is, so the pass is tried again, with backoff, over the same
// messages and whatever arrived since, until the state takes writes again;
// then everything is recorded as usual, and the alerts already sent from
// memory are recorded as delivered instead of being sent again (see
// notify's EnqueueMemory). Meanwhile the daemon never exits: it logs at
// error on each refused pass and /healthz is unhealthy with stateReason.

// errStateRefused marks a pass cut short because the state refused a write.
var errStateRefused = errors.New("the state cannot be written")

// stateReason is /healthz's reason while the state refuses writes.
const stateReason = "the state cannot be written (is its disk full?): emergencies are flagged and alerted from memory, nothing is held until it can be written"

// stateRetryMax caps the delay between two passes while the state refuses
// writes: an emergency arriving then waits at most this long for its alert.
const stateRetryMax = 10 * time.Second

// stateRefused reports a refused write, loudly.
func (d *Daemon) stateRefused(err error) {
	if !d.stateDown.Swap(true) {
		d.log.Error("THE STATE CANNOT BE WRITTEN: emergencies are flagged and alerted from memory, nothing is held until it can be written; free space where the state is",
			"state_dir", d.cfg.StateDir, "err", err)
	} else {
		d.log.Error("the state still cannot be written; nothing is held", "state_dir", d.cfg.StateDir, "err", err)
	}
	if m := d.opts.Metrics; m != nil {
		m.SetStateProblem(stateReason)
	}
}

// stateWritten reports a write that worked: the end of a refusal, if any.
func (d *Daemon) stateWritten() {
	if d.stateDown.Swap(false) {
		d.log.Warn("the state can be written again; holding resumes")
		if m := d.opts.Metrics; m != nil {
			m.SetStateProblem("")
		}
	}
}

// writeFailed is the error of a refused write outside a batch's first
// transaction: reported, and not Permanent (the daemon does not exit).
// After a batch's actions, the pass is tried again (the in-flight records
// make the messages still in the inbox be handled again, without a second
// alert); elsewhere the session ends and the next one settles what was left
// in flight.
func (d *Daemon) writeFailed(err error) error {
	d.stateRefused(err)
	return fmt.Errorf("writing state: %w", err)
}

// unrecorded handles a batch whose first transaction (the alerts and the
// in-flight records) the state refused: the emergencies are alerted from
// memory and flagged, nothing else is done.
func (d *Daemon) unrecorded(ctx context.Context, s *imapwatch.Session, items []*item, cause error) error {
	d.stateRefused(cause)
	for _, it := range items {
		if it.alert == nil {
			continue
		}
		if _, err := d.disp.EnqueueMemory(*it.alert, notify.GroupPrimary); err != nil {
			d.log.Error("emergency alert could not be kept in memory either", "uid", it.f.UID, "err", err)
		}
	}
	for _, it := range items {
		if it.alert == nil {
			continue
		}
		if err := s.Flag(ctx, it.f.UID, true); err != nil {
			if !isServerRefusal(err) {
				return err
			}
			d.log.Error("could not flag an escalated message; its alert is sent anyway", "uid", it.f.UID, "err", err)
		}
		d.log.Warn("emergency: message escalated, alert sent from memory (not recorded: the state cannot be written)",
			"uid", it.f.UID, "from", it.res.From, "rules", strings.Join(it.h.Rules, ","))
	}
	return fmt.Errorf("%w: %w", errStateRefused, cause)
}

// scan is scanOnce, tried again while the state refuses writes: each try
// alerts from memory what arrived since, until one is recorded.
func (d *Daemon) scan(ctx context.Context, s *imapwatch.Session, validity, hwm uint32) error {
	retry := backoff.Policy{Min: d.opts.MinBackoff, Max: stateRetryMax}
	if retry.Min <= 0 {
		retry.Min = time.Second
	}
	if d.opts.MaxBackoff > 0 {
		retry.Max = min(retry.Max, d.opts.MaxBackoff)
	}
	for failures := 1; ; failures++ {
		err := d.scanOnce(ctx, s, validity, hwm)
		if !errors.Is(err, errStateRefused) {
			return err
		}
		delay := retry.Delay(failures)
		d.log.Warn("inbox pass not recorded; trying again", "retry_in", delay.Round(time.Millisecond))
		if err := clock.Sleep(ctx, d.clock, delay); err != nil {
			return err
		}
		if v, h, ok, err := d.st.HighWater(d.cfg.IMAP.Inbox); err == nil && ok && v == validity {
			hwm = h
		}
	}
}

// recordFirstStart records the reading windows' starting point, tried again
// while the state refuses it: the window loop must not end for good on a
// full disk at first start. It returns only ctx's error.
func (d *Daemon) recordFirstStart(ctx context.Context, ws store.WindowRecord) error {
	retry := backoff.Policy{Min: time.Second, Max: 5 * time.Minute}
	for failures := 1; ; failures++ {
		err := d.st.SetWindowState(ws)
		if err == nil {
			return nil
		}
		delay := retry.Delay(failures)
		d.log.Error("writing window state; retrying", "err", err, "retry_in", delay.Round(time.Millisecond))
		if err := clock.Sleep(ctx, d.clock, delay); err != nil {
			return err
		}
	}
}
