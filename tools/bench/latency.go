package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// dist summarises durations in milliseconds (nearest-rank percentiles).
type dist struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

func distOf(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) float64 {
		i := int(float64(len(s))*p+0.999999) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return dist{N: len(s), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: ms(s[len(s)-1]), Mean: ms(sum / time.Duration(len(s)))}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// toolLatency is one tool's result in the latency scenario.
type toolLatency struct {
	Skipped string `json:"skipped,omitempty"`
	// Alert: delivery -> alert accepted by the SMTP sink (boundaryd only).
	Alert        dist `json:"alert_smtp"`
	AlertWebhook dist `json:"alert_webhook"`
	// Flagged / Held: delivery -> the poller (20 ms) sees the message
	// flagged in INBOX / present in Held.
	Flagged dist `json:"flagged_seen"`
	Held    dist `json:"held_seen"`
	// What did not happen within the limit.
	MissingAlert   []string `json:"missing_alert,omitempty"`
	MissingFlagged []string `json:"missing_flagged,omitempty"`
	MissingHeld    []string `json:"missing_held,omitempty"`
	WrongFlagged   int      `json:"benign_flagged"`
	WrongHeld      int      `json:"emergency_held"`
	// Wait is how the wait for the outcome after the last delivery ended.
	Wait waitResult `json:"wait"`
	// Unfinished says why the tool's outcome is incomplete where the bench
	// stopped waiting for it (imapfilter only: for boundaryd that is a
	// failure, seen in the Missing lists).
	Unfinished string `json:"unfinished,omitempty"`
}

type latencyResult struct {
	Emergencies int         `json:"emergencies"`
	Benign      int         `json:"benign"`
	GapMS       [2]int      `json:"gap_ms"`
	IdleFloor   dist        `json:"dovecot_idle_floor"`
	DoveadmSave dist        `json:"doveadm_save"`
	Boundaryd   toolLatency `json:"boundaryd"`
	Imapfilter  toolLatency `json:"imapfilter"`
}

// deliverAll saves each mail one at a time with doveadm save after a random
// gap; it returns when each delivery completed (doveadm save returned: the
// message is in the mailbox) and how long each save took.
func deliverAll(ctx context.Context, dc *dovecot, user string, mails []genMail, gap func() time.Duration) (map[string]time.Time, []time.Duration, error) {
	at := map[string]time.Time{}
	var took []time.Duration
	for _, m := range mails {
		select {
		case <-ctx.Done():
			return at, took, ctx.Err()
		case <-time.After(gap()):
		}
		start := time.Now()
		if err := dc.save(ctx, user, m.Raw); err != nil {
			return at, took, err
		}
		at[m.ID] = time.Now()
		took = append(took, at[m.ID].Sub(start))
	}
	return at, took, nil
}

// waitFor polls cond every 50 ms until it holds or limit passes.
func waitFor(ctx context.Context, limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// watch starts pollers on INBOX (flagged) and Held for user.
func watch(ctx context.Context, dc *dovecot, user string) (flagged, held *arrivals, stop func(), err error) {
	pf, err := newPoller(dc.addr(), user, "INBOX", true)
	if err != nil {
		return nil, nil, nil, err
	}
	ph, err := newPoller(dc.addr(), user, "Held", false)
	if err != nil {
		pf.c.Close()
		return nil, nil, nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go pf.run(pctx, &wg)
	go ph.run(pctx, &wg)
	return pf.seen, ph.seen, func() { cancel(); wg.Wait() }, nil
}

// measure delivers mails to user while a tool runs, waits for its outcome
// within bound, and collects latencies. smtpGot is nil for a tool that
// cannot alert.
func measure(ctx context.Context, dc *dovecot, user string, mails []genMail, gap func() time.Duration, bound waitBound,
	smtpGot, hookGot *arrivals) (toolLatency, []time.Duration, error) {
	var tl toolLatency
	flagged, held, stop, err := watch(ctx, dc, user)
	if err != nil {
		return tl, nil, err
	}
	defer stop()
	delivered, took, err := deliverAll(ctx, dc, user, mails, gap)
	if err != nil {
		return tl, took, err
	}
	// One outcome per expected action: each emergency flagged (and
	// alerted, for a tool that alerts), each benign message held.
	progress := func() (seen, want int) {
		for _, m := range mails {
			if m.Emergency {
				seen += seenIn(flagged, m.ID)
				want++
				if smtpGot != nil {
					seen += seenIn(smtpGot, m.ID)
					want++
				}
			} else {
				seen += seenIn(held, m.ID)
				want++
			}
		}
		return seen, want
	}
	tl.Wait = awaitOutcome(ctx, bound, progress)
	var alert, hook, fl, hd []time.Duration
	// note adds id's delay from delivery to its arrival in a to ds, or id
	// to missing (when not nil) if a has not seen it.
	note := func(a *arrivals, id string, ds *[]time.Duration, missing *[]string) {
		if t, ok := a.get(id); ok {
			*ds = append(*ds, t.Sub(delivered[id]))
		} else if missing != nil {
			*missing = append(*missing, id)
		}
	}
	for _, m := range mails {
		if !m.Emergency {
			note(held, m.ID, &hd, &tl.MissingHeld)
			tl.WrongFlagged += seenIn(flagged, m.ID)
			continue
		}
		if smtpGot != nil {
			note(smtpGot, m.ID, &alert, &tl.MissingAlert)
			note(hookGot, m.ID, &hook, nil)
		}
		note(flagged, m.ID, &fl, &tl.MissingFlagged)
		tl.WrongHeld += seenIn(held, m.ID)
	}
	tl.Alert, tl.AlertWebhook, tl.Flagged, tl.Held = distOf(alert), distOf(hook), distOf(fl), distOf(hd)
	return tl, took, nil
}

// seenIn is 1 when a has seen id, else 0.
func seenIn(a *arrivals, id string) int {
	_, ok := a.get(id)
	return boolInt(ok)
}

// warmUp delivers one benign message and waits up to limit until it is
// held: the tool is then surely in IDLE.
func warmUp(ctx context.Context, dc *dovecot, user string, m genMail, limit time.Duration) error {
	_, held, stop, err := watch(ctx, dc, user)
	if err != nil {
		return err
	}
	defer stop()
	if err := dc.save(ctx, user, m.Raw); err != nil {
		return err
	}
	if !waitFor(ctx, limit, func() bool { _, ok := held.get(m.ID); return ok }) {
		return fmt.Errorf("warm-up message %s %w: not held within %s", m.ID, errNotFinished, limit)
	}
	return nil
}

// runLatency is the alert and hold latency scenario for both tools, plus
// Dovecot's IDLE floor.
func (b *bench) runLatency(ctx context.Context) (latencyResult, error) {
	res := latencyResult{GapMS: b.sz.gapMS}
	plan := sizePlan{textLo: 700, textHi: 20000, attachRatio: 0.05, attachLo: 20 << 10, attachHi: b.sz.latencyAttachMax}
	var mails []genMail
	for i := range b.sz.latencyEach * 2 {
		m, err := b.check.make(b.gen, i%2 == 0, plan)
		if err != nil {
			return res, err
		}
		mails = append(mails, m)
	}
	b.gen.r.Shuffle(len(mails), func(i, j int) { mails[i], mails[j] = mails[j], mails[i] })
	res.Emergencies, res.Benign = b.sz.latencyEach, b.sz.latencyEach
	warm := func() genMail { m, _ := b.check.make(b.gen, false, plan); return m }
	gap := func() time.Duration {
		lo, hi := b.sz.gapMS[0], b.sz.gapMS[1]
		return time.Duration(lo+b.gen.r.IntN(hi-lo+1)) * time.Millisecond
	}

	b.logf("latency: Dovecot IDLE floor, %d messages", b.sz.floorN)
	floor, err := idleFloor(ctx, b.dc, "floor", b.gen, b.sz.floorN, gap)
	if err != nil {
		return res, fmt.Errorf("idle floor: %w", err)
	}
	res.IdleFloor = distOf(floor)

	b.logf("latency: boundaryd (in-process), %d emergencies + %d benign", res.Emergencies, res.Benign)
	if err := b.dc.createMailbox(ctx, "lat-bd", "Held"); err != nil {
		return res, err
	}
	sinks, err := startAlertSinks()
	if err != nil {
		return res, err
	}
	defer sinks.close()
	logf, err := os.Create(filepath.Join(b.work, "latency-boundaryd.log"))
	if err != nil {
		return res, err
	}
	defer logf.Close()
	_ = os.Setenv(passwordEnv, password)
	d, err := startInProcess(ctx, sinks.config(b.dc.srv.Port(), "lat-bd", filepath.Join(b.work, "lat-bd-state"), "new"), logf)
	if err != nil {
		return res, err
	}
	if err := warmUp(ctx, b.dc, "lat-bd", warm(), ownWait.Limit); err != nil {
		d.stop()
		return res, err
	}
	res.Boundaryd, err = b.measureTool(ctx, "lat-bd", mails, gap, ownWait, sinks.smtp.got, sinks.hook.got, &res)
	d.stop()
	if err != nil {
		return res, err
	}

	if !haveImapfilter() {
		res.Imapfilter.Skipped = "imapfilter not installed (apt-get install imapfilter)"
		return res, nil
	}
	b.logf("latency: imapfilter (IDLE loop), same %d messages", len(mails))
	if err := b.dc.createMailbox(ctx, "lat-imf", "Held"); err != nil {
		return res, err
	}
	dir := filepath.Join(b.work, "lat-imf")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	cmd, done, err := startImapfilter(dir, imapfilterConfig(b.dc.srv.Port(), "lat-imf", true))
	if err != nil {
		return res, err
	}
	defer stopCmd(cmd, done)
	bound := peerWaitFrom(slowestOutcome(res.Boundaryd))
	b.logf("latency: waiting for imapfilter's outcome: settle %s, limit %s (from %s)", bound.Settle.Round(10*time.Millisecond), bound.Limit.Round(10*time.Millisecond), bound.From)
	if err := warmUp(ctx, b.dc, "lat-imf", warm(), bound.Limit); err != nil {
		if !errors.Is(err, errNotFinished) || exited(done) {
			return res, fmt.Errorf("imapfilter: %w (log: %s)", err, tail(filepath.Join(dir, "imapfilter.log")))
		}
		res.Imapfilter.Unfinished = "warm-up: " + err.Error() + " (bound from " + bound.From + ")"
		b.logf("latency: imapfilter did not finish: %s", res.Imapfilter.Unfinished)
		return res, nil
	}
	res.Imapfilter, err = b.measureTool(ctx, "lat-imf", mails, gap, bound, nil, nil, &res)
	if res.Imapfilter.Unfinished = res.Imapfilter.Wait.unfinished(); res.Imapfilter.Unfinished != "" {
		if exited(done) {
			return res, fmt.Errorf("imapfilter exited before its outcome was complete (%s; log: %s)",
				res.Imapfilter.Unfinished, tail(filepath.Join(dir, "imapfilter.log")))
		}
		b.logf("latency: imapfilter did not finish: %s", res.Imapfilter.Unfinished)
	}
	return res, err
}

func (b *bench) measureTool(ctx context.Context, user string, mails []genMail, gap func() time.Duration, bound waitBound, smtpGot, hookGot *arrivals, res *latencyResult) (toolLatency, error) {
	tl, took, err := measure(ctx, b.dc, user, mails, gap, bound, smtpGot, hookGot)
	b.saveTook = append(b.saveTook, took...)
	res.DoveadmSave = distOf(b.saveTook)
	return tl, err
}
