package health

import (
	"fmt"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/notify"
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
	// State, when set, is a fixed text saying the state cannot be written
	// (a full disk): alerts go out from memory and nothing is held, so
	// unhealthy at once, no grace.
	State string
}

// AlertState is the alert side as notify's Dispatcher reports it.
type AlertState struct {
	FailingSince time.Time // zero when every channel's last attempt succeeded
	OutboxDepth  int       // -1 when the outbox cannot be read
	// Broken lists the channels that refused an alert for good (a bad
	// token, an unknown address) and have accepted none since.
	Broken []BrokenChannel
}

// BrokenChannel is a channel that refuses alerts until its settings are
// fixed.
type BrokenChannel struct {
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
	Error string    `json:"error"` // the refusal, without content or URL
}

// AlertSource reports alert delivery state; *notify.Dispatcher satisfies it.
type AlertSource interface {
	Health() (failingSince time.Time, depth int)
	Status() []notify.ChannelStatus
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
	// Hold reports whether holding works; typically (*Metrics).Hold. Nil:
	// not checked.
	Hold func() HoldState
}

// Report is the /healthz body.
type Report struct {
	Status  string       `json:"status"` // "ok" or "unhealthy"
	IMAP    IMAPReport   `json:"imap"`
	Alerts  AlertsReport `json:"alerts"`
	Reasons []string     `json:"reasons"`        // problems seen, including those still within the grace period
	Hold    *HoldReport  `json:"hold,omitempty"` // present while holding fails
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
	// Broken lists the channels refusing alerts for good (absent when none).
	Broken []BrokenChannel `json:"broken,omitempty"`
}

// Report status values.
const (
	StatusOK        = "ok"
	StatusUnhealthy = "unhealthy"
)

// Healthy reports whether r is a healthy report.
func (r Report) Healthy() bool { return r.Status == StatusOK }

func (r Report) alertState() AlertState {
	a := AlertState{OutboxDepth: r.Alerts.OutboxDepth, Broken: r.Alerts.Broken}
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
	r := Evaluate(now(), c.grace(), s, a)
	if c.Hold != nil {
		applyHold(&r, c.Hold())
	}
	return r
}

func (c *Checker) alertState() AlertState {
	if c.Alerts == nil {
		return AlertState{}
	}
	since, depth := c.Alerts.Health()
	a := AlertState{FailingSince: since, OutboxDepth: depth}
	for _, st := range c.Alerts.Status() {
		if st.Broken() {
			a.Broken = append(a.Broken, BrokenChannel{Name: st.Name, Since: st.BrokenSince.UTC(), Error: st.BrokenError})
		}
	}
	return a
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
// emergencies could not be queued; so is a channel that refused an alert
// for good: waiting will not fix a wrong token.
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
	if s.State != "" {
		fail("%s", s.State)
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
	for _, b := range a.Broken {
		r.Alerts.Broken = append(r.Alerts.Broken, b)
		fail("alert channel %s refuses alerts (%s); fix its settings: alerts it refused are not retried", b.Name, b.Error)
	}
	return r
}
