package backoff

import (
	"testing"
	"time"
)

func TestDelayDoublesWithinJitterAndCaps(t *testing.T) {
	p := Policy{Min: time.Second, Max: 10 * time.Second}
	for _, tt := range []struct {
		attempt int
		full    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {60, 10 * time.Second}} {
		lo, hi := tt.full, time.Duration(0)
		for range 500 {
			d := p.Delay(tt.attempt)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < tt.full/2 || hi > tt.full {
			t.Errorf("attempt %d: delays in [%s, %s], want within [%s, %s]", tt.attempt, lo, hi, tt.full/2, tt.full)
		}
		if hi-lo < tt.full/10 {
			t.Errorf("attempt %d: delays in [%s, %s]: no jitter", tt.attempt, lo, hi)
		}
	}
}

func TestDelayDegenerate(t *testing.T) {
	if d := (Policy{}).Delay(3); d != 0 {
		t.Errorf("zero policy: %s", d)
	}
	if d := (Policy{Min: 4 * time.Second, Max: time.Second}).Delay(9); d < 2*time.Second || d > 4*time.Second {
		t.Errorf("Max below Min: %s", d)
	}
}
