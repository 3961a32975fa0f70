package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/memtrim"
	"github.com/boundaryd/boundaryd/store"
	sd "github.com/coreos/go-systemd/v22/daemon"
)

// stopGrace is how long a stop may take before the process leaves anyway
// (the contract promises 5 s; the state is consistent at any instant).
const stopGrace = 4500 * time.Millisecond

func cmdRun(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "run", "--config FILE",
		"Runs the daemon in the foreground: watches the inbox, holds patients' mail,\n"+
			"escalates emergencies and delivers the reading windows. Logs go to stderr.\n"+
			"Stops on SIGINT/SIGTERM within 5 seconds.")
	path := configFlag(e, fs)
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	cfg := loadWithSecrets(e, *path, false)
	if cfg == nil {
		return exitFailure
	}
	log := newLogger(e.stderr, cfg)
	st, err := store.Open(cfg.StateDir, store.Options{Clock: e.clock})
	if err != nil {
		log.Error("cannot open the state", "dir", cfg.StateDir, "err", err)
		return exitFailure
	}
	defer st.Close()
	metrics := health.NewMetrics(e.clock)
	d, err := daemon.New(cfg, st, daemon.Options{
		Logger:  log,
		Metrics: metrics,
		Clock:   e.clock,
		OnReady: func() {
			notifySystemd(log, sd.SdNotifyReady+"\n"+sdStatus("watching "+cfg.IMAP.Inbox))
			// The first session is up: connecting, logging in and selecting were start-up too.
			trimStartup(log)
		},
		Watchdog: systemdWatchdog(log),
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailure
	}
	// A daemon that idles for days on a small machine: keep the heap close
	// to what is live (the compiled rules and the text model) rather than
	// double it, and give back what starting used.
	debug.SetGCPercent(50)
	trimStartup(log)
	if cfg.HTTP.Listen != "" {
		checker := &health.Checker{Session: metrics.Session, Hold: metrics.Hold, Clock: e.clock}
		if len(cfg.Emergency.Alerts) > 0 {
			checker.Alerts = d.Dispatcher()
		}
		srv := &health.Server{Metrics: metrics, Checker: checker, Logger: log, Actions: d}
		ln, err := srv.Listen(ctx, cfg.HTTP.Listen)
		if err != nil {
			log.Error("cannot listen for health and metrics", "listen", cfg.HTTP.Listen, "err", err)
			return exitFailure
		}
		go func() {
			if err := srv.ServeListener(ctx, ln); err != nil {
				log.Error("health and metrics server stopped", "err", err)
			}
		}()
		log.Info("health and metrics", "url", "http://"+ln.Addr().String()+"/healthz")
	}
	log.Info("boundaryd started", "version", version, "imap", cfg.IMAP.Host, "inbox", cfg.IMAP.Inbox, "hold_folder", cfg.IMAP.HoldFolder, "state_dir", cfg.StateDir)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		notifySystemd(log, sd.SdNotifyStopping+"\n"+sdStatus("stopping: finishing the message in hand"))
		log.Info("stopping")
		select {
		case err = <-done:
		case <-time.After(stopGrace):
			log.Warn("stop took too long; leaving now (state is safe)")
			return exitOK
		}
	}
	if err != nil {
		log.Error("boundaryd stopped", "err", err)
		fmt.Fprintf(e.stderr, "boundaryd: %v\n", err)
		return exitFailure
	}
	log.Info("boundaryd stopped")
	return exitOK
}

// trimStartup gives back the memory start-up used and no longer needs: the
// free heap, and the executable's pages (most of it; the loop maps back the
// few it uses). Called once the daemon is built, and again once its first
// session is up.
func trimStartup(log *slog.Logger) {
	if st, err := memtrim.Startup(); err != nil {
		log.Warn("cannot give back the start-up's memory", "err", err)
	} else {
		log.Debug("gave back the start-up's memory", "mappings", st.Mappings, "bytes", st.Bytes)
	}
}

// notifySystemd sends state to systemd's notify socket (sd_notify: READY,
// STOPPING, STATUS), doing nothing when the daemon was not started by
// systemd with Type=notify ($NOTIFY_SOCKET unset). A failure is logged,
// never fatal: the daemon watches mail whether systemd hears it or not.
func notifySystemd(log *slog.Logger, state string) {
	if _, err := sd.SdNotify(false, state); err != nil {
		log.Warn("cannot notify systemd", "err", err)
	}
}

// sdStatus is a STATUS= line for "systemctl status". It carries no patient
// data (admins and the journal read it) and fits on one line.
func sdStatus(s string) string {
	return "STATUS=" + strings.ReplaceAll(s, "\n", " ")
}

// systemdWatchdog reads the watchdog systemd set for this process
// (WatchdogSec= in the unit: $WATCHDOG_USEC and $WATCHDOG_PID); the zero
// Watchdog (off) when there is none.
func systemdWatchdog(log *slog.Logger) daemon.Watchdog {
	timeout, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("ignoring systemd's watchdog settings", "err", err)
		return daemon.Watchdog{}
	}
	if timeout <= 0 {
		return daemon.Watchdog{}
	}
	return daemon.Watchdog{
		Timeout: timeout,
		Ping: func() error {
			_, err := sd.SdNotify(false, sd.SdNotifyWatchdog)
			return err
		},
		Status: func(s string) { notifySystemd(log, sdStatus(s)) },
	}
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Log.Level.Slog()}
	if cfg.Log.Format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
