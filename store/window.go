package store

import (
	"encoding/json"
	"fmt"
	"time"
)

var keyWindow = []byte("window")

// WindowRecord is the reading-window progress. A window in progress (PendingID
// set) is finished at restart from where it stopped, so a crash between the
// digest and the release never produces a second digest.
type WindowRecord struct {
	// LastDelivered is the scheduled time of the last completed window and
	// LastID its identifier.
	LastDelivered time.Time `json:"last_delivered,omitzero"`
	LastID        string    `json:"last_id,omitempty"`
	// PendingID identifies a window started but not completed; PendingAt is
	// its scheduled time.
	PendingID      string    `json:"pending_id,omitempty"`
	PendingAt      time.Time `json:"pending_at,omitzero"`
	DigestAppended bool      `json:"digest_appended,omitempty"`
	Released       bool      `json:"released,omitempty"`
}

// WindowState returns the stored progress (zero value when none).
func (tx *Tx) WindowState() (WindowRecord, error) {
	var w WindowRecord
	b := tx.bucket(bucketMeta)
	if b == nil {
		return w, nil
	}
	v := b.Get(keyWindow)
	if v == nil {
		return w, nil
	}
	if err := json.Unmarshal(v, &w); err != nil {
		return WindowRecord{}, fmt.Errorf("store: decode window state: %w", err)
	}
	return w, nil
}

// SetWindowState replaces the stored progress.
func (tx *Tx) SetWindowState(w WindowRecord) error {
	v, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("store: encode window state: %w", err)
	}
	if err := tx.bucket(bucketMeta).Put(keyWindow, v); err != nil {
		return fmt.Errorf("store: put window state: %w", err)
	}
	return nil
}

// WindowState is the single-read form of Tx.WindowState.
func (s *Store) WindowState() (w WindowRecord, err error) {
	err = s.View(func(tx *Tx) error {
		w, err = tx.WindowState()
		return err
	})
	return w, err
}

// SetWindowState is the single-write form of Tx.SetWindowState.
func (s *Store) SetWindowState(w WindowRecord) error {
	return s.Update(func(tx *Tx) error { return tx.SetWindowState(w) })
}
