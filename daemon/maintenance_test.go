package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/store"
)

// Retentions of the store, as defaults (store.Options).
const (
	auditRetention     = 400 * 24 * time.Hour
	deliveredRetention = 90 * 24 * time.Hour
)

// TestDailyPrune: a running daemon prunes its state once a day on its
// clock: audit entries and delivered alert keys that cross the store's
// retention during the day are gone after it, recent ones stay, and the
// next day prunes again.
func TestDailyPrune(t *testing.T) {
	now := time.Date(2031, 3, 4, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{})}
	cfg := testConfig(t, srv, smtpsink.Start(t), startWebhook(t), envOpts{})

	// Written before the daemon starts, so that only its own daily prune
	// (not store.Open's) can remove them. "old" entries cross the retention
	// in 12 hours, "day2" ones in 36, "recent" ones are an hour old.
	seed, err := store.Open(cfg.StateDir, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	seeds := []struct {
		name             string
		audit, delivered time.Time
	}{
		{"old", now.Add(-auditRetention + 12*time.Hour), now.Add(-deliveredRetention + 12*time.Hour)},
		{"day2", now.Add(-auditRetention + 36*time.Hour), now.Add(-deliveredRetention + 36*time.Hour)},
		{"recent", now.Add(-time.Hour), now.Add(-time.Hour)},
	}
	for _, e := range seeds {
		if _, err := seed.AppendAudit(store.AuditEntry{Time: e.audit, Key: "audit-" + e.name,
			Sender: "ana@patients.example", Verdict: "hold"}); err != nil {
			t.Fatal(err)
		}
		deliver(t, seed, "alert-"+e.name, e.delivered)
	}
	if err := seed.Close(); err != nil {
		t.Fatal(err)
	}

	pruned := make(chan store.Pruned, 10)
	ready := make(chan struct{})
	st, logs := runDaemon(t, cfg, Options{
		Clock:   clk,
		OnReady: func() { close(ready) },
		OnPrune: func(p store.Pruned, err error) {
			if err != nil {
				t.Errorf("prune: %v", err)
			}
			pruned <- p
		},
	})
	// The day is counted from the start of Run, which precedes readiness.
	select {
	case <-ready:
	case <-time.After(waitLimit):
		t.Fatal("the daemon never became ready")
	}
	// Open pruned nothing: all were still within their retention.
	want := map[string]bool{"old": true, "day2": true, "recent": true}
	checkState(t, st, want)

	day := func(want store.Pruned) {
		t.Helper()
		clk.Advance(24 * time.Hour)
		select {
		case p := <-pruned:
			if p != want {
				t.Errorf("pruned %+v, want %+v", p, want)
			}
		case <-time.After(waitLimit):
			t.Fatalf("no prune within %v of a day passing", waitLimit)
		}
	}
	day(store.Pruned{Audit: 1, Delivered: 1})
	want["old"] = false
	checkState(t, st, want)
	if !strings.Contains(logs.String(), `msg="pruned the state" audit_entries=1 delivered_alert_keys=1`) {
		t.Errorf("the prune is not logged with its counts:\n%s", logs.String())
	}

	day(store.Pruned{Audit: 1, Delivered: 1})
	want["day2"] = false
	checkState(t, st, want)
}

// deliver records the alert key as enqueued and delivered at at.
func deliver(t *testing.T, st *store.Store, key string, at time.Time) {
	t.Helper()
	err := st.Update(func(tx *store.Tx) error {
		e, added, err := tx.Enqueue(key, "test:0", []byte("p"))
		if err != nil || !added {
			return fmt.Errorf("enqueue %s: added=%v: %v", key, added, err)
		}
		return tx.Ack(e.ID, at)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkState says which of the seeded audit entries and delivered keys are
// still in the state.
func checkState(t *testing.T, st *store.Store, want map[string]bool) {
	t.Helper()
	entries, err := st.Audit(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	audit := map[string]bool{}
	for _, e := range entries {
		audit[strings.TrimPrefix(e.Key, "audit-")] = true
	}
	for name, kept := range want {
		if audit[name] != kept {
			t.Errorf("audit entry %q kept=%v, want %v", name, audit[name], kept)
		}
		var delivered bool
		if err := st.View(func(tx *store.Tx) error {
			_, delivered, err = tx.Delivered("alert-"+name, "test:0")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if delivered != kept {
			t.Errorf("delivered key %q kept=%v, want %v", name, delivered, kept)
		}
	}
}
