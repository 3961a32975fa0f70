// Package memimap adapts go-imap's in-memory server session for boundaryd's
// tests and demo: IDLE that reports mail queued just before it began, and
// mailboxes that refuse writes on demand.
package memimap

import (
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// Session refuses writes into the mailboxes named in Refuse; everything else is the
// memory server's own behaviour.
type Session struct {
	imapserver.SessionIMAP4rev2
	Refuse []string
}

func (s *Session) refused(name string) error {
	for _, r := range s.Refuse {
		if strings.EqualFold(r, name) {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNoPerm, Text: "Refused by test server"}
		}
	}
	return nil
}

// Idle polls the session's queued updates, because the memory server's own
// Idle waits for the next update and so never reports one queued just
// before IDLE began (mail delivered between two commands would wait for
// the next delivery).
func (s *Session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		if err := s.SessionIMAP4rev2.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

func (s *Session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := s.refused(dest); err != nil {
		return nil, err
	}
	return s.SessionIMAP4rev2.Copy(numSet, dest)
}

func (s *Session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if err := s.refused(dest); err != nil {
		return err
	}
	return s.SessionIMAP4rev2.Move(w, numSet, dest)
}

func (s *Session) Create(name string, options *imap.CreateOptions) error {
	if err := s.refused(name); err != nil {
		return err
	}
	return s.SessionIMAP4rev2.Create(name, options)
}

func (s *Session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	if err := s.refused(mailbox); err != nil {
		return nil, err
	}
	return s.SessionIMAP4rev2.Append(mailbox, r, options)
}
