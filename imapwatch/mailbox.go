package imapwatch

import (
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
)

// SelectInbox selects Options.Inbox read-write and records its state and
// whether it accepts keywords. Callers compare UIDValidity with what they
// stored: servers may change it (Dovecot ends the session when it does).
func (s *Session) SelectInbox(ctx context.Context) (MailboxState, error) {
	return s.Select(ctx, s.opts.Inbox)
}

// Select selects a mailbox read-write.
func (s *Session) Select(ctx context.Context, mailbox string) (MailboxState, error) {
	var st MailboxState
	name := s.serverName(mailbox)
	err := s.cmd(ctx, "imap select "+quote(mailbox), func() error {
		data, err := s.c.Select(name, nil).Wait()
		if err != nil {
			return err
		}
		st = MailboxState{Name: mailbox, UIDValidity: data.UIDValidity, UIDNext: uint32(data.UIDNext), NumMessages: data.NumMessages}
		// RFC 3501: without PERMANENTFLAGS every flag is permanent.
		keywords := data.PermanentFlags == nil || slices.Contains(data.PermanentFlags, imap.FlagWildcard)
		s.mu.Lock()
		s.selected = st
		s.caps.Keywords = keywords
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		return MailboxState{}, err
	}
	// News queued by an earlier mailbox is not about this one.
	s.drainEvents()
	return st, nil
}

// Status reads a mailbox's counters without selecting it.
func (s *Session) Status(ctx context.Context, mailbox string) (MailboxState, error) {
	var st MailboxState
	err := s.cmd(ctx, "imap status "+quote(mailbox), func() error {
		data, err := s.c.Status(s.serverName(mailbox), &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}).Wait()
		if err != nil {
			return err
		}
		st = MailboxState{Name: mailbox, UIDValidity: data.UIDValidity, UIDNext: uint32(data.UIDNext)}
		if data.NumMessages != nil {
			st.NumMessages = *data.NumMessages
		}
		return nil
	})
	return st, err
}

// EnsureMailbox creates mailbox when it does not exist yet.
func (s *Session) EnsureMailbox(ctx context.Context, mailbox string) error {
	name := s.serverName(mailbox)
	return s.cmd(ctx, "imap ensure mailbox "+quote(mailbox), func() error {
		list, err := s.c.List("", name, nil).Collect()
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		for _, l := range list {
			if !slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) && !slices.Contains(l.Attrs, imap.MailboxAttrNonExistent) {
				return nil
			}
		}
		if err := s.c.Create(name, nil).Wait(); err != nil {
			if responseCode(err) == imap.ResponseCodeAlreadyExists {
				return nil
			}
			return fmt.Errorf("create: %w", err)
		}
		// Subscribing makes the folder visible in mail clients that only
		// show subscribed folders; failure here is harmless.
		_ = s.c.Subscribe(name).Wait()
		s.log.Info("created mailbox", "mailbox", mailbox)
		return nil
	})
}

// UIDsAfter returns the UIDs above uid in the selected mailbox, ascending.
// "UID n:*" always matches the highest message even below n (RFC 3501), so
// the result is filtered.
func (s *Session) UIDsAfter(ctx context.Context, uid uint32) ([]uint32, error) {
	var out []uint32
	err := s.cmd(ctx, "imap uid search", func() error {
		s.limitReads("imap uid search", s.searchBudget())
		var set imap.UIDSet
		set.AddRange(imap.UID(uid+1), 0)
		data, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		if err != nil {
			return err
		}
		for _, u := range data.AllUIDs() {
			if uint32(u) > uid {
				out = append(out, uint32(u))
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// ListUIDs returns every UID in mailbox (selecting it), ascending.
func (s *Session) ListUIDs(ctx context.Context, mailbox string) ([]uint32, error) {
	if s.Selected().Name != mailbox {
		if _, err := s.Select(ctx, mailbox); err != nil {
			return nil, err
		}
	}
	return s.UIDsAfter(ctx, 0)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}

// Present returns which of uids are still in the selected mailbox and not
// flagged \Deleted: after a move, what the server did not take away.
func (s *Session) Present(ctx context.Context, uids []uint32) ([]uint32, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	var out []uint32
	err := s.cmd(ctx, "imap uid search present", func() error {
		s.limitReads("imap uid search present", perUIDBudget(len(uids)))
		data, err := s.c.UIDSearch(&imap.SearchCriteria{
			UID:     []imap.UIDSet{uidSet(uids)},
			NotFlag: []imap.Flag{imap.FlagDeleted},
		}, nil).Wait()
		if err != nil {
			return err
		}
		want := map[uint32]bool{}
		for _, u := range uids {
			want[u] = true
		}
		for _, u := range data.AllUIDs() {
			if want[uint32(u)] {
				out = append(out, uint32(u))
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
