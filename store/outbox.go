package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OutboxEntry is one alert waiting for one channel. Payload is opaque to the
// store (the notify package serialises its alert there).
type OutboxEntry struct {
	ID          uint64    `json:"id"`
	Key         string    `json:"key"`
	Channel     string    `json:"channel"`
	Payload     []byte    `json:"payload"`
	Created     time.Time `json:"created"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	// FirstFailure is the first failed attempt (zero before any).
	FirstFailure time.Time `json:"first_failure,omitzero"`
	// LastError is the channel's last error text; it must not carry content.
	LastError string `json:"last_error,omitempty"`
	// Audit is the audit entry's key the delivery is noted on, when it is
	// not Key (a repeat's Key is the message key plus a suffix).
	Audit string `json:"audit,omitempty"`
}

func (e OutboxEntry) auditKey() string {
	if e.Audit != "" {
		return e.Audit
	}
	return e.Key
}

// ErrNoEntry is returned when an outbox entry id is unknown (already acked).
var ErrNoEntry = errors.New("store: no such outbox entry")

// Dedupe states kept in outbox_keys.
const (
	statePending   = "pending"
	stateDelivered = "delivered"
	// stateFailed: the channel refused the entry for good (see Fail); the
	// pair is not queued again.
	stateFailed = "failed"
)

type outboxKeyState struct {
	State string    `json:"state"`
	ID    uint64    `json:"id,omitempty"`
	At    time.Time `json:"at"`
}

func dedupeKey(key, channel string) []byte { return []byte(key + "\x00" + channel) }

func idKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

// Enqueue adds an entry for (key, channel), due at once. When the pair is
// already pending or was delivered within the retention, nothing is added
// and added is false: this is what makes alerts at-most-once per channel
// across restarts and re-scans.
func (tx *Tx) Enqueue(key, channel string, payload []byte) (e OutboxEntry, added bool, err error) {
	return tx.EnqueueFor(key, key, channel, payload)
}

// EnqueueFor is Enqueue for an entry whose delivery is noted on the audit
// entry of auditKey rather than key's.
func (tx *Tx) EnqueueFor(key, auditKey, channel string, payload []byte) (e OutboxEntry, added bool, err error) {
	if key == "" || channel == "" {
		return OutboxEntry{}, false, errors.New("store: outbox entry needs a key and a channel")
	}
	keys := tx.bucket(bucketOutboxKeys)
	dk := dedupeKey(key, channel)
	if keys.Get(dk) != nil {
		return OutboxEntry{}, false, nil
	}
	box := tx.bucket(bucketOutbox)
	id, err := box.NextSequence()
	if err != nil {
		return OutboxEntry{}, false, fmt.Errorf("store: outbox sequence: %w", err)
	}
	now := tx.s.opts.Clock.Now()
	e = OutboxEntry{ID: id, Key: key, Channel: channel, Payload: payload, Created: now, NextAttempt: now}
	if auditKey != key {
		e.Audit = auditKey
	}
	if err := tx.putEntry(e); err != nil {
		return OutboxEntry{}, false, err
	}
	if err := tx.putKeyState(dk, outboxKeyState{State: statePending, ID: id, At: now}); err != nil {
		return OutboxEntry{}, false, err
	}
	return e, true, nil
}

func (tx *Tx) putEntry(e OutboxEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("store: encode outbox entry: %w", err)
	}
	if err := tx.bucket(bucketOutbox).Put(idKey(e.ID), v); err != nil {
		return fmt.Errorf("store: put outbox entry: %w", err)
	}
	return nil
}

func (tx *Tx) putKeyState(dk []byte, st outboxKeyState) error {
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("store: encode outbox key: %w", err)
	}
	if err := tx.bucket(bucketOutboxKeys).Put(dk, v); err != nil {
		return fmt.Errorf("store: put outbox key: %w", err)
	}
	return nil
}

// OutboxEntry returns the pending entry id.
func (tx *Tx) OutboxEntry(id uint64) (OutboxEntry, error) {
	b := tx.bucket(bucketOutbox)
	if b == nil {
		return OutboxEntry{}, ErrNoEntry
	}
	v := b.Get(idKey(id))
	if v == nil {
		return OutboxEntry{}, ErrNoEntry
	}
	var e OutboxEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return OutboxEntry{}, fmt.Errorf("store: decode outbox entry %d: %w", id, err)
	}
	return e, nil
}

// OutboxPending returns the pending entries for channel ("" for every
// channel), in enqueue order.
func (tx *Tx) OutboxPending(channel string) ([]OutboxEntry, error) {
	b := tx.bucket(bucketOutbox)
	if b == nil {
		return nil, nil
	}
	var out []OutboxEntry
	err := b.ForEach(func(_, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("store: decode outbox entry: %w", err)
		}
		if channel == "" || e.Channel == channel {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// OutboxDepth is the number of pending entries.
func (tx *Tx) OutboxDepth() int {
	b := tx.bucket(bucketOutbox)
	if b == nil {
		return 0
	}
	return b.Stats().KeyN
}

// Ack removes entry id after its channel accepted it, remembers (key,
// channel) as delivered for de-duplication and notes the delivery on the
// message's audit entry.
func (tx *Tx) Ack(id uint64, at time.Time) error {
	e, err := tx.OutboxEntry(id)
	if err != nil {
		return err
	}
	if err := tx.bucket(bucketOutbox).Delete(idKey(id)); err != nil {
		return fmt.Errorf("store: delete outbox entry: %w", err)
	}
	if err := tx.putKeyState(dedupeKey(e.Key, e.Channel), outboxKeyState{State: stateDelivered, At: at}); err != nil {
		return err
	}
	if err := tx.bucket(bucketMeta).Delete(refusalKey(e.Channel)); err != nil {
		return fmt.Errorf("store: clear channel refusal: %w", err)
	}
	return tx.RecordAlertDelivery(e.auditKey(), e.Channel, at, e.Attempts+1)
}

// Fail removes entry id after its channel refused it for good (a 4xx, an
// SMTP 5xx): the pair is remembered as failed, so it is never queued or
// sent again, the refusal is noted on the message's audit entry, and the
// channel is recorded as refusing (ChannelRefusals) until it accepts an
// alert again (Ack). reason must not carry content.
func (tx *Tx) Fail(id uint64, at time.Time, reason string) error {
	e, err := tx.OutboxEntry(id)
	if err != nil {
		return err
	}
	if err := tx.bucket(bucketOutbox).Delete(idKey(id)); err != nil {
		return fmt.Errorf("store: delete outbox entry: %w", err)
	}
	if err := tx.putKeyState(dedupeKey(e.Key, e.Channel), outboxKeyState{State: stateFailed, At: at}); err != nil {
		return err
	}
	r, err := json.Marshal(ChannelRefusal{Channel: e.Channel, At: at, Error: reason})
	if err != nil {
		return fmt.Errorf("store: encode channel refusal: %w", err)
	}
	if err := tx.bucket(bucketMeta).Put(refusalKey(e.Channel), r); err != nil {
		return fmt.Errorf("store: put channel refusal: %w", err)
	}
	return tx.RecordAlertFailure(e.auditKey(), e.Channel, at, e.Attempts+1, reason)
}

// ChannelRefusal is a channel's last refusal for good, kept until the
// channel accepts an alert again, so that a restart does not hide it.
type ChannelRefusal struct {
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	Error   string    `json:"error"`
}

const refusalPrefix = "refused\x00"

func refusalKey(channel string) []byte { return []byte(refusalPrefix + channel) }

// ChannelRefusals returns the channels whose last outcome was a refusal for
// good, by channel name.
func (tx *Tx) ChannelRefusals() ([]ChannelRefusal, error) {
	b := tx.bucket(bucketMeta)
	if b == nil {
		return nil, nil
	}
	var out []ChannelRefusal
	c := b.Cursor()
	for k, v := c.Seek([]byte(refusalPrefix)); k != nil && strings.HasPrefix(string(k), refusalPrefix); k, v = c.Next() {
		var r ChannelRefusal
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("store: decode channel refusal: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ChannelRefusals is the single-read form of Tx.ChannelRefusals.
func (s *Store) ChannelRefusals() (out []ChannelRefusal, err error) {
	err = s.View(func(tx *Tx) error {
		out, err = tx.ChannelRefusals()
		return err
	})
	return out, err
}

// Reschedule records a failed attempt of entry id and when to try again.
func (tx *Tx) Reschedule(id uint64, failedAt, next time.Time, lastErr string) (OutboxEntry, error) {
	e, err := tx.OutboxEntry(id)
	if err != nil {
		return OutboxEntry{}, err
	}
	e.Attempts++
	if e.FirstFailure.IsZero() {
		e.FirstFailure = failedAt
	}
	e.NextAttempt = next
	e.LastError = lastErr
	return e, tx.putEntry(e)
}

// Drop removes entry id without marking it delivered (its channel is gone
// or its payload unreadable), so the pair could be enqueued again.
func (tx *Tx) Drop(id uint64) error {
	e, err := tx.OutboxEntry(id)
	if err != nil {
		return err
	}
	if err := tx.bucket(bucketOutbox).Delete(idKey(id)); err != nil {
		return fmt.Errorf("store: delete outbox entry: %w", err)
	}
	if err := tx.bucket(bucketOutboxKeys).Delete(dedupeKey(e.Key, e.Channel)); err != nil {
		return fmt.Errorf("store: delete outbox key: %w", err)
	}
	return nil
}

// Delivered reports whether (key, channel) was accepted, and when.
func (tx *Tx) Delivered(key, channel string) (time.Time, bool, error) {
	b := tx.bucket(bucketOutboxKeys)
	if b == nil {
		return time.Time{}, false, nil
	}
	v := b.Get(dedupeKey(key, channel))
	if v == nil {
		return time.Time{}, false, nil
	}
	var st outboxKeyState
	if err := json.Unmarshal(v, &st); err != nil {
		return time.Time{}, false, fmt.Errorf("store: decode outbox key: %w", err)
	}
	return st.At, st.State == stateDelivered, nil
}

func (tx *Tx) pruneDelivered(before time.Time) (int, error) {
	b := tx.bucket(bucketOutboxKeys)
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var st outboxKeyState
		if json.Unmarshal(v, &st) == nil && (st.State == stateDelivered || st.State == stateFailed) && st.At.Before(before) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: scan outbox keys: %w", err)
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("store: prune outbox keys: %w", err)
		}
	}
	return len(old), nil
}

// OutboxPending is the single-read form of Tx.OutboxPending.
func (s *Store) OutboxPending(channel string) (out []OutboxEntry, err error) {
	err = s.View(func(tx *Tx) error {
		out, err = tx.OutboxPending(channel)
		return err
	})
	return out, err
}

// OutboxDepth is the single-read form of Tx.OutboxDepth.
func (s *Store) OutboxDepth() (n int, err error) {
	err = s.View(func(tx *Tx) error {
		n = tx.OutboxDepth()
		return nil
	})
	return n, err
}
