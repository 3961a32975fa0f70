package health

import (
	"fmt"
	"sync"
	"time"
)

// HoldState is whether holding works, as the daemon last reported it.
type HoldState struct {
	FailingSince time.Time // zero while holding works
	Reason       string    // what failed, in plain words
}

// HoldReport is the hold part of a Report.
type HoldReport struct {
	FailingSince *time.Time `json:"failing_since"` // null while holding works
	Reason       string     `json:"reason,omitempty"`
}

// holdTracker keeps the two ways holding fails: the hold folder cannot be
// created, or the server refuses to move mail into it.
type holdTracker struct {
	mu        sync.Mutex
	folderErr string
	moveErr   string
	since     time.Time
}

func (h *holdTracker) set(now time.Time, folderErr, moveErr *string, v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if folderErr != nil {
		h.folderErr = v
	}
	if moveErr != nil {
		h.moveErr = v
	}
	switch {
	case h.folderErr == "" && h.moveErr == "":
		h.since = time.Time{}
	case h.since.IsZero():
		h.since = now
	}
}

// HoldFolderResult records whether the hold folder could be made ready at
// the start of a session (err nil: it exists or was created).
func (m *Metrics) HoldFolderResult(folder string, err error) {
	var msg string
	if err != nil {
		msg = fmt.Sprintf("cannot create the hold folder %q: %v", folder, err)
	}
	m.hold.set(m.clock.Now(), &msg, nil, msg)
}

// HoldResult records the outcome of moving mail into the hold folder. A
// success also proves the folder exists.
func (m *Metrics) HoldResult(folder string, err error) {
	var msg string
	if err != nil {
		msg = fmt.Sprintf("the server refuses to move mail into the hold folder %q: %v", folder, err)
		m.hold.set(m.clock.Now(), nil, &msg, msg)
		return
	}
	m.hold.set(m.clock.Now(), &msg, &msg, "")
}

// Hold reports the hold state as last recorded.
func (m *Metrics) Hold() HoldState {
	h := &m.hold
	h.mu.Lock()
	defer h.mu.Unlock()
	reason := h.folderErr
	if reason == "" {
		reason = h.moveErr
	}
	return HoldState{FailingSince: h.since, Reason: reason}
}

// applyHold makes r unhealthy at once while holding fails: it is the
// server's refusal, not an outage that heals by itself, and every message
// that should be held meanwhile reaches the therapist's inbox.
func applyHold(r *Report, h HoldState) {
	if h.FailingSince.IsZero() {
		return
	}
	utc := h.FailingSince.UTC()
	r.Hold = &HoldReport{FailingSince: &utc, Reason: h.Reason}
	r.Status = StatusUnhealthy
	r.Reasons = append(r.Reasons, fmt.Sprintf("holding fails since %s: %s; mail that should be held stays in the inbox",
		utc.Format(time.RFC3339), h.Reason))
}
