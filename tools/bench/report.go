package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

type row struct {
	Scenario   string `json:"scenario"`
	Boundaryd  string `json:"boundaryd"`
	Imapfilter string `json:"imapfilter"`
	Target     string `json:"target"`
	Result     string `json:"result"` // PASS, FAIL, info
}

type generatedStats struct {
	RejectedEmergency int `json:"rejected_emergency_candidates"`
	RejectedBenign    int `json:"rejected_benign_candidates"`
}

type report struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Go      string `json:"go"`
	Dovecot string `json:"dovecot"`
	Mode    string `json:"mode"`
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 minute
	// averages when the run started and ended: the machine may be shared.
	LoadStart string          `json:"loadavg_start"`
	LoadEnd   string          `json:"loadavg_end"`
	WallS     float64         `json:"wall_s"`
	Rows      []row           `json:"table"`
	Latency   *latencyResult  `json:"latency,omitempty"`
	Backlog   *backlogResult  `json:"backlog,omitempty"`
	Idle      *idleResult     `json:"idle,omitempty"`
	Memory    *bigResult      `json:"memory,omitempty"`
	Classify  *classifyResult `json:"classify,omitempty"`
	Generated generatedStats  `json:"generated"`
	Notes     []string        `json:"notes,omitempty"`
}

func newReport(o options, sz sizes) *report {
	mode := "full"
	if o.quick {
		mode = "quick"
	}
	return &report{Date: time.Now().Format(time.RFC3339), Machine: machine(), Go: runtime.Version(), Mode: mode, LoadStart: loadAvg()}
}

// loadAvg is the 1, 5 and 15 minute load averages ("" when unreadable).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func machine() string {
	model := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%s, %d cores, %s/%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func sec(msv float64) string { return fmt.Sprintf("%.2f", msv/1000) }

func pctls(d dist) string {
	if d.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%s/%s/%s/%s s", sec(d.P50), sec(d.P95), sec(d.P99), sec(d.Max))
}

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func skippedOr(skip, errText, v string) string {
	switch {
	case skip != "":
		return "skipped"
	case errText != "":
		return "error: " + truncate(errText, 60)
	}
	return v
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// evaluate turns the results into the table, judged against the issue's
// targets.
func (r *report) evaluate() {
	add := func(s, bd, imf, target, res string) { r.Rows = append(r.Rows, row{s, bd, imf, target, res}) }
	if l := r.Latency; l != nil {
		bd, imf := l.Boundaryd, l.Imapfilter
		imfFlag := skippedOr(imf.Skipped, "", pctls(imf.Flagged)+" (flag seen)")
		add(fmt.Sprintf("alert latency p50/p95/p99/max (%d emergencies)", l.Emergencies), pctls(bd.Alert)+" (SMTP accepted)", imfFlag,
			"p99 < 1.5 s", verdict(bd.Alert.N == l.Emergencies && bd.Alert.P99 < 1500))
		add("flag latency, seen by 20 ms poller", pctls(bd.Flagged), imfFlag, "-", "info")
		add("Dovecot IDLE floor (bare go-imap IDLE -> EXISTS)", pctls(l.IdleFloor), "(same server)", "~0.5 s", "info")
		add(fmt.Sprintf("hold latency p50/p95/p99/max (%d benign)", l.Benign), pctls(bd.Held), skippedOr(imf.Skipped, "", pctls(imf.Held)), "-", "info")
		okBD := len(bd.MissingAlert) == 0 && len(bd.MissingFlagged) == 0 && len(bd.MissingHeld) == 0 && bd.WrongFlagged == 0 && bd.WrongHeld == 0
		imfDone := fmt.Sprintf("%d/%d flagged, %d/%d held", imf.Flagged.N, l.Emergencies, imf.Held.N, l.Benign)
		if imf.Unfinished != "" {
			imfDone += " (unfinished, see note)"
			r.Notes = append(r.Notes, "imapfilter did not finish the latency run: "+imf.Unfinished)
		}
		add("latency run: every emergency alerted, every benign held",
			fmt.Sprintf("%d/%d alerted, %d/%d held", bd.Alert.N, l.Emergencies, bd.Held.N, l.Benign),
			skippedOr(imf.Skipped, "", imfDone), "all", verdict(okBD))
	}
	if b := r.Backlog; b != nil {
		bd, imf := b.Boundaryd, b.Imapfilter
		if imf.Unfinished != "" {
			r.Notes = append(r.Notes, "imapfilter did not finish the backlog: "+imf.Unfinished)
		}
		rate := func(t backlogTool) string {
			if t.Unfinished != "" {
				return fmt.Sprintf("unfinished at the %.0f s limit (see note)", t.LimitS)
			}
			if !t.Complete && t.Handled > 0 {
				return fmt.Sprintf("%.0f msg/s (only %d done at the %.0f s limit)", t.MsgsPerS, t.Handled, t.WallS)
			}
			return skippedOr(t.Skipped, t.Error, fmt.Sprintf("%.0f msg/s (%.1f s)", t.MsgsPerS, t.WallS))
		}
		faster := imf.Skipped != "" || imf.Error != "" || bd.MsgsPerS > imf.MsgsPerS
		add(fmt.Sprintf("backlog: all, %d msgs: rate (wall)", b.Messages), rate(bd), rate(imf), "≥ 200 msg/s, > imapfilter",
			verdict(bd.Complete && bd.MsgsPerS >= 200 && faster))
		peak := mb(bd.PeakRSSKB)
		if bd.EndAnonKB > 0 {
			peak += fmt.Sprintf(" (at the end: %s anon + %s files)", mb(bd.EndAnonKB), mb(bd.EndFileKB))
		}
		add("backlog peak RSS", peak, skippedOr(imf.Skipped, "", mb(imf.PeakRSSKB)), "< 64 MB", verdict(bd.Error == "" && bd.PeakRSSKB < 64*1024))
		bytesOf := func(t backlogTool) string {
			return fmt.Sprintf("%.0f MB (%.0f%%)", float64(t.BytesFromIM)/1e6, 100*float64(t.BytesFromIM)/float64(max(1, b.MailboxBytes)))
		}
		add(fmt.Sprintf("backlog bytes fetched of %.0f MB (%.0f MB attachments)", float64(b.MailboxBytes)/1e6, float64(b.AttachBytes)/1e6),
			bytesOf(bd), skippedOr(imf.Skipped, "", bytesOf(imf)), "text+headers only (≤ 1.2× non-attachment bytes)",
			verdict(bd.Error == "" && float64(bd.BytesFromIM) < 1.2*float64(b.MailboxBytes-b.AttachBytes)))
		state := func(t backlogTool) string {
			return fmt.Sprintf("%d flagged in INBOX, %d held", t.Flagged, t.Held)
		}
		add(fmt.Sprintf("backlog outcome (%d emergencies, %d benign)", b.Emergencies, b.Messages-b.Emergencies),
			state(bd)+fmt.Sprintf(", %d alerts", bd.Alerts), skippedOr(imf.Skipped, "", state(imf)), "exact",
			verdict(bd.Complete && bd.Flagged == b.Emergencies && bd.InboxLeft == b.Emergencies && bd.Held == b.Messages-b.Emergencies && bd.Alerts == b.Emergencies))
		if len(bd.Commands) > 0 {
			add("backlog IMAP commands per 50 messages", commandsPer(bd.Commands, b.Messages, 50), "", "-", "info")
		}
	}
	if i := r.Idle; i != nil {
		bd, imf := i.Boundaryd, i.Imapfilter
		dur := time.Duration(bd.DurationS * float64(time.Second)).Round(time.Second)
		add(fmt.Sprintf("idle RSS max over %s", dur), skippedOr("", bd.Error, mb(bd.RSSMaxKB)), skippedOr(imf.Skipped, imf.Error, mb(imf.RSSMaxKB)),
			"≤ 20 MB", verdict(bd.Error == "" && bd.RSSMaxKB > 0 && bd.RSSMaxKB <= 20*1024))
		cpu := func(t idleTool) string { return fmt.Sprintf("%.2f s (%.3f%%)", t.CPUS, t.CPUPercent) }
		add("idle CPU", skippedOr("", bd.Error, cpu(bd)), skippedOr(imf.Skipped, imf.Error, cpu(imf)), "-", "info")
		add("idle goroutines start -> end (max)", fmt.Sprintf("%d -> %d (%d)", bd.GoroutinesT0, bd.GoroutinesT1, bd.GoroutineMax), "n/a",
			"stable", verdict(bd.Error == "" && bd.GoroutinesT0 > 0 && bd.GoroutinesT1 <= bd.GoroutinesT0+2))
	}
	if m := r.Memory; m != nil {
		add(fmt.Sprintf("peak RSS: %.0f MB message vs %.0f KB message", float64(m.Big.MessageBytes)/1e6, float64(m.Small.MessageBytes)/1e3),
			fmt.Sprintf("%s vs %s", mb(m.Big.PeakRSSKB), mb(m.Small.PeakRSSKB)), "n/a", "big ≤ small (+10%)",
			verdict(m.Big.Error == "" && m.Small.Error == "" && float64(m.Big.PeakRSSKB) <= 1.10*float64(m.Small.PeakRSSKB)))
		add("bytes fetched for that one message", fmt.Sprintf("%.1f KB vs %.1f KB", float64(m.Big.BytesFetched)/1e3, float64(m.Small.BytesFetched)/1e3), "n/a", "-", "info")
	}
	if c := r.Classify; c != nil {
		for _, k := range c.Cases {
			add("classify "+k.Name, fmt.Sprintf("%.1f MB/s, %.0f allocs/op, %.0f B/op", k.MBPerS, k.Allocs, k.BPerOp), "n/a", "-", "info")
		}
	}
}

func (r *report) printTable(w io.Writer) {
	fmt.Fprintf(w, "\nboundaryd bench (%s) — %s — %s — %s, Dovecot %s — %.0f s — load average %s at start, %s at end\n\n",
		r.Mode, r.Date, r.Machine, r.Go, r.Dovecot, r.WallS, r.LoadStart, r.LoadEnd)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tboundaryd\timapfilter\ttarget\tresult")
	for _, x := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Scenario, x.Boundaryd, x.Imapfilter, x.Target, x.Result)
	}
	_ = tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func (r *report) writeJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// commandsPer says how many commands of each kind were sent per per
// messages of n, the commonest first, with the total.
func commandsPer(cmds map[string]int, n, per int) string {
	names := make([]string, 0, len(cmds))
	total := 0
	for k, v := range cmds {
		names = append(names, k)
		total += v
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(cmds[b], cmds[a]), cmp.Compare(a, b)) })
	scale := float64(per) / float64(max(n, 1))
	parts := []string{fmt.Sprintf("%.1f in all", float64(total)*scale)}
	for _, k := range names {
		if v := float64(cmds[k]) * scale; v >= 0.05 {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, v))
		}
	}
	return strings.Join(parts, ", ")
}
