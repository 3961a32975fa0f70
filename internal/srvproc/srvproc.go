// Package srvproc holds what the throwaway test-server launchers (dovecotd,
// cyrusd, courierd) share: a free port on 127.0.0.1, waiting for the IMAP
// greeting, killing a process tree as in a crash, file ownership and the end
// of a log file.
package srvproc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/boundaryd/boundaryd/internal/procfs"
)

// WaitGreeting dials addr until the server sends an "* OK" greeting or ctx
// ends.
func WaitGreeting(ctx context.Context, addr string) error {
	var lastErr error
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			line, rerr := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if rerr == nil && strings.HasPrefix(line, "* OK") {
				return nil
			}
			err = fmt.Errorf("unexpected greeting %q (%v)", line, rerr)
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// KillTree sends SIGKILL to pid and every process below it, so open
// connections die as in a crash, and waits (bounded) for them to be gone.
func KillTree(pid int) error {
	pids := append([]int{pid}, Descendants(pid)...)
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range pids {
		for Alive(p) {
			if time.Now().After(deadline) {
				return fmt.Errorf("process %d survived SIGKILL", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// ReadPidFile reads a pid file; ok is false when it does not exist.
func ReadPidFile(path string) (pid int, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return 0, false, nil
		}
		return 0, false, err
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", path, err)
	}
	return pid, true, nil
}

// Descendants lists every process below pid, from /proc.
func Descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, ok := procfs.StatFields(p); ok && len(f) > 1 {
			if pp, err := strconv.Atoi(f[1]); err == nil {
				parent[p] = pp
			}
		}
	}
	var out []int
	frontier := []int{pid}
	for len(frontier) > 0 {
		cur := frontier[0]
		frontier = frontier[1:]
		for p, pp := range parent {
			if pp == cur {
				out = append(out, p)
				frontier = append(frontier, p)
			}
		}
	}
	return out
}

// Alive is false for a gone or zombie process.
func Alive(pid int) bool {
	f, ok := procfs.StatFields(pid)
	return ok && len(f) > 0 && f[0] != "Z"
}

// ChownTree gives root and everything below it to uid:gid.
func ChownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// Tail is the last max bytes of a file (empty when unreadable), for error
// messages.
func Tail(path string, max int) string {
	b, _ := os.ReadFile(path)
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// Owner is the numeric uid and primary gid of the system account name,
// which a launched server's files belong to.
func Owner(name string) (uid, gid int, err error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, err
	}
	if uid, err = strconv.Atoi(u.Uid); err != nil {
		return 0, 0, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
	}
	if gid, err = strconv.Atoi(u.Gid); err != nil {
		return 0, 0, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
	}
	return uid, gid, nil
}
