package autoreply

import (
	"strings"
	"sync"
	"time"
)

// MailboxKey is the key acknowledgements are counted by: the address in
// lower case with any "+tag" removed from the local part, so bob+1@ ...
// bob+20@ are one person who gets one acknowledgement per once_per.
func MailboxKey(addr string) string {
	a := strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(a, "@")
	if !ok {
		return a
	}
	if base, _, tagged := strings.Cut(local, "+"); tagged && base != "" {
		local = base
	}
	return local + "@" + domain
}

// Domain is the lower-case domain of addr ("" without one).
func Domain(addr string) string {
	_, d, _ := strings.Cut(strings.ToLower(strings.TrimSpace(addr)), "@")
	return d
}

// Limits bound what acknowledgements the therapist's account sends, so that
// forged senders cannot use it as a spam cannon and a responder that answers
// from a fresh address each time cannot start a loop.
type Limits struct {
	PerHour          int           // all acknowledgements (default 30)
	PerDomainPerHour int           // to one domain (default 5)
	Burst            int           // this many messages from one domain ... (default 3)
	BurstWithin      time.Duration // ... within this long is a program, not a person (default 20s)
	QuietFor         time.Duration // a domain caught bursting gets no acknowledgement this long (default 1h)
}

func (l Limits) withDefaults() Limits {
	if l.PerHour <= 0 {
		l.PerHour = 30
	}
	if l.PerDomainPerHour <= 0 {
		l.PerDomainPerHour = 5
	}
	if l.Burst <= 1 {
		l.Burst = 3
	}
	if l.BurstWithin <= 0 {
		l.BurstWithin = 20 * time.Second
	}
	if l.QuietFor <= 0 {
		l.QuietFor = time.Hour
	}
	return l
}

// Limiter applies Limits on the caller's clock (times are passed in). It is
// safe for concurrent use; it forgets everything older than an hour.
type Limiter struct {
	mu       sync.Mutex
	lim      Limits
	sent     []sentAck              // acknowledgements allowed in the last hour
	arrivals map[string][]time.Time // per domain, in the last BurstWithin
	quiet    map[string]time.Time   // domain -> until
}

type sentAck struct {
	at     time.Time
	domain string
}

// NewLimiter returns a limiter for lim (zero fields take the defaults).
func NewLimiter(lim Limits) *Limiter {
	return &Limiter{lim: lim.withDefaults(), arrivals: map[string][]time.Time{}, quiet: map[string]time.Time{}}
}

// Arrived records that a message from addr arrived at t. Call it for every
// message that could be acknowledged, before Allow.
func (l *Limiter) Arrived(addr string, t time.Time) {
	d := Domain(addr)
	if d == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.arrivals[d][:0]
	for _, a := range l.arrivals[d] {
		if t.Sub(a) < l.lim.BurstWithin && !a.After(t) {
			kept = append(kept, a)
		}
	}
	kept = append(kept, t)
	l.arrivals[d] = kept
	if len(kept) >= l.lim.Burst {
		l.quiet[d] = t.Add(l.lim.QuietFor)
	}
}

// Allow says whether one more acknowledgement to addr may be sent at t and,
// when it may, counts it. reason says why not, in words fit for a log.
func (l *Limiter) Allow(addr string, t time.Time) (ok bool, reason string) {
	d := Domain(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if until, q := l.quiet[d]; q {
		if t.Before(until) {
			return false, "messages from this domain arrive faster than a person writes"
		}
		delete(l.quiet, d)
	}
	kept := l.sent[:0]
	perDomain := 0
	for _, s := range l.sent {
		if t.Sub(s.at) < time.Hour && !s.at.After(t) {
			kept = append(kept, s)
			if s.domain == d {
				perDomain++
			}
		}
	}
	l.sent = kept
	if len(l.sent) >= l.lim.PerHour {
		return false, "hourly limit of acknowledgements reached"
	}
	if perDomain >= l.lim.PerDomainPerHour {
		return false, "hourly limit of acknowledgements to this domain reached"
	}
	l.sent = append(l.sent, sentAck{at: t, domain: d})
	return true, ""
}
