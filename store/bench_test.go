package store

import (
	"fmt"
	"testing"
)

// BenchmarkRecordSingle commits one handled record per transaction (one
// fsync each); BenchmarkRecordBatch100 commits 100 records and the mark in
// one. Compare ns/record to size the daemon's batching.
func BenchmarkRecordSingle(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; b.Loop(); i++ {
		err := s.Update(func(tx *Tx) error {
			if err := tx.MarkHandled(Record{ID: fmt.Sprint("<", i, "@x>/h"), UID: uint32(i), Action: ActionHeld}); err != nil {
				return err
			}
			return tx.SetHighWater("INBOX", 1, uint32(i))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
}

func BenchmarkRecordBatch100(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	n := 0
	for b.Loop() {
		err := s.Update(func(tx *Tx) error {
			for j := 0; j < 100; j++ {
				n++
				if err := tx.MarkHandled(Record{ID: fmt.Sprint("<", n, "@x>/h"), UID: uint32(n), Action: ActionHeld}); err != nil {
					return err
				}
				if _, err := tx.AppendAudit(AuditEntry{Key: fmt.Sprint("<", n, "@x>/h"), Sender: "a@b.c", Verdict: "hold"}); err != nil {
					return err
				}
			}
			return tx.SetHighWater("INBOX", 1, uint32(n))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
}
