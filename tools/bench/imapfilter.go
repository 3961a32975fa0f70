package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// imapfilterConfig is the Lua configuration doing boundaryd's job as far as
// imapfilter can: unflagged mail in INBOX whose body matches one of the key
// phrases is flagged and left there; the rest is moved to Held. With idle it
// then loops on IDLE, re-running the filter at each wake-up. It cannot send
// an alert.
func imapfilterConfig(port int, user string, idle bool) string {
	loop := ""
	if idle {
		loop = `
while true do
  acct.INBOX:enter_idle()
  filter()
end
`
	}
	return fmt.Sprintf(`options.timeout = 120
options.starttls = false
options.certificates = false
options.subscribe = false
options.create = false
options.expunge = true
options.info = false

acct = IMAP {
  server = '127.0.0.1',
  port = %d,
  username = '%s',
  password = '%s',
}

local pattern = [==[%s]==]

function filter()
  local fresh = acct.INBOX:is_unflagged()
  local urgent = fresh:match_body(pattern)
  urgent:mark_flagged()
  local rest = fresh - urgent
  rest:move_messages(acct['Held'])
end

filter()
%s`, port, user, password, keyRegex(), loop)
}

// haveImapfilter reports whether the imapfilter binary is installed.
func haveImapfilter() bool {
	_, err := exec.LookPath("imapfilter")
	return err == nil
}

// startImapfilter runs imapfilter with cfg from dir (its HOME, so nothing of
// the user's is read or written).
func startImapfilter(dir, cfg string) (*exec.Cmd, chan struct{}, error) {
	conf := filepath.Join(dir, "config.lua")
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		return nil, nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "imapfilter.log"))
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command("imapfilter", "-c", conf)
	cmd.Env = append(filterEnv(os.Environ()), "HOME="+dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, fmt.Errorf("start imapfilter: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	return cmd, done, nil
}

func filterEnv(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "HOME=") {
			out = append(out, e)
		}
	}
	return out
}

// exited reports whether the child watched by done has exited.
func exited(done chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// stopCmd kills a child that has not exited and waits for it.
func stopCmd(cmd *exec.Cmd, done chan struct{}) {
	if exited(done) {
		return
	}
	_ = cmd.Process.Kill()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// runImapfilterOnce runs the one-shot filter and waits for it, bounded.
func runImapfilterOnce(ctx context.Context, dir, cfg string, limit time.Duration) (*exec.Cmd, time.Duration, int64, error) {
	start := time.Now()
	cmd, done, err := startImapfilter(dir, cfg)
	if err != nil {
		return nil, 0, 0, err
	}
	// VmHWM, polled: wait4's ru_maxrss cannot be used, as Linux carries the
	// parent's peak across a vfork+exec into the child's figure.
	var hwm int64
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(limit)
	for {
		select {
		case <-done:
			wall := time.Since(start)
			if !cmd.ProcessState.Success() {
				return cmd, wall, hwm, fmt.Errorf("imapfilter: %s (log: %s)", cmd.ProcessState, tail(filepath.Join(dir, "imapfilter.log")))
			}
			return cmd, wall, hwm, nil
		case <-t.C:
			if _, h, ok := memKB(cmd.Process.Pid); ok {
				hwm = max(hwm, h)
			}
		case <-deadline:
			stopCmd(cmd, done)
			return cmd, time.Since(start), hwm, fmt.Errorf("imapfilter %w within %s", errNotFinished, limit)
		case <-ctx.Done():
			stopCmd(cmd, done)
			return cmd, time.Since(start), hwm, ctx.Err()
		}
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 800 {
		b = b[len(b)-800:]
	}
	return strings.TrimSpace(string(b))
}
