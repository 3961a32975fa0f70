package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Queued reports whether (key, channel) is known to the outbox: pending,
// delivered within the retention, or refused for good. An alert sent from
// memory while the state could not be written stops there once the outbox
// owns it.
func (tx *Tx) Queued(key, channel string) bool {
	b := tx.bucket(bucketOutboxKeys)
	return b != nil && b.Get(dedupeKey(key, channel)) != nil
}

// Queued is the single-read form of Tx.Queued.
func (s *Store) Queued(key, channel string) (q bool, err error) {
	err = s.View(func(tx *Tx) error {
		q = tx.Queued(key, channel)
		return nil
	})
	return q, err
}

// MarkDelivered records that channel accepted the alert (key, channel) at
// at although the outbox did not send it: it was sent from memory while the
// state could not be written. A pending entry for the pair is acknowledged
// (so it is not sent a second time); an unknown pair is remembered as
// delivered, so a later Enqueue adds nothing. auditKey is the audit entry
// the delivery is noted on, when there is one.
func (tx *Tx) MarkDelivered(key, auditKey, channel string, at time.Time) error {
	dk := dedupeKey(key, channel)
	if v := tx.bucket(bucketOutboxKeys).Get(dk); v != nil {
		var st outboxKeyState
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("store: decode outbox key: %w", err)
		}
		if st.State == statePending {
			return tx.Ack(st.ID, at)
		}
		return nil
	}
	if err := tx.putKeyState(dk, outboxKeyState{State: stateDelivered, At: at}); err != nil {
		return err
	}
	return tx.RecordAlertDelivery(auditKey, channel, at, 1)
}
