package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// EmergencyKeyword is the keyword added to escalated messages where the
// server accepts keywords.
const EmergencyKeyword = "$Emergency"

// Hold moves one message of the selected mailbox to folder, creating the
// folder on TRYCREATE. Without MOVE it copies, checks the copy succeeded,
// flags the original \Deleted and expunges that UID only (UIDPLUS); without
// UIDPLUS the original stays flagged \Deleted, because a plain EXPUNGE would
// also remove messages other clients marked. A refused copy leaves the
// message untouched and returns the error. ErrGone means the UID was not
// in the mailbox any more.
func (s *Session) Hold(ctx context.Context, uid uint32, folder string) error {
	return s.moveUIDs(ctx, []uint32{uid}, folder)
}

// HoldUIDs is Hold for several messages of the selected mailbox in one
// command (one UID MOVE, or one checked COPY then one STORE and one UID
// EXPUNGE): a backlog of thousands is moved in round trips per batch, not
// per message. A refusal moves none of them.
func (s *Session) HoldUIDs(ctx context.Context, uids []uint32, folder string) error {
	if len(uids) == 0 {
		return nil
	}
	return s.moveUIDs(ctx, uids, folder)
}

// MoveBack moves messages from mailbox from to mailbox to (a release of
// held mail), with the same rules as Hold. It leaves from selected.
func (s *Session) MoveBack(ctx context.Context, from, to string, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	if s.Selected().Name != from {
		if _, err := s.Select(ctx, from); err != nil {
			return err
		}
	}
	return s.moveUIDs(ctx, uids, to)
}

func (s *Session) moveUIDs(ctx context.Context, uids []uint32, folder string) error {
	dest := s.serverName(folder)
	set := uidSet(uids)
	caps := s.Caps()
	what := fmt.Sprintf("imap move uid %v to %q", set, folder)

	moveOnce := func() error {
		return s.cmd(ctx, what, func() error {
			s.limitReads(what, perUIDBudget(len(uids)))
			if caps.Move {
				// Client.Move is only safe when the server has MOVE; it
				// then sends a single UID MOVE.
				_, err := s.c.Move(set, dest).Wait()
				return err
			}
			_, err := s.c.Copy(set, dest).Wait()
			return err
		})
	}

	// Absent UIDs are reported rather than "moved": a UID MOVE of nothing
	// answers OK, and go-imap cannot parse the memory server's empty COPYUID.
	present, err := s.presentUIDs(ctx, set)
	if err != nil {
		return err
	}
	if len(present) == 0 {
		return fmt.Errorf("%s: %w", what, ErrGone)
	}
	if len(present) < len(uids) {
		set = uidSet(present)
		s.log.Warn("some messages to move are gone", "wanted", len(uids), "present", len(present), "folder", folder)
	}

	err = moveOnce()
	if err != nil && responseCode(err) == imap.ResponseCodeTryCreate {
		if cerr := s.EnsureMailbox(ctx, folder); cerr != nil {
			return fmt.Errorf("%s: %w (creating it: %v)", what, err, cerr)
		}
		err = moveOnce()
	}
	if err != nil {
		return err
	}
	if caps.Move {
		return nil
	}

	if err := s.cmd(ctx, what+": flag original \\Deleted", func() error {
		s.limitReads(what+": flag original \\Deleted", perUIDBudget(len(uids)))
		return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	}); err != nil {
		// The copy exists and the original is still visible: the caller
		// sees the error and must not copy again blindly.
		return fmt.Errorf("%w (the copy in %q succeeded)", err, folder)
	}
	if !caps.UIDPlus {
		s.log.Warn("server lacks UIDPLUS: original left flagged \\Deleted in the source folder, not expunged",
			"uids", set.String(), "folder", folder)
		return nil
	}
	return s.cmd(ctx, what+": uid expunge", func() error {
		s.limitReads(what+": uid expunge", perUIDBudget(len(uids)))
		return s.c.UIDExpunge(set).Close()
	})
}

// presentUIDs returns which of set are in the selected mailbox and not
// flagged \Deleted.
func (s *Session) presentUIDs(ctx context.Context, set imap.UIDSet) ([]uint32, error) {
	var out []uint32
	err := s.cmd(ctx, "imap uid search", func() error {
		nums, _ := set.Nums()
		s.limitReads("imap uid search", perUIDBudget(len(nums)))
		// A \Deleted original is already on its way out (the no-UIDPLUS
		// fallback leaves them): moving it again would duplicate it.
		data, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}, NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return err
		}
		for _, u := range data.AllUIDs() {
			if set.Contains(u) {
				out = append(out, uint32(u))
			}
		}
		return nil
	})
	return out, err
}

// Flag marks a message of the selected mailbox \Flagged, plus $Emergency
// when emergency is true and the mailbox accepts keywords.
func (s *Session) Flag(ctx context.Context, uid uint32, emergency bool) error {
	return s.FlagUIDs(ctx, []uint32{uid}, emergency)
}

// FlagUIDs is Flag for several messages in one UID STORE; a refusal flags
// none of them.
func (s *Session) FlagUIDs(ctx context.Context, uids []uint32, emergency bool) error {
	if len(uids) == 0 {
		return nil
	}
	flags := []imap.Flag{imap.FlagFlagged}
	if emergency && s.Caps().Keywords {
		flags = append(flags, imap.Flag(EmergencyKeyword))
	}
	set := uidSet(uids)
	what := fmt.Sprintf("imap flag uid %v", set)
	return s.cmd(ctx, what, func() error {
		s.limitReads(what, perUIDBudget(len(uids)))
		return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close()
	})
}

// Append stores raw in mailbox (created first when missing: a refused
// APPEND over 4 KiB would close go-imap's connection) and returns the new
// UID where the server reports it (UIDPLUS), else 0.
func (s *Session) Append(ctx context.Context, mailbox string, flags []string, date time.Time, raw []byte) (uint32, error) {
	if err := s.EnsureMailbox(ctx, mailbox); err != nil {
		return 0, err
	}
	opts := &imap.AppendOptions{Time: date}
	for _, f := range flags {
		opts.Flags = append(opts.Flags, imap.Flag(f))
	}
	var uid uint32
	err := s.guard(ctx, s.opts.CommandTimeout+time.Duration(len(raw)/(64<<10))*time.Second, "imap append to "+quote(mailbox), func() error {
		cmd := s.c.Append(s.serverName(mailbox), int64(len(raw)), opts)
		if _, err := cmd.Write(raw); err != nil {
			_ = cmd.Close()
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		data, err := cmd.Wait()
		if err != nil {
			return err
		}
		uid = uint32(data.UID)
		return nil
	})
	return uid, err
}

// FindByMessageID returns the UIDs in mailbox whose Message-ID header is
// msgID (angle brackets optional). It selects mailbox. Servers search
// substrings, so candidates are confirmed against the exact header.
func (s *Session) FindByMessageID(ctx context.Context, mailbox, msgID string) ([]uint32, error) {
	id := strings.TrimSpace(msgID)
	if id == "" {
		return nil, errors.New("find by message-id: empty id")
	}
	if s.Selected().Name != mailbox {
		if _, err := s.Select(ctx, mailbox); err != nil {
			return nil, err
		}
	}
	var candidates []uint32
	if err := s.cmd(ctx, "imap search message-id", func() error {
		s.limitReads("imap search message-id", s.searchBudget())
		data, err := s.c.UIDSearch(&imap.SearchCriteria{
			Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: id}},
		}, nil).Wait()
		if err != nil {
			return err
		}
		for _, u := range data.AllUIDs() {
			candidates = append(candidates, uint32(u))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	var out []uint32
	err := s.cmd(ctx, "imap fetch message-id", func() error {
		// The partial range bounds what a hostile sender's huge
		// Message-ID field costs; an ID that long never matches ours.
		sec := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true,
			Partial: &imap.SectionPartial{Size: maxMessageIDField}}
		s.limitReads("imap fetch message-id", defaultReadBudget+int64(len(candidates))*(maxMessageIDField+sectionOverhead))
		bufs, err := s.c.Fetch(uidSet(candidates), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{sec}}).Collect()
		if err != nil {
			return err
		}
		want := normalizeMsgID(id)
		for _, b := range bufs {
			if b.UID == 0 {
				continue
			}
			// Matched by hand: FindBodySection also wants the partial
			// origin echoed back, which not every server does.
			var field []byte
			for _, bs := range b.BodySection {
				if bs.Section.Specifier == imap.PartSpecifierHeader && len(bs.Section.HeaderFields) > 0 {
					field = bs.Bytes
				}
			}
			if normalizeMsgID(headerValue(field)) == want {
				out = append(out, uint32(b.UID))
			}
		}
		return nil
	})
	return out, err
}

// maxMessageIDField is how much of a candidate's Message-ID field is
// fetched to confirm it.
const maxMessageIDField = 2048

func normalizeMsgID(id string) string {
	return strings.Trim(strings.TrimSpace(id), "<>")
}

// headerValue returns the unfolded value of the single header field in h.
func headerValue(h []byte) string {
	_, v, ok := bytes.Cut(h, []byte(":"))
	if !ok {
		return ""
	}
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	v = bytes.ReplaceAll(v, []byte("\n"), nil)
	return strings.TrimSpace(string(v))
}

// Remove deletes one message of the selected mailbox whose copy is known to
// exist elsewhere (a hold whose COPY succeeded before a crash): \Deleted,
// then UID EXPUNGE of that UID only. Without UIDPLUS the message is left
// flagged \Deleted, as Hold does.
func (s *Session) Remove(ctx context.Context, uid uint32) error {
	var one imap.UIDSet
	one.AddNum(imap.UID(uid))
	what := fmt.Sprintf("imap remove uid %d", uid)
	if err := s.cmd(ctx, what+": flag \\Deleted", func() error {
		return s.c.Store(one, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	}); err != nil {
		return err
	}
	if !s.Caps().UIDPlus {
		s.log.Warn("server lacks UIDPLUS: duplicate left flagged \\Deleted, not expunged", "uid", uid)
		return nil
	}
	return s.cmd(ctx, what+": uid expunge", func() error { return s.c.UIDExpunge(one).Close() })
}
