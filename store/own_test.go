package store

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// The secret is created once, kept across reopens, in a 0600 file; own
// messages are known by hash before their APPEND is answered, by UID only
// once appended; a window's digest is found by its window.
func TestSecretAndOwnMessages(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC))
	s := openT(t, dir, Options{Clock: clk})
	k1, err := s.Secret()
	must(t, err)
	if len(k1) != SecretSize || bytes.Equal(k1, make([]byte, SecretSize)) {
		t.Fatalf("secret %x", k1)
	}
	fi, err := os.Stat(s.Path())
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v", fi.Mode().Perm())
	}
	m := OwnMessage{Kind: "digest", Window: "w1", Hash: "h1", Mailbox: "INBOX"}
	must(t, s.RecordOwn(m))
	if own, err := s.IsOwn("h1", "INBOX", 7, 42); err != nil || !own {
		t.Errorf("by hash before the append: %v, %v", own, err)
	}
	if own, _ := s.IsOwn("h2", "INBOX", 7, 42); own {
		t.Error("an unknown message taken as own")
	}
	if d, ok, err := s.OwnDigest("w1"); err != nil || !ok || d.Appended {
		t.Errorf("window's digest before the append: %+v %v %v", d, ok, err)
	}
	m.Appended, m.UIDValidity, m.UID = true, 7, 42
	must(t, s.RecordOwn(m))
	if own, _ := s.IsOwn("other-header", "INBOX", 7, 42); !own {
		t.Error("not known by its UID once appended")
	}
	if own, _ := s.IsOwn("other-header", "INBOX", 8, 42); own {
		t.Error("known by a UID of another UIDVALIDITY")
	}
	must(t, s.Close())
	s = openT(t, dir, Options{Clock: clk})
	defer s.Close()
	k2, err := s.Secret()
	must(t, err)
	if !bytes.Equal(k1, k2) {
		t.Error("the secret changed across a reopen")
	}
	if d, ok, _ := s.OwnDigest("w1"); !ok || !d.Appended || d.UID != 42 {
		t.Errorf("window's digest after reopen: %+v %v", d, ok)
	}
}

// MarkDelivered acknowledges a pending entry (it is not sent again) and
// remembers an unknown pair as delivered (a later Enqueue adds nothing).
func TestMarkDelivered(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC))
	s := openT(t, t.TempDir(), Options{Clock: clk})
	defer s.Close()
	must(t, s.Update(func(tx *Tx) error {
		if _, _, err := tx.Enqueue("pending", "smtp:0", []byte("{}")); err != nil {
			return err
		}
		if err := tx.MarkDelivered("pending", "pending", "smtp:0", clk.Now()); err != nil {
			return err
		}
		return tx.MarkDelivered("unknown", "unknown", "smtp:0", clk.Now())
	}))
	if p, _ := s.OutboxPending(""); len(p) != 0 {
		t.Errorf("pending after MarkDelivered: %+v", p)
	}
	must(t, s.Update(func(tx *Tx) error {
		for _, k := range []string{"pending", "unknown"} {
			if !tx.Queued(k, "smtp:0") {
				t.Errorf("%s not known to the outbox", k)
			}
			if _, added, err := tx.Enqueue(k, "smtp:0", []byte("{}")); err != nil || added {
				t.Errorf("%s queued again after MarkDelivered: %v %v", k, added, err)
			}
			if _, delivered, err := tx.Delivered(k, "smtp:0"); err != nil || !delivered {
				t.Errorf("%s not delivered: %v %v", k, delivered, err)
			}
		}
		return nil
	}))
}
