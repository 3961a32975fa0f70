package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// Audit entry kinds.
const (
	AuditMessage = "message" // one per handled message
	AuditWindow  = "window"  // one per delivered reading window
	// AuditPage: a page acknowledged, repeated, sent to the backup
	// channels, grouped, or a summary page (Verdict says which).
	AuditPage = "page"
	// AuditConcern: a concern recorded, noticed or released early.
	AuditConcern = "concern"
)

// AuditEntry is one line of history. It never holds message content: no
// subject, no body, no excerpt.
type AuditEntry struct {
	Seq  uint64    `json:"seq"` // assigned by AppendAudit
	Time time.Time `json:"time"`
	Kind string    `json:"kind"` // AuditMessage or AuditWindow
	// Key is the message identity, linking later alert and window deliveries.
	Key     string `json:"key,omitempty"`
	Sender  string `json:"sender,omitempty"`
	Verdict string `json:"verdict,omitempty"`
	// Level is a message's safety level: page, concern or none.
	Level string   `json:"level,omitempty"`
	Rules []string `json:"rules,omitempty"`
	// Alerts lists each channel's accepted delivery of this message's alert.
	Alerts []AlertDelivery `json:"alerts,omitempty"`
	// AlertsFailed lists the channels that refused this message's alert
	// for good (it was not retried).
	AlertsFailed []AlertFailure `json:"alerts_failed,omitempty"`
	// Windows lists the reading windows that delivered this message.
	Windows []WindowDelivery `json:"windows,omitempty"`
	// Window and Count describe an AuditWindow entry.
	Window string `json:"window,omitempty"`
	Count  int    `json:"count,omitempty"`
}

// AlertDelivery is an alert accepted by one channel.
type AlertDelivery struct {
	Channel  string    `json:"channel"`
	At       time.Time `json:"at"`
	Attempts int       `json:"attempts"`
}

// AlertFailure is an alert one channel refused for good.
type AlertFailure struct {
	Channel  string    `json:"channel"`
	At       time.Time `json:"at"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error"`
}

// WindowDelivery is a reading window acting on a message.
type WindowDelivery struct {
	Window string    `json:"window"`
	At     time.Time `json:"at"`
	Action string    `json:"action"` // e.g. "digest", "released"
}

// auditKey orders entries by time, then by insertion sequence.
func auditKey(t time.Time, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k[:8], uint64(t.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

// AppendAudit adds e (Time defaults to now, Kind to AuditMessage) and returns
// its sequence number. When e.Key is set, later RecordAlertDelivery and
// RecordWindowDelivery calls for that key update this entry.
func (tx *Tx) AppendAudit(e AuditEntry) (uint64, error) {
	b := tx.bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("store: audit sequence: %w", err)
	}
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = tx.s.opts.Clock.Now()
	}
	if e.Kind == "" {
		e.Kind = AuditMessage
	}
	k := auditKey(e.Time, seq)
	if err := tx.putAudit(k, e); err != nil {
		return 0, err
	}
	if e.Key != "" {
		if err := tx.bucket(bucketAuditIndex).Put([]byte(e.Key), k); err != nil {
			return 0, fmt.Errorf("store: audit index: %w", err)
		}
	}
	return seq, nil
}

func (tx *Tx) putAudit(k []byte, e AuditEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("store: encode audit entry: %w", err)
	}
	if err := tx.bucket(bucketAudit).Put(k, v); err != nil {
		return fmt.Errorf("store: put audit entry: %w", err)
	}
	return nil
}

// updateAudit applies fn to the latest entry for key. A missing entry (pruned,
// or never written) is not an error: the delivery itself matters more.
func (tx *Tx) updateAudit(key string, fn func(*AuditEntry)) error {
	k := tx.bucket(bucketAuditIndex).Get([]byte(key))
	if k == nil {
		return nil
	}
	k = bytes.Clone(k)
	v := tx.bucket(bucketAudit).Get(k)
	if v == nil {
		return nil
	}
	var e AuditEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return fmt.Errorf("store: decode audit entry: %w", err)
	}
	fn(&e)
	return tx.putAudit(k, e)
}

// RecordAlertDelivery notes on key's audit entry that channel accepted its alert.
func (tx *Tx) RecordAlertDelivery(key, channel string, at time.Time, attempts int) error {
	return tx.updateAudit(key, func(e *AuditEntry) {
		e.Alerts = append(e.Alerts, AlertDelivery{Channel: channel, At: at, Attempts: attempts})
	})
}

// RecordAlertFailure notes on key's audit entry that channel refused its
// alert for good.
func (tx *Tx) RecordAlertFailure(key, channel string, at time.Time, attempts int, reason string) error {
	return tx.updateAudit(key, func(e *AuditEntry) {
		e.AlertsFailed = append(e.AlertsFailed, AlertFailure{Channel: channel, At: at, Attempts: attempts, Error: reason})
	})
}

// RecordWindowDelivery notes on key's audit entry that a window acted on it.
func (tx *Tx) RecordWindowDelivery(key, window, action string, at time.Time) error {
	return tx.updateAudit(key, func(e *AuditEntry) {
		e.Windows = append(e.Windows, WindowDelivery{Window: window, At: at, Action: action})
	})
}

// Audit returns the entries whose Time is at or after since, oldest first.
func (tx *Tx) Audit(since time.Time) ([]AuditEntry, error) {
	b := tx.bucket(bucketAudit)
	if b == nil {
		return nil, nil
	}
	var out []AuditEntry
	c := b.Cursor()
	k, v := c.First()
	if since.After(time.Unix(0, 0)) {
		k, v = c.Seek(auditKey(since, 0))
	}
	for ; k != nil; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("store: decode audit entry: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (tx *Tx) pruneAudit(before time.Time) (int, error) {
	b := tx.bucket(bucketAudit)
	idx := tx.bucket(bucketAuditIndex)
	limit := auditKey(before, 0)
	c := b.Cursor()
	n := 0
	for k, v := c.First(); k != nil && bytes.Compare(k, limit) < 0; k, v = c.First() {
		var e AuditEntry
		if json.Unmarshal(v, &e) == nil && e.Key != "" && bytes.Equal(idx.Get([]byte(e.Key)), k) {
			if err := idx.Delete([]byte(e.Key)); err != nil {
				return n, fmt.Errorf("store: prune audit index: %w", err)
			}
		}
		if err := c.Delete(); err != nil {
			return n, fmt.Errorf("store: prune audit: %w", err)
		}
		n++
	}
	return n, nil
}

// AppendAudit is the single-write form of Tx.AppendAudit.
func (s *Store) AppendAudit(e AuditEntry) (seq uint64, err error) {
	err = s.Update(func(tx *Tx) error {
		seq, err = tx.AppendAudit(e)
		return err
	})
	return seq, err
}

// Audit is the single-read form of Tx.Audit.
func (s *Store) Audit(since time.Time) (out []AuditEntry, err error) {
	err = s.View(func(tx *Tx) error {
		out, err = tx.Audit(since)
		return err
	})
	return out, err
}
