package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Action is what the daemon did with a message.
type Action string

// Actions recorded in Record.Action.
const (
	ActionHeld      Action = "held"      // moved to the hold folder
	ActionEscalated Action = "escalated" // left in the inbox, flagged, alerted
	ActionPassed    Action = "passed"    // left alone
)

// Record is the memory of one handled message, keyed by its identity
// (Message-ID plus content hash, computed by the caller).
type Record struct {
	ID          string    `json:"id"`
	Mailbox     string    `json:"mailbox,omitempty"`
	UIDValidity uint32    `json:"uidvalidity,omitempty"`
	UID         uint32    `json:"uid,omitempty"`
	Action      Action    `json:"action"`
	At          time.Time `json:"at"`
	// Released is set when a reading window moved the message back to the
	// inbox: it must never be held again.
	Released   bool      `json:"released,omitempty"`
	ReleasedAt time.Time `json:"released_at,omitzero"`
	// MovedBack is set when the therapist moved a held message back to the
	// inbox by hand: it must never be held again either.
	MovedBack bool `json:"moved_back,omitempty"`
	// InFlight is set on the record written just before the action is
	// taken and cleared once it is done: met again after a crash, it
	// means the action may not have happened and must be checked.
	InFlight bool `json:"in_flight,omitempty"`
}

// NeverHold reports whether the message must stay where the user or a
// reading window put it.
func (r Record) NeverHold() bool { return r.Released || r.MovedBack }

// Handled returns the record for identity id.
func (tx *Tx) Handled(id string) (Record, bool, error) {
	b := tx.bucket(bucketHandled)
	if b == nil {
		return Record{}, false, nil
	}
	v := b.Get([]byte(id))
	if v == nil {
		return Record{}, false, nil
	}
	var r Record
	if err := json.Unmarshal(v, &r); err != nil {
		return Record{}, false, fmt.Errorf("store: decode handled record: %w", err)
	}
	return r, true, nil
}

// MarkHandled stores r, replacing any earlier record with the same ID.
func (tx *Tx) MarkHandled(r Record) error {
	if r.ID == "" {
		return errors.New("store: handled record without identity")
	}
	if r.At.IsZero() {
		r.At = tx.s.opts.Clock.Now()
	}
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: encode handled record: %w", err)
	}
	if err := tx.bucket(bucketHandled).Put([]byte(r.ID), v); err != nil {
		return fmt.Errorf("store: put handled record: %w", err)
	}
	return nil
}

// ForEachHandled calls fn for every record in identity order; a non-nil
// error from fn stops the walk and is returned.
func (tx *Tx) ForEachHandled(fn func(Record) error) error {
	b := tx.bucket(bucketHandled)
	if b == nil {
		return nil
	}
	return b.ForEach(func(_, v []byte) error {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: decode handled record: %w", err)
		}
		return fn(r)
	})
}

// Handled is the single-read form of Tx.Handled.
func (s *Store) Handled(id string) (r Record, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		r, ok, err = tx.Handled(id)
		return err
	})
	return r, ok, err
}

// MarkHandled is the single-write form of Tx.MarkHandled.
func (s *Store) MarkHandled(r Record) error {
	return s.Update(func(tx *Tx) error { return tx.MarkHandled(r) })
}
