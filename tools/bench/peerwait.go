package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// How long the bench waits for an outcome once the last message is
// delivered. boundaryd's own outcome is asserted, so it gets one fixed
// bound. imapfilter is the point of comparison, not ours to fix: on a loaded
// machine it is slow, and its IDLE loop can miss a wake-up (under `stress -c
// 2` it once left 1 of 10 messages untouched for the whole 60 s it was given,
// where it takes about 0.5 s a message: presumably one that arrived during a
// filter pass, announced before it re-entered IDLE). So its bound is derived
// from what the bench observed of boundaryd in the same run, on the same
// machine under the same load, and where imapfilter has not finished by then
// the bench reports it instead of failing.
const (
	ownLimit = 30 * time.Second

	// The peer's settle period: it is given up on once none of its outcomes
	// has changed for this long, a multiple of boundaryd's slowest outcome.
	peerSettleFactor = 10
	peerSettleMin    = 5 * time.Second
	peerSettleMax    = 30 * time.Second
	// Its limit: whatever progress it makes, the wait ends after this long.
	peerLimitFactor = 40
	peerLimitMin    = 20 * time.Second
	peerLimitMax    = 90 * time.Second

	// The one-shot backlog run: a multiple of boundaryd's wall time on the
	// same backlog, at least backlogPeerMin, at most the run's own cap.
	backlogPeerFactor = 10
	backlogPeerMin    = 30 * time.Second

	outcomePoll = 50 * time.Millisecond
)

// waitBound is how long to wait for a tool's outcome.
type waitBound struct {
	// Settle: stop once the outcome count has not moved for this long.
	Settle time.Duration
	// Limit: stop this long after the wait began, whatever happens.
	Limit time.Duration
	// From says what the bound was derived from.
	From string
}

// ownWait is boundaryd's bound: only the limit applies, as a stall of its
// own is a failure the assertions must see, not a reason to stop early.
var ownWait = waitBound{Settle: ownLimit, Limit: ownLimit, From: "fixed"}

// peerWaitFrom derives imapfilter's bound from boundaryd's slowest outcome
// (delivery to alert, flag or hold) in the same run.
func peerWaitFrom(slowest time.Duration) waitBound {
	return waitBound{
		Settle: clampDuration(peerSettleFactor*slowest, peerSettleMin, peerSettleMax),
		Limit:  clampDuration(peerLimitFactor*slowest, peerLimitMin, peerLimitMax),
		From:   fmt.Sprintf("boundaryd's slowest outcome, %.2f s", slowest.Seconds()),
	}
}

// backlogPeerLimit derives imapfilter's one-shot limit from boundaryd's wall
// time on the same backlog (zero when boundaryd did not complete: the cap
// then applies), and says how.
func backlogPeerLimit(boundarydWall, limitCap time.Duration) (time.Duration, string) {
	if boundarydWall <= 0 {
		return limitCap, "the scenario's cap, boundaryd not having completed"
	}
	return clampDuration(backlogPeerFactor*boundarydWall, min(backlogPeerMin, limitCap), limitCap),
		fmt.Sprintf("%d× boundaryd's %.1f s, at least %s, at most %s", backlogPeerFactor, boundarydWall.Seconds(), min(backlogPeerMin, limitCap), limitCap)
}

func clampDuration(d, lo, hi time.Duration) time.Duration { return max(lo, min(d, hi)) }

// slowestOutcome is the longest delivery-to-outcome time of a tool.
func slowestOutcome(t toolLatency) time.Duration {
	worst := max(t.Alert.Max, t.Flagged.Max, t.Held.Max)
	return time.Duration(worst * float64(time.Millisecond))
}

// waitResult is how a wait for an outcome ended.
type waitResult struct {
	Bound    waitBound `json:"-"`
	SettleS  float64   `json:"settle_s"`
	LimitS   float64   `json:"limit_s"`
	From     string    `json:"bound_from"`
	Finished bool      `json:"finished"`
	Seen     int       `json:"seen"`
	Want     int       `json:"want"`
	WaitedS  float64   `json:"waited_s"`
	// Stalled: given up because nothing changed for Bound.Settle.
	Stalled bool `json:"stalled,omitempty"`
}

// unfinished describes a wait that ended before the outcome was complete,
// "" for a finished one.
func (w waitResult) unfinished() string {
	if w.Finished {
		return ""
	}
	why := fmt.Sprintf("the %.0f s limit passed", w.Bound.Limit.Seconds())
	if w.Stalled {
		why = fmt.Sprintf("nothing changed for %.1f s", w.Bound.Settle.Seconds())
	}
	return fmt.Sprintf("%d of %d outcomes seen after %.1f s: %s (bound from %s)", w.Seen, w.Want, w.WaitedS, why, w.Bound.From)
}

// awaitOutcome polls progress until it reports seen == want, the count has
// not moved for b.Settle, b.Limit has passed, or ctx ends.
func awaitOutcome(ctx context.Context, b waitBound, progress func() (seen, want int)) waitResult {
	start := time.Now()
	res := waitResult{Bound: b, SettleS: b.Settle.Seconds(), LimitS: b.Limit.Seconds(), From: b.From}
	lastSeen, lastChange := -1, start
	t := time.NewTicker(outcomePoll)
	defer t.Stop()
	for {
		now := time.Now()
		res.Seen, res.Want = progress()
		res.WaitedS = now.Sub(start).Seconds()
		if res.Seen != lastSeen {
			lastSeen, lastChange = res.Seen, now
		}
		switch {
		case res.Seen >= res.Want:
			res.Finished = true
			return res
		case now.Sub(lastChange) >= b.Settle:
			res.Stalled = true
			return res
		case now.Sub(start) >= b.Limit:
			return res
		}
		select {
		case <-ctx.Done():
			return res
		case <-t.C:
		}
	}
}

// errNotFinished marks a peer run that was stopped at its limit.
var errNotFinished = errors.New("did not finish")
