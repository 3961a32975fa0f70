package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/store"
)

func cmdHistory(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "history", "--config FILE [--since 7d] [--json]",
		"Prints what boundaryd did: each handled message (time, sender address, verdict, rules,\n"+
			"alert deliveries, reading windows) and each window. Never any message content.")
	path := configFlag(e, fs)
	sinceFlag := fs.String("since", "7d", "how far back: a number of days (7d) or a Go duration (36h)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	age, err := parseAge(*sinceFlag)
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd history: --since: %v\n", err)
		return exitUsage
	}
	cfg := loadConfig(e, *path)
	if cfg == nil {
		return exitFailure
	}
	since := e.clock.Now().Add(-age)
	var entries []store.AuditEntry
	resp, err := daemon.AskDaemon(ctx, cfg.StateDir, daemon.ControlRequest{Cmd: "history", Since: since})
	switch {
	case errors.Is(err, daemon.ErrNoDaemon):
		if _, serr := os.Stat(filepath.Join(cfg.StateDir, store.FileName)); errors.Is(serr, os.ErrNotExist) {
			fmt.Fprintf(e.stdout, "no history yet: boundaryd has not run with state_dir %s\n", cfg.StateDir)
			return exitOK
		}
		st, oerr := store.Open(cfg.StateDir, store.Options{ReadOnly: true, Clock: e.clock})
		if oerr != nil {
			fmt.Fprintf(e.stderr, "boundaryd history: %v\n", oerr)
			return exitFailure
		}
		entries, err = st.Audit(since)
		st.Close()
	case err == nil && !resp.OK:
		err = errors.New(resp.Error)
	case err == nil:
		entries = resp.History
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd history: %v\n", err)
		return exitFailure
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, en := range entries {
			if err := enc.Encode(en); err != nil {
				return exitFailure
			}
		}
		return exitOK
	}
	writeHistory(e.stdout, entries, cfg.Location)
	return exitOK
}

func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is neither 7d nor a duration like 36h", s)
	}
	return d, nil
}

func writeHistory(w io.Writer, entries []store.AuditEntry, loc *time.Location) {
	if len(entries) == 0 {
		fmt.Fprintln(w, "nothing in that period")
		return
	}
	for _, en := range entries {
		t := en.Time.In(loc).Format("2006-01-02 15:04")
		switch en.Kind {
		case store.AuditWindow:
			fmt.Fprintf(w, "%s  reading window %s: %d message(s)\n", t, en.Window, en.Count)
			continue
		case store.AuditPage, store.AuditConcern:
			fmt.Fprintf(w, "%s  %s\n", t, safetyNetLine(en))
			continue
		}
		fmt.Fprintf(w, "%s  %-9s %s", t, en.Verdict, en.Sender)
		if en.Level != "" && en.Level != "none" {
			fmt.Fprintf(w, "  level: %s", en.Level)
		}
		if len(en.Rules) > 0 {
			fmt.Fprintf(w, "  rules: %s", strings.Join(en.Rules, ", "))
		}
		for _, a := range en.Alerts {
			fmt.Fprintf(w, "  alert %s delivered %s", a.Channel, a.At.In(loc).Format("15:04:05"))
		}
		for _, win := range en.Windows {
			fmt.Fprintf(w, "  %s in window %s", win.Action, win.Window)
		}
		fmt.Fprintln(w)
	}
}

// safetyNetLine says in words what a page or concern entry records.
func safetyNetLine(en store.AuditEntry) string {
	who := en.Sender
	switch v := en.Verdict; {
	case strings.HasPrefix(v, "acknowledged:"):
		return fmt.Sprintf("page acknowledged (%s) %s, after %d repeat(s)", strings.TrimPrefix(v, "acknowledged:"), who, en.Count)
	case v == "repeated":
		return fmt.Sprintf("page repeated (repeat %d) %s: not yet acknowledged", en.Count, who)
	case v == "backup":
		return fmt.Sprintf("page sent to the backup channels %s, after %d repeat(s)", who, en.Count)
	case v == "grouped":
		return fmt.Sprintf("grouped page %s: %d messages in one alert", who, en.Count)
	case v == "summary":
		return fmt.Sprintf("summary page: %d more flagged without a page of their own (hourly cap)", en.Count)
	case v == "concern":
		return fmt.Sprintf("concern   %s  rules: %s (held; early-look notice at the next review time)", who, strings.Join(en.Rules, ", "))
	case v == "noticed":
		return fmt.Sprintf("early-look notice %s: %d held message(s)", who, en.Count)
	case v == "released-early":
		return fmt.Sprintf("%d held message(s) of a concern released early", en.Count)
	}
	return en.Kind + " " + en.Verdict + " " + who
}
