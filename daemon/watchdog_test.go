package daemon

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/internal/testsystemd"
	"github.com/boundaryd/boundaryd/store"
)

// runDaemon runs a daemon on cfg with opts (logger and state added) until
// the end of the test.
func runDaemon(t *testing.T, cfg *config.Config, opts Options) (*store.Store, *syncBuffer) {
	t.Helper()
	st, err := store.Open(cfg.StateDir, store.Options{Clock: opts.Clock})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.MinBackoff, opts.MaxBackoff = 50*time.Millisecond, time.Second
	d, err := New(cfg, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon stopped with %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("daemon did not stop within 5 s")
		}
		st.Close()
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	return st, logs
}

// watchdogPings collects the WATCHDOG=1 pings among notices until the
// first gap of at least silence, or until d has passed; it returns the
// pings seen and whether that silence was observed.
func watchdogPings(sock *testsystemd.Socket, d, silence time.Duration, statuses *[]string) (pings []time.Time, silent bool) {
	end := time.After(d)
	quiet := time.NewTimer(silence)
	defer quiet.Stop()
	for {
		select {
		case n := <-sock.C:
			if strings.HasPrefix(n.State, "STATUS=") {
				*statuses = append(*statuses, n.State)
			}
			if n.Has(sd.SdNotifyWatchdog) {
				pings = append(pings, n.At)
				quiet.Reset(silence)
			}
		case <-quiet.C:
			return pings, true
		case <-end:
			return pings, false
		}
	}
}

func maxGap(ts []time.Time) time.Duration {
	var m time.Duration
	for i := 1; i < len(ts); i++ {
		m = max(m, ts[i].Sub(ts[i-1]))
	}
	return m
}

// TestWatchdogFollowsTheIMAPLoop: with systemd's notify socket and
// watchdog set, the daemon says READY after its first login, pings the
// watchdog all along an idle IMAP session (IDLE lasts minutes; the pings
// must not stop), stops pinging once its IMAP loop is wedged (a hook that
// never returns, the connection itself being fine), so that systemd would
// restart it, and resumes when the loop moves again.
func TestWatchdogFollowsTheIMAPLoop(t *testing.T) {
	sock := testsystemd.Listen(t)
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{})}
	cfg := testConfig(t, srv, smtpsink.Start(t), startWebhook(t), envOpts{})
	const (
		timeout        = time.Second                                      // WatchdogSec
		commandTimeout = time.Second                                      // IMAP
		stale          = staleCommands * commandTimeout                   // 4s: pings withheld after
		systemdKills   = timeout                                          // a silence this long
		idlePhase      = 2 * stale                                        // well past stale, all in IDLE
		wedgeBound     = stale + timeout + 3*systemdKills + 5*time.Second // generous on a loaded machine
	)
	if got := watchdogStaleAfter(timeout, commandTimeout); got != stale {
		t.Fatalf("watchdogStaleAfter = %v, want %v", got, stale)
	}
	wedge := newMail("ana@patients.example", "wedge", "hello")
	wedged, release := make(chan struct{}), make(chan struct{})
	var wedgeOnce sync.Once // a reconnection may hand the message over again
	runDaemon(t, cfg, Options{
		CommandTimeout: commandTimeout,
		OnReady:        func() { _, _ = sd.SdNotify(false, sd.SdNotifyReady) },
		OnHandled: func(h Handled) {
			if strings.HasPrefix(h.Identity, messageIDOf(wedge)+"#") {
				wedgeOnce.Do(func() {
					close(wedged)
					<-release // the IMAP loop's goroutine is stuck here
				})
			}
		},
		Watchdog: Watchdog{
			Timeout: timeout,
			Ping: func() error {
				_, err := sd.SdNotify(false, sd.SdNotifyWatchdog)
				return err
			},
			Status: func(s string) { _, _ = sd.SdNotify(false, "STATUS="+s) },
		},
	})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	sock.WaitFor(t, sd.SdNotifyReady, waitLimit)
	var statuses []string
	pings, silent := watchdogPings(sock, idlePhase, 2*systemdKills, &statuses)
	// Pings every 500ms; a gap of twice the watchdog allows for a loaded
	// machine, while a daemon that lost its liveness in IDLE would fall
	// silent for the rest of the phase.
	if silent || len(pings) < int(idlePhase/timeout) {
		t.Fatalf("idle daemon: %d pings in %v, max gap %v: systemd would restart a healthy daemon", len(pings), idlePhase, maxGap(pings))
	}
	t.Logf("idle: %d pings in %v, max gap %v", len(pings), idlePhase, maxGap(pings))

	srv.Deliver("INBOX", wedge)
	select {
	case <-wedged:
	case <-time.After(waitLimit):
		t.Fatal("the message that wedges the loop was never handled")
	}
	start := time.Now()
	pings, silent = watchdogPings(sock, wedgeBound, 3*systemdKills, &statuses)
	if !silent {
		t.Fatalf("wedged loop: pings went on for %v (%d pings): systemd would never restart it", wedgeBound, len(pings))
	}
	lastPing := start
	if len(pings) > 0 {
		lastPing = pings[len(pings)-1]
	}
	t.Logf("wedged: pings stopped %v after the wedge", lastPing.Sub(start).Round(time.Millisecond))
	if !containsPrefix(statuses, "STATUS=stuck") {
		t.Errorf("no STATUS line saying the loop is stuck: %q", statuses)
	}

	close(release)
	released = true
	// The status is said first, then the pings go on.
	sock.WaitFor(t, "STATUS=watching INBOX", waitLimit)
	sock.WaitFor(t, sd.SdNotifyWatchdog, waitLimit)
}

func containsPrefix(ss []string, prefix string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
