package daemon

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/imapwatch"
)

// Watchdog is a supervisor's check that the IMAP loop is not wedged:
// systemd's WatchdogSec=, which restarts a service that stops pinging.
type Watchdog struct {
	// Timeout is how long the supervisor waits for a ping before it
	// restarts the daemon (systemd: $WATCHDOG_USEC); 0 turns it off.
	Timeout time.Duration
	// Ping tells the supervisor the daemon is alive (sd_notify WATCHDOG=1).
	Ping func() error
	// Status, when set, is told in plain words when pings are withheld and
	// when they resume (sd_notify STATUS=).
	Status func(string)
}

// The watchdog pings every Timeout/2 while the IMAP loop (imapwatch.Run and
// the daemon's handler on its goroutine) has shown progress within
// staleAfter: a command answered, a reconnection attempt, or a tick of one
// of its waits (IDLE, polling, the reconnection delay), which tick every
// staleAfter/progressTicksPerWindow. The timer goroutine alone proves
// nothing: pings stop once the loop is stuck (a handler that never returns,
// a lock never released), and systemd restarts the daemon at most
// staleAfter + Timeout later.
//
// staleAfter is at least staleCommands × the IMAP command timeout whatever
// Timeout is, because a healthy loop can be silent that long: a connection
// attempt to a server that accepts and then says nothing takes up to 3
// command timeouts (connect, then greeting, TLS and login) before it fails
// and the loop counts a reconnection attempt. An idle daemon is therefore
// never killed, even with a short WatchdogSec=.
const (
	staleCommands          = 4
	progressTicksPerWindow = 4
)

// liveness is the instant the IMAP loop last showed progress.
type liveness struct {
	clock clock.Clock
	last  atomic.Int64 // UnixNano, on clock
}

func newLiveness(c clock.Clock) *liveness {
	l := &liveness{clock: c}
	l.mark()
	return l
}

func (l *liveness) mark() { l.last.Store(l.clock.Now().UnixNano()) }

func (l *liveness) silence() time.Duration {
	return clock.Since(l.clock, time.Unix(0, l.last.Load()))
}

// watchdogStaleAfter is how long the IMAP loop may show no progress before
// pings are withheld (see the comment on staleCommands).
func watchdogStaleAfter(timeout, commandTimeout time.Duration) time.Duration {
	if commandTimeout <= 0 {
		commandTimeout = imapwatch.DefaultCommandTimeout
	}
	return max(timeout, staleCommands*commandTimeout)
}

// withWatchdog returns o reporting the IMAP loop's progress to the
// watchdog, and the watchdog's ping loop (which returns at once when the
// watchdog is off).
func (d *Daemon) withWatchdog(o imapwatch.Options) (imapwatch.Options, func(context.Context)) {
	w := d.opts.Watchdog
	if w.Timeout <= 0 || w.Ping == nil {
		return o, func(context.Context) {}
	}
	stale := watchdogStaleAfter(w.Timeout, o.CommandTimeout)
	live := newLiveness(d.clock)
	o.Progress = live.mark
	o.ProgressEvery = stale / progressTicksPerWindow
	d.log.Info("systemd watchdog on: pinging while the IMAP loop makes progress",
		"watchdog", w.Timeout, "ping_every", w.Timeout/2, "stuck_after", stale)
	return o, func(ctx context.Context) { d.pingWatchdog(ctx, w, live, stale) }
}

// pingWatchdog pings every w.Timeout/2 while the IMAP loop is live, until
// ctx ends.
func (d *Daemon) pingWatchdog(ctx context.Context, w Watchdog, live *liveness, stale time.Duration) {
	status := func(s string) {
		if w.Status != nil {
			w.Status(s)
		}
	}
	withholding, pingFailing := false, false
	for {
		silent := live.silence()
		switch {
		case silent < stale:
			if withholding {
				withholding = false
				d.log.Info("the IMAP loop makes progress again; watchdog pings resumed")
				status("watching " + d.cfg.IMAP.Inbox)
			}
			err := w.Ping()
			if err != nil && !pingFailing {
				d.log.Warn("cannot ping the systemd watchdog; systemd may restart boundaryd", "err", err)
			}
			pingFailing = err != nil
		case !withholding:
			withholding = true
			d.log.Error("the IMAP loop is stuck: withholding watchdog pings so that systemd restarts boundaryd",
				"silent_for", silent.Round(time.Second), "stuck_after", stale)
			status("stuck: the IMAP loop made no progress for " + silent.Round(time.Second).String() + "; waiting for the watchdog restart")
		}
		if clock.Sleep(ctx, d.clock, w.Timeout/2) != nil {
			return
		}
	}
}
