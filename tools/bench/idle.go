package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// idleTool is one tool's footprint over an idle IDLE session.
type idleTool struct {
	Skipped      string  `json:"skipped,omitempty"`
	Error        string  `json:"error,omitempty"`
	DurationS    float64 `json:"duration_s"`
	RSSMaxKB     int64   `json:"rss_max_kb"`
	RSSEndKB     int64   `json:"rss_end_kb"`
	HWMKB        int64   `json:"vmhwm_kb"`
	RSSAnonKB    int64   `json:"rss_anon_end_kb"`
	RSSFileKB    int64   `json:"rss_file_end_kb"`
	CPUS         float64 `json:"cpu_s"`
	CPUPercent   float64 `json:"cpu_percent"`
	GoroutinesT0 int     `json:"goroutines_start,omitempty"`
	GoroutinesT1 int     `json:"goroutines_end,omitempty"`
	GoroutineMax int     `json:"goroutines_max,omitempty"`
}

type idleResult struct {
	Boundaryd  idleTool `json:"boundaryd"`
	Imapfilter idleTool `json:"imapfilter"`
	Note       string   `json:"note"`
}

// sampleIdle samples pid's RSS every second for dur, and CPU at both ends;
// goroutines reads go_goroutines (nil for imapfilter).
func sampleIdle(ctx context.Context, pid int, dur time.Duration, goroutines func() (int, bool)) (out idleTool) {
	cpu0, _ := cpuSeconds(pid)
	t0 := time.Now()
	if goroutines != nil {
		out.GoroutinesT0, _ = goroutines()
		out.GoroutineMax = out.GoroutinesT0
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	n := 0
	end := time.After(dur)
loop:
	for {
		select {
		case <-ctx.Done():
			out.Error = ctx.Err().Error()
			break loop
		case <-end:
			break loop
		case <-tick.C:
			rss, _, ok := memKB(pid)
			if !ok {
				out.Error = "process exited during the idle period"
				return out
			}
			out.RSSMaxKB = max(out.RSSMaxKB, rss)
			// /metrics is scraped once a minute only: a scrape allocates in
			// the daemon, and every second it grew the idle heap it measures.
			n++
			if goroutines != nil && n%60 == 0 {
				if g, ok := goroutines(); ok {
					out.GoroutineMax = max(out.GoroutineMax, g)
				}
			}
		}
	}
	cpu1, _ := cpuSeconds(pid)
	out.DurationS = time.Since(t0).Seconds()
	out.CPUS = cpu1 - cpu0
	out.CPUPercent = 100 * out.CPUS / out.DurationS
	out.RSSEndKB, out.HWMKB, _ = memKB(pid)
	out.RSSAnonKB, out.RSSFileKB = rssParts(pid)
	out.RSSMaxKB = max(out.RSSMaxKB, out.RSSEndKB)
	if goroutines != nil {
		out.GoroutinesT1, _ = goroutines()
	}
	return out
}

// runIdle starts boundaryd and imapfilter on idle mailboxes and samples
// them for the idle duration. It runs alongside the other scenarios: each
// process is measured on its own (its RSS, its CPU time), and nothing
// reaches its mailbox.
func (b *bench) runIdle(ctx context.Context) idleResult {
	res := idleResult{Note: fmt.Sprintf("sampled every 1 s for %s while other scenarios ran on other mailboxes; CPU from /proc/PID/stat utime+stime", b.sz.idle)}
	type one struct {
		imf bool
		t   idleTool
	}
	ch := make(chan one, 2)
	go func() { ch <- one{false, b.idleBoundaryd(ctx)} }()
	if haveImapfilter() {
		go func() { ch <- one{true, b.idleImapfilter(ctx)} }()
	} else {
		res.Imapfilter.Skipped = "imapfilter not installed (apt-get install imapfilter)"
	}
	for range 1 + boolInt(haveImapfilter()) {
		o := <-ch
		if o.imf {
			res.Imapfilter = o.t
		} else {
			res.Boundaryd = o.t
		}
	}
	return res
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (b *bench) idleBoundaryd(ctx context.Context) idleTool {
	dir := filepath.Join(b.work, "idle-bd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return idleTool{Error: err.Error()}
	}
	sinks, err := startAlertSinks()
	if err != nil {
		return idleTool{Error: err.Error()}
	}
	defer sinks.close()
	if err := b.dc.createMailbox(ctx, "idle-bd", "Held"); err != nil {
		return idleTool{Error: err.Error()}
	}
	var env []string
	profDir := ""
	if b.opts.profile != "" {
		// Heap sampled finely (the idle heap is a few MB); written, with the process's smaps, once the
		// idle period is measured.
		profDir = filepath.Join(b.opts.profile, "idle")
		if err := os.MkdirAll(profDir, 0o755); err != nil {
			return idleTool{Error: err.Error()}
		}
		_ = os.Remove(filepath.Join(profDir, "done"))
		env = append(env, "BOUNDARYD_PROFILE_DIR="+profDir, "BOUNDARYD_PROFILE_MEMRATE=4096")
	}
	sub, err := startSubprocess(ctx, b.bin, dir, sinks.config(b.dc.srv.Port(), "idle-bd", filepath.Join(dir, "state"), "new"), env...)
	if err != nil {
		return idleTool{Error: err.Error()}
	}
	defer sub.stop()
	if profDir != "" {
		defer func() {
			if smaps, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", sub.pid())); err == nil {
				_ = os.WriteFile(filepath.Join(profDir, "smaps"), smaps, 0o644)
			}
			if err := sub.writeProfiles(ctx, profDir); err != nil {
				b.logf("idle: %v", err)
			} else {
				b.logf("idle: heap profile and smaps in %s (go tool pprof -sample_index=inuse_space -top %s/boundaryd %s/heap.pprof)", profDir, b.work, profDir)
			}
		}()
	}
	// Ready: the session is up and the first pass is done.
	if !waitFor(ctx, 30*time.Second, func() bool {
		m, err := scrape(sub.metrics)
		return err == nil && m["boundaryd_imap_session_up"] == 1
	}) {
		return idleTool{Error: "boundaryd session not up within 30 s: " + tail(filepath.Join(dir, "boundaryd.log"))}
	}
	time.Sleep(time.Second) // let the first IDLE begin
	return sampleIdle(ctx, sub.pid(), b.sz.idle, func() (int, bool) {
		m, err := scrape(sub.metrics)
		if err != nil {
			return 0, false
		}
		return int(m["go_goroutines"]), true
	})
}

func (b *bench) idleImapfilter(ctx context.Context) idleTool {
	dir := filepath.Join(b.work, "idle-imf")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return idleTool{Error: err.Error()}
	}
	if err := b.dc.createMailbox(ctx, "idle-imf", "Held"); err != nil {
		return idleTool{Error: err.Error()}
	}
	cmd, done, err := startImapfilter(dir, imapfilterConfig(b.dc.srv.Port(), "idle-imf", true))
	if err != nil {
		return idleTool{Error: err.Error()}
	}
	defer stopCmd(cmd, done)
	time.Sleep(2 * time.Second) // login, first filter pass, IDLE
	select {
	case <-done:
		return idleTool{Error: "imapfilter exited: " + tail(filepath.Join(dir, "imapfilter.log"))}
	default:
	}
	return sampleIdle(ctx, cmd.Process.Pid, b.sz.idle, nil)
}
