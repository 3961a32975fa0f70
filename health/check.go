package health

import (
	"fmt"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// DefaultGrace is how long the IMAP session may be down, or an alert
// channel may fail, before the daemon reports itself unhealthy. Short
// outages (a server restart, a flaky network) should not page anyone.
const DefaultGrace = 5 * time.Minute

// SessionState is the IMAP session as the daemon last reported it.
type SessionState struct {
	Up        bool
	DownSince time.Time // meaningful while !Up
	// SignIn, when set, is a fixed text saying the IMAP credentials need
	// the user (an OAuth2 sign-in revoked): unhealthy at once, no grace.
	SignIn string
}

// AlertState is the alert side as notify's Dispatcher.Health reports it.
type AlertState struct {
	FailingSince time.Time // zero when every channel's last attempt succeeded
	OutboxDepth  int       // -1 when the outbox cannot be read
}

// AlertSource reports alert delivery state; *notify.Dispatcher satisfies it.
type AlertSource interface {
	Health() (failingSince time.Time, depth int)
}

// Checker decides whether the daemon is healthy.
type Checker struct {
	// Session reports the IMAP session; typically (*Metrics).Session.
	Session func() SessionState
	// Alerts reports the alert side; leave it nil (not a nil
	// *notify.Dispatcher) when no channel is configured.
	Alerts AlertSource
	// Clock is the time source (nil: clock.System()).
	Clock clock.Clock
	// Grace is the tolerated outage (zero: DefaultGrace).
	Grace time.Duration
}

// Report is the /healthz body.
type Report struct {
	Status  string       `json:"status"` // "ok" or "unhealthy"
	IMAP    IMAPReport   `json:"imap"`
	Alerts  AlertsReport `json:"alerts"`
	Reasons []string     `json:"reasons"` // problems seen, including those still within the grace period
}

// IMAPReport is the session part of a Report.
type IMAPReport struct {
	Up        bool       `json:"up"`
	DownSince *time.Time `json:"down_since"` // null while up
}

// AlertsReport is the alert part of a Report.
type AlertsReport struct {
	FailingSince *time.Time `json:"failing_since"` // null while every channel delivers
	OutboxDepth  int        `json:"outbox_depth"`  // -1: outbox unreadable
}

// Report status values.
const (
	StatusOK        = "ok"
	StatusUnhealthy = "unhealthy"
)

// Healthy reports whether r is a healthy report.
func (r Report) Healthy() bool { return r.Status == StatusOK }

func (r Report) alertState() AlertState {
	a := AlertState{OutboxDepth: r.Alerts.OutboxDepth}
	if r.Alerts.FailingSince != nil {
		a.FailingSince = *r.Alerts.FailingSince
	}
	return a
}

// Check evaluates the current state.
func (c *Checker) Check() Report {
	clk := c.Clock
	if clk == nil {
		clk = clock.System()
	}
	now := clk.Now
	var s SessionState
	if c.Session != nil {
		s = c.Session()
	}
	a := c.alertState()
	return Evaluate(now(), c.grace(), s, a)
}

func (c *Checker) alertState() AlertState {
	if c.Alerts == nil {
		return AlertState{}
	}
	since, depth := c.Alerts.Health()
	return AlertState{FailingSince: since, OutboxDepth: depth}
}

func (c *Checker) grace() time.Duration {
	if c.Grace > 0 {
		return c.Grace
	}
	return DefaultGrace
}

// Evaluate is the health rule: healthy only while the IMAP session is up
// (or down for less than grace) and no alert channel has been failing for
// more than grace. An unreadable outbox is unhealthy at once: new
// emergencies could not be queued.
func Evaluate(now time.Time, grace time.Duration, s SessionState, a AlertState) Report {
	r := Report{Status: StatusOK, Reasons: []string{}}
	r.IMAP.Up = s.Up
	r.Alerts.OutboxDepth = a.OutboxDepth
	fail := func(format string, args ...any) {
		r.Status = StatusUnhealthy
		r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...))
	}
	note := func(format string, args ...any) {
		r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...))
	}

	if !s.Up {
		since := s.DownSince
		if since.IsZero() { // never reported: treat as down from now on
			since = now
		}
		utc := since.UTC()
		r.IMAP.DownSince = &utc
		down := max(now.Sub(since), 0).Round(time.Second)
		if down >= grace {
			fail("IMAP session down for %s (limit %s): incoming mail is not being watched", down, grace)
		} else {
			note("IMAP session down for %s, reconnecting (unhealthy after %s)", down, grace)
		}
	}

	if s.SignIn != "" {
		fail("%s", s.SignIn)
	}

	if !a.FailingSince.IsZero() {
		utc := a.FailingSince.UTC()
		r.Alerts.FailingSince = &utc
		failing := max(now.Sub(a.FailingSince), 0).Round(time.Second)
		if failing > grace {
			fail("an alert channel has been failing for %s (limit %s): emergencies may not reach you", failing, grace)
		} else {
			note("an alert channel has been failing for %s, retrying (unhealthy after %s)", failing, grace)
		}
	}
	if a.OutboxDepth < 0 {
		fail("alert outbox unreadable: new emergencies cannot be queued")
	}
	return r
}
