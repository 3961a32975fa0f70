package store

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// normAddr makes "Ana@Example.ORG " and "ana@example.org" the same sender.
func normAddr(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// LastReply returns when an auto-reply was last sent to sender.
func (tx *Tx) LastReply(sender string) (time.Time, bool) {
	b := tx.bucket(bucketReplies)
	if b == nil {
		return time.Time{}, false
	}
	v := b.Get([]byte(normAddr(sender)))
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))), true
}

// SetLastReply records that an auto-reply was sent to sender at t.
func (tx *Tx) SetLastReply(sender string, t time.Time) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(t.UnixNano()))
	if err := tx.bucket(bucketReplies).Put([]byte(normAddr(sender)), buf[:]); err != nil {
		return fmt.Errorf("store: set last reply: %w", err)
	}
	return nil
}

// LastReply is the single-read form of Tx.LastReply.
func (s *Store) LastReply(sender string) (t time.Time, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		t, ok = tx.LastReply(sender)
		return nil
	})
	return t, ok, err
}

// SetLastReply is the single-write form of Tx.SetLastReply.
func (s *Store) SetLastReply(sender string, t time.Time) error {
	return s.Update(func(tx *Tx) error { return tx.SetLastReply(sender, t) })
}
