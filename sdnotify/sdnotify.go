// Package sdnotify tells systemd about the daemon's state (the sd_notify
// protocol: datagrams to $NOTIFY_SOCKET) without depending on libsystemd or
// a Go binding. Every function does nothing and returns nil when the daemon
// is not started by systemd with Type=notify, so callers need no checks.
package sdnotify

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// sendTimeout bounds a write to the notify socket; systemd reads it at once,
// and a wedged socket must never stall the daemon.
const sendTimeout = time.Second

// Ready reports that start-up is complete (READY=1). boundaryd sends it after
// the first successful IMAP login, so "systemctl start" returns only once
// mail is actually being watched.
func Ready() error { return Notify("READY=1") }

// Stopping reports that the daemon is shutting down (STOPPING=1).
func Stopping() error { return Notify("STOPPING=1") }

// Status sets the free-form status line shown by "systemctl status". It must
// not carry patient data: the journal and systemctl are readable by admins.
func Status(s string) error {
	return Notify("STATUS=" + strings.ReplaceAll(s, "\n", " "))
}

// Watchdog keeps the systemd watchdog from firing (WATCHDOG=1).
func Watchdog() error { return Notify("WATCHDOG=1") }

// Notify sends state, one or more newline-separated VAR=VALUE assignments,
// to $NOTIFY_SOCKET. Names starting with '@' are abstract sockets.
func Notify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] != '/' && path[0] != '@' {
		return fmt.Errorf("sdnotify: NOTIFY_SOCKET %q is neither a path nor an abstract name", path)
	}
	// Go maps a leading '@' to the abstract namespace (leading NUL) itself.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sdnotify: connect %s: %w", path, err)
	}
	defer conn.Close()
	if err := conn.SetWriteDeadline(time.Now().Add(sendTimeout)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: send to %s: %w", path, err)
	}
	return nil
}

// WatchdogInterval returns the watchdog timeout systemd expects pings
// within ($WATCHDOG_USEC), or 0 when the watchdog is off for this process
// (unset, unparsable, or $WATCHDOG_PID naming another process). Ping at
// half the interval or more often.
func WatchdogInterval() time.Duration {
	usec, err := strconv.ParseUint(os.Getenv("WATCHDOG_USEC"), 10, 63)
	if err != nil || usec == 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond
}

// WatchdogLoop pings the watchdog every half interval while healthy returns
// true, until ctx ends. When healthy returns false it withholds the ping, so
// that a wedged daemon gets restarted by systemd. It returns at once when
// the watchdog is off. healthy may be nil (always healthy).
func WatchdogLoop(ctx context.Context, healthy func() bool) error {
	iv := WatchdogInterval()
	if iv <= 0 {
		return nil
	}
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	for {
		if healthy == nil || healthy() {
			if err := Watchdog(); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
