package imapwatch

import (
	"context"
	"fmt"
	"time"
)

// EventKind says why Wait returned.
type EventKind int

const (
	// EventNewMail: the mailbox grew (EXISTS).
	EventNewMail EventKind = iota + 1
	// EventExpunge: a message left the mailbox.
	EventExpunge
	// EventRefresh: nothing announced, but IDLE was refreshed or a poll
	// interval passed; a rescan is cheap and catches anything missed.
	EventRefresh
	// EventFlags: the server told of a message's flags changing (another
	// client read, unflagged or deleted it).
	EventFlags
)

func (k EventKind) String() string {
	switch k {
	case EventNewMail:
		return "new-mail"
	case EventExpunge:
		return "expunge"
	case EventRefresh:
		return "refresh"
	case EventFlags:
		return "flags"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is news about the selected mailbox.
type Event struct {
	Kind        EventKind
	NumMessages uint32 // with EventNewMail
}

// drainEvents forgets queued news; expunges caused by our own MOVEs land
// here and need no rescan.
func (s *Session) drainEvents() {
	for {
		select {
		case <-s.events:
		default:
			return
		}
	}
}

// pendingNewMail returns a queued EventNewMail, dropping other queued news.
func (s *Session) pendingNewMail() (Event, bool) {
	var found Event
	ok := false
	for {
		select {
		case ev := <-s.events:
			if ev.Kind == EventNewMail {
				found, ok = ev, true
			}
		default:
			return found, ok
		}
	}
}

// Wait blocks until the selected mailbox changes or a refresh is due: with
// IDLE where the server has it, else by NOOP every PollInterval. Mail that
// arrived while other commands ran is reported at once.
func (s *Session) Wait(ctx context.Context) (Event, error) {
	if ev, ok := s.pendingNewMail(); ok {
		return ev, nil
	}
	if s.Caps().IDLE {
		return s.idle(ctx)
	}
	return s.poll(ctx)
}

func (s *Session) idle(ctx context.Context) (Event, error) {
	var idleCmd interface {
		Close() error
		Wait() error
	}
	if err := s.cmd(ctx, "imap idle", func() error {
		c, err := s.c.Idle()
		if err != nil {
			return err
		}
		idleCmd = c
		return nil
	}); err != nil {
		return Event{}, err
	}

	s.log.Debug("idle started")
	refresh := time.NewTimer(s.opts.IdleRefresh)
	defer refresh.Stop()
	alive, stopAlive := s.opts.progressTicks()
	defer stopAlive()
	ev := Event{Kind: EventRefresh}
	var waitErr error
wait:
	for {
		select {
		case ev = <-s.events:
		case <-refresh.C:
		case <-s.opts.Wake:
		case <-s.c.Closed():
			waitErr = s.closedErr("imap idle")
		case <-ctx.Done():
			waitErr = ctx.Err()
		case <-alive:
			s.opts.progress()
			continue
		}
		break wait
	}
	if waitErr != nil {
		s.abort()
		return Event{}, waitErr
	}
	// DONE must be answered promptly: this is also the liveness check for
	// a link that died silently during IDLE.
	if err := s.cmd(ctx, "imap idle done", func() error {
		if err := idleCmd.Close(); err != nil {
			return err
		}
		return idleCmd.Wait()
	}); err != nil {
		return Event{}, err
	}
	if ev.Kind != EventNewMail {
		if nm, ok := s.pendingNewMail(); ok {
			ev = nm
		}
	}
	return ev, nil
}

func (s *Session) poll(ctx context.Context) (Event, error) {
	deadline := time.Now().Add(s.opts.PollInterval)
	for {
		step := time.Until(deadline)
		if step > s.opts.KeepAlive {
			step = s.opts.KeepAlive
		}
		if step > 0 {
			if closed, woken, err := s.opts.sleepOrWake(ctx, step, s.c.Closed()); closed {
				return Event{}, s.closedErr("imap poll")
			} else if err != nil {
				return Event{}, err
			} else if woken {
				return Event{Kind: EventRefresh}, nil
			}
		}
		if err := s.Noop(ctx); err != nil {
			return Event{}, err
		}
		if ev, ok := s.pendingNewMail(); ok {
			return ev, nil
		}
		if !time.Now().Before(deadline) {
			return Event{Kind: EventRefresh}, nil
		}
	}
}

// progressTicks returns a channel that ticks every ProgressEvery while
// Progress is set, for a wait to call progress on (a nil channel, which
// never fires, without Progress), and its stop function.
func (o Options) progressTicks() (<-chan time.Time, func()) {
	if o.Progress == nil {
		return nil, func() {}
	}
	t := time.NewTicker(o.ProgressEvery)
	return t.C, t.Stop
}

func (o Options) progress() {
	if o.Progress != nil {
		o.Progress()
	}
}

// sleep waits d, calling Progress at least every ProgressEvery meanwhile.
// It returns early with closed true when closed is closed, or with
// ctx.Err() when ctx ends.
func (o Options) sleep(ctx context.Context, d time.Duration, closed <-chan struct{}) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	alive, stopAlive := o.progressTicks()
	defer stopAlive()
	for {
		select {
		case <-t.C:
			return false, nil
		case <-closed:
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		case <-alive:
			o.progress()
		}
	}
}
