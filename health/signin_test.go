package health

import (
	"slices"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// TestSignInProblemIsUnhealthyAtOnce: a sign-in that needs the user (an
// OAuth2 sign-in revoked) is unhealthy with no grace, with its reason, and
// healthy again once cleared.
func TestSignInProblemIsUnhealthyAtOnce(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	m := NewMetrics(clk)
	m.SessionUp(true)
	c := &Checker{Session: m.Session, Clock: clk}
	m.SetSignInProblem("IMAP sign-in revoked")
	if r := c.Check(); r.Healthy() || !slices.Contains(r.Reasons, "IMAP sign-in revoked") {
		t.Errorf("revoked: %+v", r)
	}
	m.SetSignInProblem("")
	if r := c.Check(); !r.Healthy() {
		t.Errorf("cleared: %+v", r)
	}
}
