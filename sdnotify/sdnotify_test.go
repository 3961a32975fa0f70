package sdnotify

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen opens a unixgram socket like systemd's and points NOTIFY_SOCKET at it.
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return conn
}

func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read notify socket: %v", err)
	}
	return string(buf[:n])
}

func TestMessagesReachSocket(t *testing.T) {
	conn := listen(t, filepath.Join(t.TempDir(), "notify"))
	steps := []struct {
		send func() error
		want string
	}{
		{Ready, "READY=1"},
		{func() error { return Status("watching INBOX\n3 held") }, "STATUS=watching INBOX 3 held"},
		{Watchdog, "WATCHDOG=1"},
		{Stopping, "STOPPING=1"},
		{func() error { return Notify("READY=1\nSTATUS=x") }, "READY=1\nSTATUS=x"},
	}
	for _, s := range steps {
		if err := s.send(); err != nil {
			t.Fatalf("send %q: %v", s.want, err)
		}
		if got := receive(t, conn); got != s.want {
			t.Errorf("received %q, want %q", got, s.want)
		}
	}
}

func TestAbstractSocket(t *testing.T) {
	conn := listen(t, fmt.Sprintf("@boundaryd-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); got != "READY=1" {
		t.Errorf("received %q", got)
	}
}

func TestUnsetIsNoOp(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	for _, f := range []func() error{Ready, Stopping, Watchdog, func() error { return Status("x") }} {
		if err := f(); err != nil {
			t.Errorf("with NOTIFY_SOCKET unset: %v", err)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "relative/path")
	if err := Ready(); err == nil {
		t.Error("relative NOTIFY_SOCKET accepted")
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "missing"))
	if err := Ready(); err == nil {
		t.Error("no error for a socket nobody listens on")
	}
}

func TestWatchdogInterval(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	cases := []struct {
		usec, pid string
		want      time.Duration
	}{
		{"", "", 0},
		{"junk", "", 0},
		{"0", "", 0},
		{"30000000", "", 30 * time.Second},
		{"30000000", self, 30 * time.Second},
		{"30000000", "1", 0},
	}
	for _, c := range cases {
		t.Setenv("WATCHDOG_USEC", c.usec)
		t.Setenv("WATCHDOG_PID", c.pid)
		if got := WatchdogInterval(); got != c.want {
			t.Errorf("USEC=%q PID=%q: %v, want %v", c.usec, c.pid, got, c.want)
		}
	}
}

func TestWatchdogLoop(t *testing.T) {
	conn := listen(t, filepath.Join(t.TempDir(), "notify"))
	t.Setenv("WATCHDOG_PID", "")
	t.Setenv("WATCHDOG_USEC", "20000") // 20 ms: pings every 10 ms

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- WatchdogLoop(ctx, nil) }()
	for range 3 {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("received %q", got)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchdogLoop did not return after cancel")
	}

	// Unhealthy: the loop runs but withholds every ping.
	ctx, cancel = context.WithCancel(context.Background())
	checked := make(chan struct{}, 16)
	go func() {
		done <- WatchdogLoop(ctx, func() bool {
			select {
			case checked <- struct{}{}:
			default:
			}
			return false
		})
	}()
	for range 3 {
		select {
		case <-checked:
		case <-time.After(5 * time.Second):
			t.Fatal("health not consulted")
		}
	}
	cancel()
	<-done
	if err := conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Read(make([]byte, 64)); err == nil {
		t.Errorf("pinged while unhealthy (%d bytes)", n)
	}

	t.Setenv("WATCHDOG_USEC", "")
	if err := WatchdogLoop(context.Background(), nil); err != nil {
		t.Errorf("watchdog off: %v", err)
	}
}
