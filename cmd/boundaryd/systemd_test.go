package main

import (
	"context"
	"strings"
	"testing"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/internal/testsystemd"
)

// TestRunTalksToSystemd: "run" under systemd (Type=notify, WatchdogSec=1s,
// as the unit's environment gives it): a refused first login says nothing
// to systemd; a good one says READY=1 with a STATUS line, then pings the
// watchdog; a stop says STOPPING=1.
func TestRunTalksToSystemd(t *testing.T) {
	sock := testsystemd.Listen(t)
	t.Setenv("WATCHDOG_USEC", "1000000")
	t.Setenv("WATCHDOG_PID", "")
	m := testimap.StartMem(t, testimap.MemOptions{})
	cfg := writeConfig(t, m, "")

	t.Setenv("BD_CMD_TEST_PW", "wrong")
	if code, _, errOut := cli(t, "", "run", "--config", cfg); code != 1 {
		t.Fatalf("bad password: exit %d, stderr %s", code, errOut)
	}
	for len(sock.C) > 0 {
		if n := <-sock.C; n.Has(sd.SdNotifyReady) {
			t.Fatalf("READY=1 sent although the login was refused: %q", n.State)
		}
	}

	t.Setenv("BD_CMD_TEST_PW", m.Password())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncWriter
	done := make(chan int, 1)
	go func() { done <- runCLI(ctx, []string{"run", "--config", cfg}, strings.NewReader(""), &out, &errb) }()
	ready := sock.WaitFor(t, sd.SdNotifyReady, 20*time.Second)
	if !ready.Has("STATUS=watching INBOX") {
		t.Errorf("READY without the status line: %q", ready.State)
	}
	if !strings.Contains(errb.String(), "imap session ready") {
		t.Errorf("READY=1 before the IMAP session was ready:\n%s", errb.String())
	}
	for range 2 {
		sock.WaitFor(t, sd.SdNotifyWatchdog, 10*time.Second)
	}
	cancel()
	stopping := sock.WaitFor(t, sd.SdNotifyStopping, 5*time.Second)
	if !strings.Contains(stopping.State, "STATUS=stopping") {
		t.Errorf("STOPPING without a status line: %q", stopping.State)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after a stop request\n%s", code, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop within 5 s")
	}
}
