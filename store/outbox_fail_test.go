package store

import (
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// An entry refused for good is dropped, noted on the message's audit entry
// (not as a delivery) and never queued again, also after a reopen; a
// repeat's delivery is noted on the message's own audit entry.
func TestOutboxFailAndAuditKey(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	s := openT(t, dir, Options{Clock: clk})
	_, err := s.AppendAudit(AuditEntry{Key: "m", Verdict: "escalate"})
	must(t, err)
	var first, repeat OutboxEntry
	must(t, s.Update(func(tx *Tx) error {
		var err error
		if first, _, err = tx.Enqueue("m", "webhook:1", []byte("{}")); err != nil {
			return err
		}
		repeat, _, err = tx.EnqueueFor("m#r1", "m", "smtp:0", []byte("{}"))
		return err
	}))
	must(t, s.Update(func(tx *Tx) error { return tx.Fail(first.ID, now, "webhook webhook:1: HTTP 401 Unauthorized") }))
	must(t, s.Update(func(tx *Tx) error { return tx.Ack(repeat.ID, now) }))
	must(t, s.Close())

	s = openT(t, dir, Options{Clock: clk})
	if r, err := s.ChannelRefusals(); err != nil || len(r) != 1 || r[0].Channel != "webhook:1" || !r[0].At.Equal(now) {
		t.Errorf("refusals after reopen: %+v, %v", r, err)
	}
	// The channel accepting an alert clears its refusal.
	must(t, s.Update(func(tx *Tx) error {
		e, _, err := tx.Enqueue("m2", "webhook:1", []byte("{}"))
		if err != nil {
			return err
		}
		return tx.Ack(e.ID, now)
	}))
	if r, err := s.ChannelRefusals(); err != nil || len(r) != 0 {
		t.Errorf("refusals after a delivery: %+v, %v", r, err)
	}
	must(t, s.Close())

	s = openT(t, dir, Options{Clock: clk})
	defer s.Close()
	if pending, _ := s.OutboxPending(""); len(pending) != 0 {
		t.Errorf("pending after fail and ack: %+v", pending)
	}
	must(t, s.Update(func(tx *Tx) error {
		if _, added, err := tx.Enqueue("m", "webhook:1", []byte("{}")); err != nil || added {
			t.Errorf("refused pair queued again: added %v, %v", added, err)
		}
		if _, delivered, err := tx.Delivered("m", "webhook:1"); err != nil || delivered {
			t.Errorf("refused pair reported delivered: %v, %v", delivered, err)
		}
		return nil
	}))
	audit, err := s.Audit(time.Time{})
	must(t, err)
	if len(audit) != 1 {
		t.Fatalf("audit %+v", audit)
	}
	e := audit[0]
	if len(e.AlertsFailed) != 1 || e.AlertsFailed[0].Channel != "webhook:1" || e.AlertsFailed[0].Error != "webhook webhook:1: HTTP 401 Unauthorized" || e.AlertsFailed[0].Attempts != 1 {
		t.Errorf("failure not recorded: %+v", e.AlertsFailed)
	}
	if len(e.Alerts) != 1 || e.Alerts[0].Channel != "smtp:0" {
		t.Errorf("repeat's delivery not on the message's entry: %+v", e.Alerts)
	}
}
