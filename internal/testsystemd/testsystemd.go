// Package testsystemd is systemd's end of sd_notify for tests: a unix
// datagram socket named by $NOTIFY_SOCKET, as systemd sets up for a
// Type=notify service, recording every state the process sends.
package testsystemd

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

// Notice is one datagram received: one or more VAR=VALUE lines.
type Notice struct {
	State string
	At    time.Time // when it was received (real clock)
}

// Has reports whether the notice carries the assignment line (e.g. "READY=1").
func (n Notice) Has(line string) bool {
	for _, l := range strings.Split(n.State, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// Socket is the listening notify socket.
type Socket struct {
	// C receives every notice in arrival order.
	C    <-chan Notice
	Path string
}

// Listen opens the socket in a temporary directory and points
// $NOTIFY_SOCKET at it for the rest of the test (so the test cannot be
// parallel). It is closed at the end of the test.
func Listen(t testing.TB) *Socket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("notify socket: %v", err)
	}
	c := make(chan Notice, 10000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				t.Errorf("notify socket: %v", err)
				return
			}
			c <- Notice{State: string(buf[:n]), At: clock.System().Now()}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	t.Setenv("NOTIFY_SOCKET", path)
	return &Socket{C: c, Path: path}
}

// WaitFor returns the first notice carrying line, skipping others, or fails
// the test after within.
func (s *Socket) WaitFor(t testing.TB, line string, within time.Duration) Notice {
	t.Helper()
	deadline := clock.System().After(within)
	for {
		select {
		case n := <-s.C:
			if n.Has(line) {
				return n
			}
		case <-deadline:
			t.Fatalf("systemd never received %q within %s", line, within)
			return Notice{}
		}
	}
}
