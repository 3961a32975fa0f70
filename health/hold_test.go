package health

import (
	"testing"
	"time"
)

func TestHoldStateClears(t *testing.T) {
	m := NewMetrics(nil)
	c := &Checker{Session: func() SessionState { return SessionState{Up: true} }, Hold: m.Hold, Grace: time.Minute}
	m.HoldResult("Held", errString("NO over quota"))
	if r := c.Check(); r.Healthy() {
		t.Fatalf("healthy while the move was refused: %+v", r)
	}
	m.HoldResult("Held", nil)
	if r := c.Check(); !r.Healthy() || r.Hold != nil {
		t.Fatalf("still unhealthy after a successful hold: %+v", r)
	}
	m.HoldFolderResult("Held", errString("NO Permission denied"))
	m.HoldFolderResult("Held", nil)
	if r := c.Check(); !r.Healthy() {
		t.Fatalf("unhealthy once the folder exists: %+v", r)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
