package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boundaryd/boundaryd/internal/backoff"
	"github.com/emersion/go-imap/v2"
)

// Handler is called by Run after each (re)connection and after each Wait
// event, with the inbox selected. It should scan for UIDs above its stored
// high-water mark rather than trust the event. An error ends the session
// and Run reconnects, unless the error is wrapped with Permanent.
type Handler func(ctx context.Context, s *Session) error

// Run keeps one session alive until ctx ends: dial, login, ensure the hold
// folder, select the inbox, call h, then Wait and call h again, forever.
// Any failure (error, BYE, EOF, a stalled command) closes the session and
// reconnects after an exponential backoff with jitter (backoff.Policy:
// MinBackoff doubling to MaxBackoff), reset once a session is up and handled. The password
// source is read again at every login.
//
// Run returns nil when ctx ends, the handler's Permanent error, or an
// ErrAuth error when the very first login is refused: a wrong password at
// start is a configuration error, not an outage.
func Run(ctx context.Context, opts Options, h Handler) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	opts = opts.withDefaults()
	log := opts.Logger
	retry := backoff.Policy{Min: opts.MinBackoff, Max: opts.MaxBackoff}
	failures := 0 // since the last healthy session
	everLoggedIn := false
	for attempt := 1; ; attempt++ {
		opts.progress()
		healthy, err := runSession(ctx, opts, h, &everLoggedIn)
		if ctx.Err() != nil {
			return nil
		}
		opts.progress()
		if opts.OnDisconnect != nil {
			opts.OnDisconnect(err)
		}
		var perm permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if errors.Is(err, ErrAuth) && !everLoggedIn {
			return err
		}
		if errors.Is(err, ErrInsecure) {
			return err
		}
		if healthy {
			failures = 0
		}
		failures++
		delay := retry.Delay(failures)
		log.Warn("imap session ended; reconnecting", "err", err, "attempt", attempt, "retry_in", delay.Round(time.Millisecond))
		if _, err := opts.sleep(ctx, delay, nil); err != nil {
			return nil
		}
	}
}

// runSession runs one connection to its end. healthy reports that it got as
// far as the first handler call, which resets the backoff.
func runSession(ctx context.Context, opts Options, h Handler, everLoggedIn *bool) (healthy bool, err error) {
	s, err := Dial(ctx, opts)
	if err != nil {
		return false, err
	}
	defer s.Close()
	*everLoggedIn = true
	log := opts.Logger
	if opts.HoldFolder != "" {
		err := s.EnsureMailbox(ctx, opts.HoldFolder)
		var ie *imap.Error
		if opts.OnHoldFolder != nil && (err == nil || errors.As(err, &ie)) {
			opts.OnHoldFolder(err)
		}
		if err != nil {
			if !errors.As(err, &ie) {
				return false, err
			}
			// The server refuses the folder (permissions, quota): holding
			// will fail and leave mail in the inbox, but emergencies must
			// still be watched, so the session goes on.
			log.Error("cannot create the hold folder; mail that should be held stays in the inbox",
				"folder", opts.HoldFolder, "err", err)
		}
	}
	st, err := s.SelectInbox(ctx)
	if err != nil {
		return false, err
	}
	caps := s.Caps()
	log.Info("imap session ready", "mailbox", st.Name, "uidvalidity", st.UIDValidity, "uidnext", st.UIDNext,
		"messages", st.NumMessages, "idle", caps.IDLE, "move", caps.Move, "uidplus", caps.UIDPlus)
	if err := h(ctx, s); err != nil {
		return false, fmt.Errorf("handler: %w", err)
	}
	for {
		ev, err := s.Wait(ctx)
		if err != nil {
			return true, err
		}
		log.Debug("imap event", "kind", ev.Kind.String())
		if err := h(ctx, s); err != nil {
			return true, fmt.Errorf("handler: %w", err)
		}
	}
}
