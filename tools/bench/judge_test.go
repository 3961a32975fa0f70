package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// goodReport is a quick run where both tools did their whole job.
func goodReport() *report {
	full := func(n int) dist { return dist{N: n, Max: 600} }
	return &report{
		Rows: []row{{Scenario: "x"}},
		Latency: &latencyResult{Emergencies: 5, Benign: 5, IdleFloor: full(4),
			Boundaryd:  toolLatency{Alert: full(5), AlertWebhook: full(5), Flagged: full(5), Held: full(5)},
			Imapfilter: toolLatency{Flagged: full(5), Held: full(5)},
		},
		Backlog: &backlogResult{Messages: 200, Emergencies: 10, WithAttachment: 10, MailboxBytes: 10e6, AttachBytes: 6e6,
			Boundaryd:  backlogTool{Complete: true, Handled: 200, Flagged: 10, InboxLeft: 10, Held: 190, Alerts: 10, BytesFromIM: 3e6},
			Imapfilter: backlogTool{Complete: true, Handled: 200, Flagged: 10, InboxLeft: 10, Held: 190, BytesFromIM: 9e6},
		},
		Idle:     &idleResult{Boundaryd: idleTool{RSSMaxKB: 20000, GoroutinesT0: 20}},
		Memory:   &bigResult{Big: bigOne{PeakRSSKB: 20000, MessageBytes: 5e6, BytesFetched: 5e3}, Small: bigOne{PeakRSSKB: 20000}},
		Classify: &classifyResult{Cases: []classifyCase{{Name: "x", MBPerS: 9}}},
	}
}

// TestJudge shows TestQuickBench's verdict fails on any wrong outcome of
// boundaryd's and on imapfilter doing a wrong job, and only reports
// imapfilter not finishing within its bound.
func TestJudge(t *testing.T) {
	cases := []struct {
		name           string
		edit           func(r *report)
		problem, notes int
	}{
		{"both tools did the job", func(*report) {}, 0, 0},
		{"boundaryd missed an alert", func(r *report) {
			r.Latency.Boundaryd.Alert.N = 4
			r.Latency.Boundaryd.MissingAlert = []string{"b000001"}
		}, 1, 0},
		{"boundaryd did not flag an emergency", func(r *report) { r.Latency.Boundaryd.Flagged.N = 4 }, 1, 0},
		{"boundaryd held an emergency", func(r *report) { r.Latency.Boundaryd.WrongHeld = 1 }, 1, 0},
		{"boundaryd flagged a benign message", func(r *report) { r.Latency.Boundaryd.WrongFlagged = 1 }, 1, 0},
		{"boundaryd's backlog left one unheld", func(r *report) { r.Backlog.Boundaryd.Held = 189 }, 1, 0},
		{"boundaryd fetched the attachments", func(r *report) { r.Backlog.Boundaryd.BytesFromIM = 9e6 }, 1, 0},
		{"boundaryd fetched the 5 MB attachment", func(r *report) { r.Memory.Big.BytesFetched = 5e6 }, 1, 0},
		{"imapfilter unfinished in the latency run (the failure seen under load)", func(r *report) {
			r.Latency.Imapfilter.Flagged.N = 4
			r.Latency.Imapfilter.Unfinished = "9 of 10 outcomes seen after 5.0 s: nothing changed for 5 s"
		}, 0, 1},
		{"imapfilter stopped at the backlog limit", func(r *report) {
			r.Backlog.Imapfilter = backlogTool{Flagged: 3, Held: 50, Unfinished: "imapfilter did not finish within 30s"}
		}, 0, 1},
		{"imapfilter finished with a wrong count", func(r *report) { r.Latency.Imapfilter.Held.N = 4 }, 1, 0},
		{"imapfilter flagged a benign message, even unfinished", func(r *report) {
			r.Latency.Imapfilter.WrongFlagged = 1
			r.Latency.Imapfilter.Unfinished = "stalled"
		}, 1, 0},
		{"imapfilter's one-shot exited with a wrong outcome", func(r *report) { r.Backlog.Imapfilter.Held = 189 }, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := goodReport()
			c.edit(r)
			problems, notes := judge(r, true)
			if len(problems) != c.problem || len(notes) != c.notes {
				t.Errorf("problems %q, notes %q; want %d problems, %d notes", problems, notes, c.problem, c.notes)
			}
		})
	}
}

// TestAwaitOutcome covers the three ways a wait ends: the outcome complete,
// no progress for the settle period, and the limit reached while progress
// continues.
func TestAwaitOutcome(t *testing.T) {
	ctx := context.Background()
	t.Run("complete", func(t *testing.T) {
		n := 0
		w := awaitOutcome(ctx, waitBound{Settle: time.Minute, Limit: time.Minute}, func() (int, int) { n++; return min(n, 3), 3 })
		if !w.Finished || w.Stalled || w.Seen != 3 || w.unfinished() != "" {
			t.Errorf("%+v", w)
		}
	})
	t.Run("stalled", func(t *testing.T) {
		w := awaitOutcome(ctx, waitBound{Settle: 200 * time.Millisecond, Limit: time.Minute, From: "test"}, func() (int, int) { return 9, 10 })
		if w.Finished || !w.Stalled || w.Seen != 9 || w.Want != 10 || w.WaitedS > 30 {
			t.Errorf("%+v", w)
		}
		if u := w.unfinished(); !strings.Contains(u, "9 of 10") || !strings.Contains(u, "nothing changed") {
			t.Errorf("unfinished() = %q", u)
		}
	})
	t.Run("limit while progressing", func(t *testing.T) {
		n := 0
		w := awaitOutcome(ctx, waitBound{Settle: time.Minute, Limit: 300 * time.Millisecond}, func() (int, int) { n++; return n, 1 << 30 })
		if w.Finished || w.Stalled || w.WaitedS < 0.3 || w.WaitedS > 30 {
			t.Errorf("%+v", w)
		}
		if u := w.unfinished(); !strings.Contains(u, "limit passed") {
			t.Errorf("unfinished() = %q", u)
		}
	})
	t.Run("context ends", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		w := awaitOutcome(cctx, waitBound{Settle: time.Hour, Limit: time.Hour}, func() (int, int) { return 0, 1 })
		if w.Finished {
			t.Errorf("%+v", w)
		}
	})
}

// TestPeerBounds checks the peer's bounds follow boundaryd's observed times
// within their floors and caps.
func TestPeerBounds(t *testing.T) {
	for _, c := range []struct {
		slowest       time.Duration
		settle, limit time.Duration
	}{
		{0, peerSettleMin, peerLimitMin},
		{500 * time.Millisecond, peerSettleMin, peerLimitMin},
		{time.Second, 10 * time.Second, 40 * time.Second},
		{time.Minute, peerSettleMax, peerLimitMax},
	} {
		if b := peerWaitFrom(c.slowest); b.Settle != c.settle || b.Limit != c.limit {
			t.Errorf("peerWaitFrom(%s) = %+v; want settle %s, limit %s", c.slowest, b, c.settle, c.limit)
		}
	}
	if got := slowestOutcome(toolLatency{Alert: dist{Max: 510}, Held: dist{Max: 1340}}); got != 1340*time.Millisecond {
		t.Errorf("slowestOutcome = %s", got)
	}
	for _, c := range []struct{ wall, cap, want time.Duration }{
		{0, time.Minute, time.Minute},
		{time.Second, time.Minute, 30 * time.Second},
		{5 * time.Second, time.Minute, 50 * time.Second},
		{10 * time.Second, time.Minute, time.Minute},
		{35 * time.Second, 3 * time.Minute, 3 * time.Minute},
		{time.Second, 10 * time.Second, 10 * time.Second},
	} {
		if got, _ := backlogPeerLimit(c.wall, c.cap); got != c.want {
			t.Errorf("backlogPeerLimit(%s, %s) = %s; want %s", c.wall, c.cap, got, c.want)
		}
	}
}
