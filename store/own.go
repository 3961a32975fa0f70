package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SecretSize is the length of the state's secret key.
const SecretSize = 32

// secretKey names the secret in the meta bucket.
var secretKey = []byte("secret:own-messages")

// Secret returns the state's secret key, created once (crypto/rand) and kept
// in the database (a 0600 file in a 0700 directory). The daemon keys with it
// what must not be guessable or writable by anyone else: the digest's
// Message-ID and the hash by which it knows its own messages.
func (s *Store) Secret() ([]byte, error) {
	var key []byte
	err := s.View(func(tx *Tx) error {
		if b := tx.bucket(bucketMeta); b != nil {
			key = append([]byte(nil), b.Get(secretKey)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read secret: %w", err)
	}
	if len(key) == SecretSize {
		return key, nil
	}
	err = s.Update(func(tx *Tx) error {
		b := tx.bucket(bucketMeta)
		if v := b.Get(secretKey); len(v) == SecretSize {
			key = append([]byte(nil), v...)
			return nil
		}
		key = make([]byte, SecretSize)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return b.Put(secretKey, key)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create secret: %w", err)
	}
	return key, nil
}

// OwnMessage is a message the daemon itself put in a mailbox (a digest),
// recorded before the APPEND under a keyed hash of its header, and after it
// under its UID when the server reports one (UIDPLUS). The daemon knows its
// own messages by these records, never by headers anyone can write.
type OwnMessage struct {
	Kind    string    `json:"kind"`             // "digest"
	Window  string    `json:"window,omitempty"` // the reading window a digest is for
	Hash    string    `json:"hash"`             // keyed hash of the header (the caller's)
	At      time.Time `json:"at"`
	Mailbox string    `json:"mailbox"`
	// UIDValidity and UID are set once the APPEND is answered with APPENDUID.
	UIDValidity uint32 `json:"uidvalidity,omitempty"`
	UID         uint32 `json:"uid,omitempty"`
	// Appended is set once the server accepted the APPEND.
	Appended bool `json:"appended,omitempty"`
}

func ownHashKey(hash string) []byte { return []byte("h:" + hash) }

func ownUIDKey(mailbox string, validity, uid uint32) []byte {
	k := make([]byte, 0, 2+len(mailbox)+1+8)
	k = append(k, "u:"...)
	k = append(k, mailbox...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint32(k, validity)
	return binary.BigEndian.AppendUint32(k, uid)
}

func ownWindowKey(window string) []byte { return []byte("w:" + window) }

// RecordOwn records m under its hash and, once it has one, its UID; a
// digest is also recorded as its window's latest.
func (tx *Tx) RecordOwn(m OwnMessage) error {
	if m.Hash == "" || m.Mailbox == "" {
		return errors.New("store: own message without hash or mailbox")
	}
	if m.At.IsZero() {
		m.At = tx.s.opts.Clock.Now()
	}
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("store: encode own message: %w", err)
	}
	b := tx.bucket(bucketOwn)
	put := func(k []byte) error {
		if err := b.Put(k, v); err != nil {
			return fmt.Errorf("store: put own message: %w", err)
		}
		return nil
	}
	if err := put(ownHashKey(m.Hash)); err != nil {
		return err
	}
	if m.UID != 0 {
		if err := put(ownUIDKey(m.Mailbox, m.UIDValidity, m.UID)); err != nil {
			return err
		}
	}
	if m.Window != "" {
		return put(ownWindowKey(m.Window))
	}
	return nil
}

func (tx *Tx) ownAt(k []byte) (OwnMessage, bool, error) {
	b := tx.bucket(bucketOwn)
	if b == nil {
		return OwnMessage{}, false, nil
	}
	v := b.Get(k)
	if v == nil {
		return OwnMessage{}, false, nil
	}
	var m OwnMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return OwnMessage{}, false, fmt.Errorf("store: decode own message: %w", err)
	}
	return m, true, nil
}

// IsOwn reports whether the message at (mailbox, validity, uid) with header
// hash hash is one the daemon recorded as its own.
func (s *Store) IsOwn(hash, mailbox string, validity, uid uint32) (own bool, err error) {
	err = s.View(func(tx *Tx) error {
		if _, ok, err := tx.ownAt(ownHashKey(hash)); err != nil || ok {
			own = ok
			return err
		}
		m, ok, err := tx.ownAt(ownUIDKey(mailbox, validity, uid))
		own = ok && m.Appended
		return err
	})
	return own, err
}

// OwnDigest returns the last digest recorded for window.
func (s *Store) OwnDigest(window string) (m OwnMessage, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		m, ok, err = tx.ownAt(ownWindowKey(window))
		return err
	})
	return m, ok, err
}

// RecordOwn is the single-write form of Tx.RecordOwn.
func (s *Store) RecordOwn(m OwnMessage) error {
	return s.Update(func(tx *Tx) error { return tx.RecordOwn(m) })
}
