package store

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

func openT(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Round(time.Second).UTC()
	err = s.Update(func(tx *Tx) error {
		if err := tx.MarkHandled(Record{ID: "<a@b>/h1", Mailbox: "INBOX", UIDValidity: 7, UID: 42, Action: ActionHeld, At: at}); err != nil {
			return err
		}
		if _, err := tx.AppendAudit(AuditEntry{Time: at, Key: "<a@b>/h1", Sender: "ana@example.org", Verdict: "hold"}); err != nil {
			return err
		}
		if err := tx.SetLastReply("Ana@Example.ORG", at); err != nil {
			return err
		}
		if err := tx.SetWindowState(WindowRecord{LastDelivered: at, LastID: "w1", PendingID: "w2", DigestAppended: true}); err != nil {
			return err
		}
		if _, _, err := tx.Enqueue("<a@b>/h1", "smtp:0", []byte("payload")); err != nil {
			return err
		}
		return tx.SetHighWater("INBOX", 7, 42)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openT(t, dir, Options{})
	if v, u, ok, err := s.HighWater("INBOX"); err != nil || !ok || v != 7 || u != 42 {
		t.Errorf("HighWater = %d %d %v %v, want 7 42 true", v, u, ok, err)
	}
	if r, ok, err := s.Handled("<a@b>/h1"); err != nil || !ok || r.UID != 42 || r.Action != ActionHeld || !r.At.Equal(at) {
		t.Errorf("Handled = %+v %v %v", r, ok, err)
	}
	if _, ok, _ := s.Handled("<other>"); ok {
		t.Error("unknown identity reported handled")
	}
	if got, ok, err := s.LastReply("ana@example.org"); err != nil || !ok || !got.Equal(at) {
		t.Errorf("LastReply = %v %v %v (case must be normalised)", got, ok, err)
	}
	if w, err := s.WindowState(); err != nil || w.LastID != "w1" || w.PendingID != "w2" || !w.DigestAppended || w.Released {
		t.Errorf("WindowState = %+v %v", w, err)
	}
	if es, err := s.Audit(time.Time{}); err != nil || len(es) != 1 || es[0].Sender != "ana@example.org" {
		t.Errorf("Audit = %+v %v", es, err)
	}
	if es, err := s.OutboxPending(""); err != nil || len(es) != 1 || string(es[0].Payload) != "payload" {
		t.Errorf("OutboxPending = %+v %v", es, err)
	}
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	openT(t, dir, Options{})
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", path, got, want)
		}
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir, Options{})
	start := time.Now()
	s2, err := Open(dir, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		s2.Close()
		t.Fatal("second Open succeeded while the first holds the lock")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("error %v does not wrap ErrLocked", err)
	}
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestHighWaterNeverLowersWithinValidity(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	must(t, s.SetHighWater("INBOX", 1, 10))
	must(t, s.SetHighWater("INBOX", 1, 5))
	if _, u, _, _ := s.HighWater("INBOX"); u != 10 {
		t.Errorf("uid %d after lower write, want 10", u)
	}
	must(t, s.SetHighWater("INBOX", 2, 3))
	if v, u, _, _ := s.HighWater("INBOX"); v != 2 || u != 3 {
		t.Errorf("after UIDVALIDITY change got %d/%d, want 2/3", v, u)
	}
	if _, _, ok, _ := s.HighWater("Other"); ok {
		t.Error("unknown mailbox has a mark")
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		if err := tx.MarkHandled(Record{ID: "x", Action: ActionHeld}); err != nil {
			return err
		}
		if err := tx.SetHighWater("INBOX", 1, 99); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v", err)
	}
	if _, ok, _ := s.Handled("x"); ok {
		t.Error("record survived a rolled-back transaction")
	}
	if _, _, ok, _ := s.HighWater("INBOX"); ok {
		t.Error("high-water mark survived a rolled-back transaction")
	}
}

func TestReleasedAndMovedBack(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	must(t, s.MarkHandled(Record{ID: "a", Action: ActionHeld}))
	r, _, _ := s.Handled("a")
	if r.NeverHold() {
		t.Fatal("fresh held record says never hold")
	}
	r.Released = true
	must(t, s.MarkHandled(r))
	if r, _, _ := s.Handled("a"); !r.NeverHold() {
		t.Error("released record may be held again")
	}
	must(t, s.MarkHandled(Record{ID: "b", Action: ActionHeld, MovedBack: true}))
	if r, _, _ := s.Handled("b"); !r.NeverHold() {
		t.Error("moved-back record may be held again")
	}
}

func TestAuditOrderDeliveriesAndPrune(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	s, err := Open(dir, Options{Clock: clk, AuditRetention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// Appended out of time order on purpose: Audit must sort by time.
	times := []time.Duration{-2 * time.Hour, -50 * 24 * time.Hour, -1 * time.Hour, -3 * time.Hour}
	for i, d := range times {
		_, err := s.AppendAudit(AuditEntry{Time: now.Add(d), Key: fmt.Sprint("k", i), Sender: "s@x", Verdict: "hold"})
		must(t, err)
	}
	must(t, s.Update(func(tx *Tx) error {
		if err := tx.RecordAlertDelivery("k2", "smtp:0", now, 3); err != nil {
			return err
		}
		return tx.RecordWindowDelivery("k2", "w-2025-06-03", "released", now)
	}))
	es, err := s.Audit(now.Add(-24 * time.Hour))
	must(t, err)
	var keys []string
	for _, e := range es {
		keys = append(keys, e.Key)
	}
	if got := strings.Join(keys, ","); got != "k3,k0,k2" {
		t.Errorf("audit order %s, want k3,k0,k2", got)
	}
	last := es[len(es)-1]
	if len(last.Alerts) != 1 || last.Alerts[0].Channel != "smtp:0" || last.Alerts[0].Attempts != 3 || len(last.Windows) != 1 {
		t.Errorf("deliveries not recorded: %+v", last)
	}
	all, _ := s.Audit(time.Time{})
	if len(all) != 4 {
		t.Fatalf("before prune %d entries, want 4", len(all))
	}
	must(t, s.Close())
	s = openT(t, dir, Options{Clock: clk, AuditRetention: 30 * 24 * time.Hour})
	all, _ = s.Audit(time.Time{})
	if len(all) != 3 {
		t.Errorf("after prune %d entries, want 3", len(all))
	}
}

func TestOutboxDedupeAckAndRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	opts := Options{Clock: clk, DeliveredRetention: 24 * time.Hour}
	s, err := Open(dir, opts)
	must(t, err)
	var id uint64
	must(t, s.Update(func(tx *Tx) error {
		e, added, err := tx.Enqueue("k", "smtp:0", []byte("p"))
		if err != nil || !added {
			return fmt.Errorf("first enqueue added=%v err=%v", added, err)
		}
		id = e.ID
		if _, added, _ := tx.Enqueue("k", "smtp:0", []byte("p")); added {
			return errors.New("pending pair enqueued twice")
		}
		if _, added, _ := tx.Enqueue("k", "webhook:1", []byte("p")); !added {
			return errors.New("second channel not enqueued")
		}
		e, err = tx.Reschedule(id, now, now.Add(time.Minute), "451 try later")
		if err != nil || e.Attempts != 1 || !e.FirstFailure.Equal(now) {
			return fmt.Errorf("reschedule: %+v %v", e, err)
		}
		return tx.Ack(id, now)
	}))
	if n, _ := s.OutboxDepth(); n != 1 {
		t.Errorf("depth %d, want 1", n)
	}
	must(t, s.Close())
	s, err = Open(dir, opts)
	must(t, err)
	must(t, s.Update(func(tx *Tx) error {
		if _, ok, _ := tx.Delivered("k", "smtp:0"); !ok {
			return errors.New("delivered pair forgotten across restart")
		}
		if _, added, _ := tx.Enqueue("k", "smtp:0", []byte("p")); added {
			return errors.New("delivered pair enqueued again")
		}
		if err := tx.Ack(id, now); !errors.Is(err, ErrNoEntry) {
			return fmt.Errorf("double ack: %v", err)
		}
		return nil
	}))
	must(t, s.Close())
	now = now.Add(48 * time.Hour)
	clk.Set(now)
	s = openT(t, dir, opts)
	must(t, s.Update(func(tx *Tx) error {
		if _, added, _ := tx.Enqueue("k", "smtp:0", []byte("p")); !added {
			return errors.New("delivered key kept past its retention")
		}
		return nil
	}))
}

func TestConcurrentReaders(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				err := s.View(func(tx *Tx) error {
					// The mark and the record are written together: a reader
					// must never see the mark ahead of the record.
					_, uid, ok := tx.HighWater("INBOX")
					if !ok {
						return nil
					}
					if _, found, err := tx.Handled(strconv.Itoa(int(uid))); err != nil || !found {
						return fmt.Errorf("mark %d visible without its record (%v)", uid, err)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		must(t, s.Update(func(tx *Tx) error {
			if err := tx.MarkHandled(Record{ID: strconv.Itoa(i), UID: uint32(i), Action: ActionPassed}); err != nil {
				return err
			}
			return tx.SetHighWater("INBOX", 1, uint32(i))
		}))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestKillNineKeepsConsistency runs a writer in a child process, kills it
// with SIGKILL mid-stream and checks that every committed batch is whole.
func TestKillNineKeepsConsistency(t *testing.T) {
	if dir := os.Getenv("BOUNDARY_STORE_CHILD"); dir != "" {
		childWriter(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineKeepsConsistency$")
	cmd.Env = append(os.Environ(), "BOUNDARY_STORE_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	sc := bufio.NewScanner(out)
	seen := 0
	for sc.Scan() && seen < 30 {
		seen++
	}
	if seen < 30 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child wrote only %d batches", seen)
	}
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()

	s := openT(t, dir, Options{LockTimeout: 2 * time.Second})
	_, mark, ok, err := s.HighWater("INBOX")
	if err != nil || !ok || mark < 30 {
		t.Fatalf("high-water after kill = %d %v %v, want >= 30", mark, ok, err)
	}
	must(t, s.View(func(tx *Tx) error {
		for i := 1; i <= int(mark)+5; i++ {
			_, found, err := tx.Handled(strconv.Itoa(i))
			if err != nil {
				return err
			}
			if found != (i <= int(mark)) {
				return fmt.Errorf("uid %d handled=%v with mark %d", i, found, mark)
			}
		}
		return nil
	}))
	t.Logf("child killed after batch %d; state consistent", mark)
}

func childWriter(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 1; ; i++ {
		err := s.Update(func(tx *Tx) error {
			if err := tx.MarkHandled(Record{ID: strconv.Itoa(i), UID: uint32(i), Action: ActionHeld}); err != nil {
				return err
			}
			return tx.SetHighWater("INBOX", 1, uint32(i))
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(i)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	must(t, err)
	_, err = s.AppendAudit(AuditEntry{Sender: "a@b.c", Verdict: "pass"})
	must(t, err)
	must(t, s.Close())
	ro := openT(t, dir, Options{ReadOnly: true})
	if es, err := ro.Audit(time.Time{}); err != nil || len(es) != 1 {
		t.Errorf("read-only Audit = %v, %v", es, err)
	}
	if err := ro.SetLastReply("a@b.c", time.Now()); err == nil {
		t.Error("write through a read-only store succeeded")
	}
}
