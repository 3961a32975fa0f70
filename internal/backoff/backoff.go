// Package backoff is the one retry policy of boundaryd: IMAP reconnection,
// alert retries and reading-window retries all wait by it.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy is exponential backoff with jitter: the first delay is Min, each
// next one doubles, capped at Max, and each is spread over [d/2, d] so that
// many clients, or a restart, do not retry in step.
type Policy struct {
	Min, Max time.Duration
}

// Delay is the wait before retry number attempt (1 for the first retry).
// A Max below Min counts as Min.
func (p Policy) Delay(attempt int) time.Duration {
	d := max(p.Min, 0)
	hi := max(p.Max, d)
	for i := 1; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
