package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// password is every bench user's password: the server only listens on
// 127.0.0.1 and lives for one run.
const password = "secret"

// dovecot is a real Dovecot serving several users from one short temp dir.
// The test harness in internal/testimap does the same for tests, but takes a
// testing.TB; this one returns errors.
type dovecot struct {
	dir, conf string
	port      int
	uid, gid  int
	users     []string
}

// startDovecot writes a config for users and starts the master; it waits
// for the "* OK" greeting.
func startDovecot(ctx context.Context, users []string) (*dovecot, error) {
	dir, err := os.MkdirTemp("/tmp", "bb")
	if err != nil {
		return nil, fmt.Errorf("dovecot temp dir: %w", err)
	}
	d := &dovecot{dir: dir, conf: filepath.Join(dir, "dovecot.conf"), users: users}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if err := d.writeConfig(); err != nil {
		return nil, fmt.Errorf("dovecot config: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// The master daemonizes; its output must not be captured or Run waits.
	cmd := exec.CommandContext(cctx, "dovecot", "-c", d.conf)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("start dovecot: %w\n%s", err, d.logTail())
	}
	if err := waitGreeting(cctx, d.addr()); err != nil {
		d.stop()
		return nil, fmt.Errorf("dovecot greeting: %w\n%s", err, d.logTail())
	}
	return d, nil
}

func (d *dovecot) writeConfig() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	d.port = port
	mailUser, mailGroup, loginUser, internalUser := "dovecot", "dovecot", "dovenull", "dovecot"
	asRoot := os.Geteuid() == 0
	if !asRoot {
		cur, err := user.Current()
		if err != nil {
			return err
		}
		loginUser, internalUser, mailUser = cur.Username, cur.Username, cur.Username
		g, err := user.LookupGroupId(cur.Gid)
		if err != nil {
			return err
		}
		mailGroup = g.Name
	}
	u, err := user.Lookup(mailUser)
	if err != nil {
		return fmt.Errorf("look up %s: %w", mailUser, err)
	}
	g, err := user.LookupGroup(mailGroup)
	if err != nil {
		return fmt.Errorf("look up group %s: %w", mailGroup, err)
	}
	d.uid, _ = strconv.Atoi(u.Uid)
	d.gid, _ = strconv.Atoi(g.Gid)
	for _, p := range []string{"home", "run", "state"} {
		if err := os.MkdirAll(filepath.Join(d.dir, p), 0o755); err != nil {
			return err
		}
	}
	var passwd strings.Builder
	for _, name := range d.users {
		// Maildir made up front so mail can be written straight into new/.
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(d.maildir(name), sub), 0o700); err != nil {
				return err
			}
		}
		if err := chownTree(d.home(name), d.uid, d.gid); err != nil && asRoot {
			return err
		}
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:%d:%d::%s\n", name, password, d.uid, d.gid, d.home(name))
	}
	if err := os.WriteFile(filepath.Join(d.dir, "passwd"), []byte(passwd.String()), 0o644); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = %[2]s
default_internal_user = %[3]s
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[4]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, d.dir, loginUser, internalUser, d.port)
	if !asRoot {
		fmt.Fprintf(&b, "default_internal_group = %s\n", mailGroup)
	}
	return os.WriteFile(d.conf, []byte(b.String()), 0o644)
}

func (d *dovecot) home(user string) string    { return filepath.Join(d.dir, "home", user) }
func (d *dovecot) maildir(user string) string { return filepath.Join(d.home(user), "Maildir") }
func (d *dovecot) addr() string               { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)) }

// doveadm runs doveadm against this server with a bound on its duration.
func (d *dovecot) doveadm(ctx context.Context, stdin []byte, args ...string) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "doveadm", append([]string{"-c", d.conf}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// save delivers raw to user's INBOX like an MTA's LDA.
func (d *dovecot) save(ctx context.Context, user string, raw []byte) error {
	return d.doveadm(ctx, raw, "save", "-u", user, "-m", "INBOX")
}

func (d *dovecot) createMailbox(ctx context.Context, user, name string) error {
	return d.doveadm(ctx, nil, "mailbox", "create", "-u", user, name)
}

// resync makes Dovecot index mail written straight into the maildir, so the
// indexing cost is not charged to the first client.
func (d *dovecot) resync(ctx context.Context, user string) error {
	return d.doveadm(ctx, nil, "force-resync", "-u", user, "INBOX")
}

// stop kills the master and its children and removes the directory.
func (d *dovecot) stop() {
	if pidBytes, err := os.ReadFile(filepath.Join(d.dir, "run", "master.pid")); err == nil {
		if master, err := strconv.Atoi(strings.TrimSpace(string(pidBytes))); err == nil {
			pids := append([]int{master}, descendants(master)...)
			for _, p := range pids {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			deadline := time.Now().Add(10 * time.Second)
			for _, p := range pids {
				for processAlive(p) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}
	}
	_ = os.RemoveAll(d.dir)
}

func (d *dovecot) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitGreeting(ctx context.Context, addr string) error {
	var lastErr error
	for {
		var dl net.Dialer
		c, err := dl.DialContext(ctx, "tcp", addr)
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
			return errors.Join(ctx.Err(), lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// descendants lists every process below pid, from /proc.
func descendants(pid int) []int {
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
		if pp, ok := ppidOf(p); ok {
			parent[p] = pp
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

func ppidOf(pid int) (int, bool) {
	f, ok := statFields(pid)
	if !ok || len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// statFields returns /proc/PID/stat after the command name: field 0 is the
// state, 1 the parent pid, 11 utime, 12 stime.
func statFields(pid int) ([]string, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(stat[i+1:])), true
}

func processAlive(pid int) bool {
	f, ok := statFields(pid)
	return ok && len(f) > 0 && f[0] != "Z"
}
