package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/store"
)

// mountSmallFS mounts a 2 MiB tmpfs and returns its path, unmounted at the
// end of the test. Without the right to mount (not root, a container
// without CAP_SYS_ADMIN) the test is skipped, or fails when
// BOUNDARY_REQUIRE_MOUNT=1.
func mountSmallFS(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot mount a small tmpfs for the full-disk test (needs root and CAP_SYS_ADMIN): %v: %s", err, strings.TrimSpace(string(out)))
		if os.Getenv("BOUNDARY_REQUIRE_MOUNT") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk fills the filesystem of dir to the brim, then makes the store
// use up what its file still had free inside: it writes records until
// three writes in a row are refused with ENOSPC. It returns the filler's
// path (remove it to free the space).
func fillDisk(t *testing.T, dir string, st *store.Store) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	topUp(t, path)
	// bbolt reuses the pages its file already has: a transaction fits there
	// or fails. Grow the handled records, then the outbox keys (the
	// smallest transaction the daemon makes records an alert sent from
	// memory there), until each is refused three times in a row: from then
	// on, every write the daemon makes is refused.
	writes := []func(i int) error{
		func(i int) error {
			return st.MarkHandled(store.Record{ID: fmt.Sprintf("filler-%d", i), Action: store.ActionPassed})
		},
		func(i int) error {
			return st.Update(func(tx *store.Tx) error {
				return tx.MarkDelivered(fmt.Sprintf("filler-%d", i), "", "filler", time.Now())
			})
		},
	}
	for _, write := range writes {
		refused := 0
		for i := 0; refused < 3; i++ {
			if i > 100000 {
				t.Fatal("the store kept accepting writes on a full disk")
			}
			err := write(i)
			switch {
			case err == nil:
				refused = 0
			case errors.Is(err, syscall.ENOSPC):
				refused++
			default:
				t.Fatalf("store write on a full disk: %v (want ENOSPC)", err)
			}
		}
	}
	return path
}

// topUp appends to the file at path until the disk is full.
func topUp(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{'x'}, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

// TestFullStateDiskStillAlerts (issue 14): with the state on a full
// filesystem, an arriving emergency is flagged and alerted on every channel
// from memory, /healthz says why it is unhealthy, the daemon keeps running
// and holds nothing (the benign message stays in the inbox). Once space is
// freed, the pass resumes: the benign message is held, the emergency is not
// alerted a second time.
func TestFullStateDiskStillAlerts(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			dir := mountSmallFS(t)
			m := health.NewMetrics(nil)
			e := &env{t: t, srv: srv, handled: make(chan Handled, 1000), windows: make(chan WindowResult, 10), metrics: m}
			e.smtp, e.hook = startSinks(t)
			e.cfg = testConfig(t, srv, e.smtp, e.hook, envOpts{stateDir: filepath.Join(dir, "state")})
			e.start()
			e.waitReady()
			hs := httptest.NewServer((&health.Server{Metrics: m, Checker: &health.Checker{Session: m.Session, Alerts: e.d.Dispatcher(), Grace: time.Minute}}).Handler())
			defer hs.Close()
			healthz := func() (int, string) {
				resp, err := http.Get(hs.URL + "/healthz")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if code, body := healthz(); code != 200 {
				t.Fatalf("healthz before the disk is full: %d %s", code, body)
			}

			filler := fillDisk(t, dir, e.st)
			urgent := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
			benign := newMail("Ana Martin <ana@patients.example>", "week news", benignBody)
			start := time.Now()
			srv.deliver("INBOX", urgent)
			srv.deliver("INBOX", benign)

			var smtpAlerts, hookAlerts int
			deadline := time.After(waitLimit)
			for smtpAlerts == 0 || hookAlerts == 0 {
				select {
				case <-e.smtp.C:
					smtpAlerts++
				case <-e.hook.C:
					hookAlerts++
				case err := <-e.done:
					e.done <- err
					t.Fatalf("the daemon stopped on a full state disk: %v\n%s", err, e.logs.String())
				case <-deadline:
					t.Fatalf("emergency not alerted on both channels within %s with the state disk full (smtp %d, webhook %d)\n%s", waitLimit, smtpAlerts, hookAlerts, e.logs.String())
				}
			}
			alerted := time.Since(start)
			flagged := false
			for time.Now().Before(start.Add(waitLimit)) && !flagged {
				if msg, ok := find(srv.Messages("INBOX"), urgent); ok && msg.HasFlag(`\Flagged`) {
					flagged = true
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if !flagged {
				t.Errorf("the emergency is not flagged in the inbox")
			}
			code, body := healthz()
			if code != 503 || !strings.Contains(body, "state") {
				t.Errorf("healthz on a full state disk: %d %s", code, body)
			}
			select {
			case err := <-e.done:
				e.done <- err
				t.Fatalf("the daemon stopped on a full state disk: %v", err)
			default:
			}
			// Several passes are refused while the disk stays full: none
			// holds anything.
			for end := time.Now().Add(waitLimit); strings.Count(e.logs.String(), "inbox pass not recorded") < 4; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(end) {
					t.Fatalf("the pass was not tried again while the disk was full\n%s", e.logs.String())
				}
			}
			_, benignInInbox := find(srv.Messages("INBOX"), benign)
			heldWhileFull := len(srv.Messages("Held"))
			if !benignInInbox || heldWhileFull != 0 {
				t.Errorf("benign message while the disk is full: in inbox %v, hold folder has %d (want it left in the inbox, nothing held)", benignInInbox, heldWhileFull)
			}
			t.Logf("%s: disk full: alerted in %s (smtp %d, webhook %d), flagged %v, healthz %d %s, benign in inbox %v, held %d", name,
				alerted.Round(time.Millisecond), smtpAlerts, hookAlerts, flagged, code, strings.TrimSpace(body), benignInInbox, heldWhileFull)

			// Space freed: the pass resumes and records everything.
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			h := e.waitMessage(benign)
			if h.Action != store.ActionHeld {
				t.Errorf("benign message after space was freed: %+v", h)
			}
			var healthyAgain bool
			for end := time.Now().Add(waitLimit); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				if code, _ := healthz(); code == 200 {
					healthyAgain = true
					break
				}
			}
			if !healthyAgain {
				code, body := healthz()
				t.Errorf("healthz after space was freed: %d %s", code, body)
			}
			// The emergency's record is written; its alert is not sent again.
			var rec store.Record
			for end := time.Now().Add(waitLimit); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				var ok bool
				if rec, ok = escalatedRecord(t, e.st, urgent); ok {
					break
				}
			}
			if rec.Action != store.ActionEscalated || rec.InFlight {
				t.Errorf("emergency record after space was freed: %+v", rec)
			}
			quiet := time.After(2 * time.Second)
		drain:
			for {
				select {
				case <-e.smtp.C:
					smtpAlerts++
				case <-e.hook.C:
					hookAlerts++
				case <-quiet:
					break drain
				}
			}
			pending, _ := e.st.OutboxPending("")
			_, stillInInbox := find(srv.Messages("INBOX"), urgent)
			t.Logf("%s: space freed: benign %s, emergency in inbox %v, alerts in all smtp %d webhook %d, outbox pending %d, healthy again %v", name,
				h.Action, stillInInbox, smtpAlerts, hookAlerts, len(pending), healthyAgain)
			logs := e.logs.String()
			t.Logf("%s: log: %d deliveries from memory, %d recorded afterwards, %d refused passes", name,
				strings.Count(logs, "alert delivered from memory"), strings.Count(logs, "alerts delivered from memory are now recorded"),
				strings.Count(logs, "inbox pass not recorded"))
			if smtpAlerts != 1 || hookAlerts != 1 {
				t.Errorf("alerts for the one emergency: smtp %d, webhook %d (want 1 each)", smtpAlerts, hookAlerts)
			}
			if len(pending) != 0 {
				t.Errorf("outbox still has %d entries", len(pending))
			}
			if !stillInInbox {
				t.Errorf("the emergency left the inbox")
			}
		})
	}
}

// escalatedRecord returns the handled record of the message raw.
func escalatedRecord(t *testing.T, st *store.Store, raw []byte) (store.Record, bool) {
	t.Helper()
	prefix := messageIDOf(raw) + "#"
	var out store.Record
	found := false
	err := st.View(func(tx *store.Tx) error {
		return tx.ForEachHandled(func(r store.Record) error {
			if strings.HasPrefix(r.ID, prefix) {
				out, found = r, true
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, found && !out.InFlight
}

// TestRestartOnFullStateDisk (issue 14): restarted while the state's disk
// is full (systemd restarting it, a reboot), the daemon opens its state,
// starts, and alerts an arriving emergency from memory instead of exiting
// at start in a loop.
func TestRestartOnFullStateDisk(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	dir := mountSmallFS(t)
	e := &env{t: t, srv: srv, handled: make(chan Handled, 1000), windows: make(chan WindowResult, 10)}
	e.smtp, e.hook = startSinks(t)
	e.cfg = testConfig(t, srv, e.smtp, e.hook, envOpts{stateDir: filepath.Join(dir, "state")})
	e.start()
	e.waitReady()
	e.stop()

	st, err := store.Open(e.cfg.StateDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	topUp(t, filler) // what closing freed (the pid file)
	e.start()
	urgent := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
	start := time.Now()
	srv.deliver("INBOX", urgent)
	var smtpAlerts, hookAlerts int
	deadline := time.After(waitLimit)
	for smtpAlerts == 0 || hookAlerts == 0 {
		select {
		case <-e.smtp.C:
			smtpAlerts++
		case <-e.hook.C:
			hookAlerts++
		case err := <-e.done:
			e.done <- err
			t.Fatalf("the daemon stopped on a full state disk: %v\n%s", err, e.logs.String())
		case <-deadline:
			t.Fatalf("emergency not alerted within %s after a restart on a full state disk (smtp %d, webhook %d)\n%s", waitLimit, smtpAlerts, hookAlerts, e.logs.String())
		}
	}
	t.Logf("restarted on a full disk: alerted in %s (smtp %d, webhook %d)", time.Since(start).Round(time.Millisecond), smtpAlerts, hookAlerts)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if h := e.waitMessage(urgent); h.Action != store.ActionEscalated {
		t.Errorf("emergency after space was freed: %+v", h)
	}
}
