package store

import (
	"encoding/binary"
	"fmt"
)

// HighWater returns the highest UID handled in mailbox and the UIDVALIDITY it
// belongs to. ok is false when nothing was recorded for the mailbox. A caller
// seeing a different UIDVALIDITY on the server must re-scan and rely on
// Handled identities, not on uid.
func (tx *Tx) HighWater(mailbox string) (uidValidity, uid uint32, ok bool) {
	b := tx.bucket(bucketHighWater)
	if b == nil {
		return 0, 0, false
	}
	v := b.Get([]byte(mailbox))
	if len(v) != 8 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(v[:4]), binary.BigEndian.Uint32(v[4:]), true
}

// SetHighWater records uid as handled in (mailbox, uidValidity), replacing any
// mark for an older UIDVALIDITY. It never lowers the mark within the same
// UIDVALIDITY, so out-of-order batches cannot make the daemon re-process mail.
func (tx *Tx) SetHighWater(mailbox string, uidValidity, uid uint32) error {
	if v, cur, ok := tx.HighWater(mailbox); ok && v == uidValidity && cur >= uid {
		return nil
	}
	var buf [8]byte
	binary.BigEndian.PutUint32(buf[:4], uidValidity)
	binary.BigEndian.PutUint32(buf[4:], uid)
	if err := tx.bucket(bucketHighWater).Put([]byte(mailbox), buf[:]); err != nil {
		return fmt.Errorf("store: set high-water mark for %q: %w", mailbox, err)
	}
	return nil
}

// HighWater is the single-read form of Tx.HighWater.
func (s *Store) HighWater(mailbox string) (uidValidity, uid uint32, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		uidValidity, uid, ok = tx.HighWater(mailbox)
		return nil
	})
	if err != nil {
		return 0, 0, false, fmt.Errorf("store: read high-water mark: %w", err)
	}
	return uidValidity, uid, ok, nil
}

// SetHighWater is the single-write form of Tx.SetHighWater.
func (s *Store) SetHighWater(mailbox string, uidValidity, uid uint32) error {
	return s.Update(func(tx *Tx) error { return tx.SetHighWater(mailbox, uidValidity, uid) })
}
