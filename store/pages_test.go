package store

import (
	"testing"
	"time"
)

// TestPagesAndConcerns: pages, the page budget and concerns survive a
// reopen (kill -9 then restart), and pruning removes only what is finished
// and old.
func TestPagesAndConcerns(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	err = s.Update(func(tx *Tx) error {
		for _, p := range []Page{
			{Key: "open#1", Token: "aa", FirstSent: t0, NextRepeat: t0.Add(time.Minute)},
			{Key: "acked#2", Token: "bb", FirstSent: t0.Add(-time.Hour), AckedAt: t0.Add(-50 * time.Minute), AckedBy: "read"},
		} {
			if err := tx.PutPage(p); err != nil {
				return err
			}
		}
		if err := tx.SetPageBudget(PageBudget{Sent: []BudgetEntry{{At: t0, Sender: "a"}}, Over: 3, OverSince: t0}); err != nil {
			return err
		}
		return tx.PutConcern(Concern{Key: "c#1", FromAddr: "x@y", Recorded: t0, NoticeAt: t0.Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		ps, err := tx.Pages()
		if err != nil {
			return err
		}
		if len(ps) != 2 || ps[0].Key != "acked#2" || !ps[1].Open() || ps[0].Open() {
			t.Errorf("pages after reopen: %+v", ps)
		}
		b, err := tx.PageBudget()
		if err != nil || b.Over != 3 || len(b.Sent) != 1 {
			t.Errorf("budget after reopen: %+v %v", b, err)
		}
		cs, err := tx.Concerns()
		if err != nil || len(cs) != 1 {
			t.Errorf("concerns after reopen: %+v %v", cs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.Update(func(tx *Tx) (err error) { n, err = tx.PruneSafetyNet(t0); return err }); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		ps, _ := tx.Pages()
		cs, _ := tx.Concerns()
		if n != 1 || len(ps) != 1 || ps[0].Key != "open#1" || len(cs) != 1 {
			t.Errorf("prune removed %d: pages %+v concerns %d", n, ps, len(cs))
		}
		return nil
	})
}
