package health

import (
	"slices"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// TestStateProblemIsUnhealthyAtOnce: a state that cannot be written is
// unhealthy with no grace, with its reason, and healthy again once cleared.
func TestStateProblemIsUnhealthyAtOnce(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	m := NewMetrics(clk)
	m.SessionUp(true)
	c := &Checker{Session: m.Session, Clock: clk}
	const reason = "the state cannot be written"
	m.SetStateProblem(reason)
	if r := c.Check(); r.Healthy() || !slices.Contains(r.Reasons, reason) {
		t.Errorf("state refused: %+v", r)
	}
	m.SetStateProblem("")
	if r := c.Check(); !r.Healthy() {
		t.Errorf("cleared: %+v", r)
	}
}
