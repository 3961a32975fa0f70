package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	if st.UIDNext == 0 {
		// Courier's SELECT carries no UIDNEXT: without one, "the mail
		// already there" would be nothing and every old message new.
		next, err := s.uidNextFallback(ctx, mailbox, st.NumMessages)
		if err != nil {
			return MailboxState{}, err
		}
		st.UIDNext = next
		s.mu.Lock()
		s.selected.UIDNext = next
		s.mu.Unlock()
	}
	// News queued by an earlier mailbox is not about this one.
	s.drainEvents()
	return st, nil
}

// uidNextFallback finds the selected mailbox's next UID when SELECT did not
// say: STATUS (UIDNEXT), else one above the highest UID present. It is 0
// only for an empty mailbox that reports nothing.
func (s *Session) uidNextFallback(ctx context.Context, mailbox string, numMessages uint32) (uint32, error) {
	var next uint32
	err := s.cmd(ctx, "imap status uidnext "+quote(mailbox), func() error {
		data, err := s.c.Status(s.serverName(mailbox), &imap.StatusOptions{UIDNext: true}).Wait()
		if err != nil {
			var ie *imap.Error
			if errors.As(err, &ie) {
				return nil // refused: fall back to the UIDs present
			}
			return err
		}
		next = uint32(data.UIDNext)
		return nil
	})
	if err != nil || next > 0 || numMessages == 0 {
		return next, err
	}
	err = s.cmd(ctx, "imap fetch last uid "+quote(mailbox), func() error {
		var last imap.SeqSet
		last.AddNum(numMessages) // the last message holds the highest UID
		msgs, err := s.c.Fetch(last, &imap.FetchOptions{UID: true}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if uint32(m.UID) >= next {
				next = uint32(m.UID) + 1
			}
		}
		if next == 0 {
			return fmt.Errorf("no UID for the last of %d messages", numMessages)
		}
		return nil
	})
	return next, err
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

// readNamespace reads the personal namespace (RFC 2342) where the server
// offers NAMESPACE: its prefix ("INBOX." on Courier and legacy Cyrus, where
// folders beside INBOX cannot be created) and its delimiter.
func (s *Session) readNamespace(ctx context.Context) error {
	if !s.c.Caps().Has(imap.CapNamespace) {
		return nil
	}
	return s.cmd(ctx, "imap namespace", func() error {
		data, err := s.c.Namespace().Wait()
		if err != nil {
			var ie *imap.Error
			if errors.As(err, &ie) {
				s.log.Warn("the server refused NAMESPACE; folders are named as configured", "err", err)
				return nil
			}
			return err
		}
		if len(data.Personal) == 0 {
			return nil
		}
		ns := data.Personal[0]
		s.mu.Lock()
		s.personal = ns.Prefix
		if ns.Delim != 0 {
			s.delim = ns.Delim
		}
		s.mu.Unlock()
		return nil
	})
}

// MailboxName is the server's name for a folder written with "/" (the
// configuration's form): the hierarchy delimiter replaces "/", and the
// personal namespace's prefix goes in front ("Boundary/Held" is
// "INBOX.Boundary.Held" on Courier). INBOX and a name that already carries
// the prefix are left alone.
func (s *Session) MailboxName(name string) string {
	s.mu.Lock()
	d, prefix := s.delim, s.personal
	s.mu.Unlock()
	return mailboxName(name, d, prefix)
}

func mailboxName(name string, delim rune, prefix string) string {
	if strings.EqualFold(name, "INBOX") {
		return name
	}
	if delim != 0 && delim != '/' {
		name = strings.ReplaceAll(name, "/", string(delim))
	}
	if prefix == "" || (len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)) {
		return name
	}
	return prefix + name
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
