package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/sdnotify"
	"github.com/boundaryd/boundaryd/store"
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
			_ = sdnotify.Ready()
			_ = sdnotify.Status("watching " + cfg.IMAP.Inbox)
		},
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailure
	}
	// A daemon that idles for days on a small machine: keep the heap close
	// to what is live (the compiled rules) rather than double it, and give
	// back what compiling them used.
	debug.SetGCPercent(50)
	debug.FreeOSMemory()
	if cfg.HTTP.Listen != "" {
		checker := &health.Checker{Session: metrics.Session, Hold: metrics.Hold, Clock: e.clock}
		if len(cfg.Emergency.Alerts) > 0 {
			checker.Alerts = d.Dispatcher()
		}
		srv := &health.Server{Metrics: metrics, Checker: checker, Logger: log}
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
		_ = sdnotify.Stopping()
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

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	var level slog.Level
	switch cfg.Log.Level {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
