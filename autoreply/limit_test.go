package autoreply

import (
	"fmt"
	"testing"
	"time"
)

func TestMailboxKey(t *testing.T) {
	for in, want := range map[string]string{
		"Bob+1@Example.org":   "bob@example.org",
		"bob+a+b@example.org": "bob@example.org",
		" bob@example.org ":   "bob@example.org",
		"+tag@example.org":    "+tag@example.org", // nothing before the tag: kept whole
		"no-at-sign":          "no-at-sign",
	} {
		if got := MailboxKey(in); got != want {
			t.Errorf("MailboxKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLimiterCapsPerDomainAndPerHour(t *testing.T) {
	t0 := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(Limits{PerHour: 8, PerDomainPerHour: 3})
	allowed := 0
	// Twenty different people at one domain, one every five minutes (a
	// person's pace, so no burst): three acknowledgements an hour.
	for i := range 20 {
		at := t0.Add(time.Duration(i) * 5 * time.Minute)
		addr := fmt.Sprintf("p%d@clinic.example", i)
		l.Arrived(addr, at)
		if ok, _ := l.Allow(addr, at); ok && at.Before(t0.Add(time.Hour)) {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("one domain in its first hour: %d acknowledgements, want 3", allowed)
	}
	// Many domains at once: the global cap.
	l = NewLimiter(Limits{PerHour: 8, PerDomainPerHour: 3})
	allowed = 0
	for i := range 20 {
		at := t0.Add(time.Duration(i) * time.Minute)
		addr := fmt.Sprintf("p@d%d.example", i)
		l.Arrived(addr, at)
		if ok, _ := l.Allow(addr, at); ok {
			allowed++
		}
	}
	if allowed != 8 {
		t.Errorf("twenty domains in twenty minutes: %d acknowledgements, want the cap of 8", allowed)
	}
	// An hour later the window has moved on.
	if ok, why := l.Allow("p@later.example", t0.Add(2*time.Hour)); !ok {
		t.Errorf("two hours later still refused: %s", why)
	}
}

// TestLimiterStopsAResponderLoop is the help desk that answers every
// acknowledgement from a fresh address: 40 replies in 1.6 s.
func TestLimiterStopsAResponderLoop(t *testing.T) {
	t0 := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(Limits{})
	allowed := 0
	for i := range 40 {
		at := t0.Add(time.Duration(i) * 40 * time.Millisecond)
		addr := fmt.Sprintf("ticket-%d@helpdesk.example", i)
		l.Arrived(addr, at)
		if ok, _ := l.Allow(addr, at); ok {
			allowed++
		}
	}
	if allowed > 2 {
		t.Errorf("a responder loop got %d acknowledgements, want at most 2 (the burst rule)", allowed)
	}
	// Still quiet half an hour later, answered again after the quiet hour.
	if ok, _ := l.Allow("ticket-99@helpdesk.example", t0.Add(30*time.Minute)); ok {
		t.Error("the bursting domain was answered again within the quiet hour")
	}
	if ok, why := l.Allow("ticket-99@helpdesk.example", t0.Add(2*time.Hour)); !ok {
		t.Errorf("the domain is never answered again: %s", why)
	}
}
