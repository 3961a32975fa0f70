package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/store"
)

func cmdDigest(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "digest", "--config FILE --now",
		"Delivers a reading window right now: the digest of everything held since the last\n"+
			"window, then the release (per reading_windows.delivery). Works while the daemon runs\n"+
			"(it asks the daemon to do it): never twice, nothing lost.")
	path := configFlag(e, fs)
	now := fs.Bool("now", false, "deliver the window now (required)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if !*now {
		fmt.Fprintln(e.stderr, "boundaryd digest: say --now to deliver a reading window now")
		return exitUsage
	}
	cfg := loadConfig(e, *path)
	if cfg == nil {
		return exitFailure
	}
	req := daemon.ControlRequest{Cmd: "digest-now"}
	resp, err := daemon.AskDaemon(ctx, cfg.StateDir, req)
	if errors.Is(err, daemon.ErrNoDaemon) {
		resp, err = inProcess(ctx, e, cfg, req)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd digest: %v\n", err)
		return exitFailure
	}
	if !resp.OK {
		fmt.Fprintf(e.stderr, "boundaryd digest: %s\n", resp.Error)
		return exitFailure
	}
	w := resp.Window
	switch {
	case w.Messages == 0:
		fmt.Fprintln(e.stdout, "nothing held: no digest")
	default:
		fmt.Fprintf(e.stdout, "reading window %s: %d held message(s); digest appended: %v; released: %d\n", w.ID, w.Messages, w.Digest, w.Released)
	}
	return exitOK
}

// inProcess runs a control request without a running daemon, on the state
// directly.
func inProcess(ctx context.Context, e *env, cfg *config.Config, req daemon.ControlRequest) (daemon.ControlResponse, error) {
	st, err := store.Open(cfg.StateDir, store.Options{Clock: e.clock})
	if err != nil {
		return daemon.ControlResponse{}, err
	}
	defer st.Close()
	d, err := daemon.New(cfg, st, daemon.Options{Logger: newLogger(e.stderr, cfg), Clock: e.clock})
	if err != nil {
		return daemon.ControlResponse{}, err
	}
	return d.Control(ctx, req), nil
}
