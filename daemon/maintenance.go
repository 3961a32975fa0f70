package daemon

import (
	"context"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// maintenanceEvery is how often the state is pruned. store.Open prunes once
// at start; a daemon that runs for months prunes daily, so the audit log
// and the outbox's de-duplication keys stay within the store's retentions
// (store.Options.AuditRetention, DeliveredRetention) instead of growing for
// ever.
const maintenanceEvery = 24 * time.Hour

// maintain prunes the state every maintenanceEvery after from, on the
// daemon's clock, until ctx ends. Waiting by the wall clock (WaitUntil)
// means a machine that slept through the day prunes at resume.
func (d *Daemon) maintain(ctx context.Context, from time.Time) {
	next := from.Add(maintenanceEvery)
	for {
		if err := clock.WaitUntil(ctx, d.clock, next); err != nil {
			return
		}
		p, err := d.st.Prune()
		if err != nil {
			// Not fatal: the state is only larger than it should be; the
			// next day tries again.
			d.log.Error("pruning the state failed; retrying tomorrow", "err", err)
		} else {
			d.log.Info("pruned the state", "audit_entries", p.Audit, "delivered_alert_keys", p.Delivered)
		}
		d.pruneSafetyNet()
		if d.opts.OnPrune != nil {
			d.opts.OnPrune(p, err)
		}
		// A day after this one; a machine that slept through several days
		// prunes once at resume, not once per day missed.
		next = next.Add(maintenanceEvery)
		if now := d.clock.Now(); !next.After(now) {
			next = now.Add(maintenanceEvery)
		}
	}
}
