package testimap

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
	"sync"
	"syscall"
	"testing"
	"time"
)

// DovecotOptions configures StartDovecot.
type DovecotOptions struct {
	User, Password string // default "alice" / "secret"
	// ImapCapability, when set, replaces the post-login capability list
	// (imap_capability), e.g. "IMAP4rev1 IDLE" hides MOVE and UIDPLUS.
	ImapCapability string
	// Separator is the hierarchy separator: "/" (default) or ".".
	Separator string
}

// Dovecot is a real Dovecot running from a temporary directory.
type Dovecot struct {
	t    testing.TB
	opts DovecotOptions
	dir  string
	conf string
	port int

	mu      sync.Mutex
	running bool
}

// HaveDovecot reports whether the dovecot and doveadm binaries exist.
func HaveDovecot() bool {
	_, err1 := exec.LookPath("dovecot")
	_, err2 := exec.LookPath("doveadm")
	return err1 == nil && err2 == nil
}

// SkipWithoutDovecot skips the test when Dovecot is not installed, or fails
// it when BOUNDARY_REQUIRE_DOVECOT=1 (CI must not silently skip).
func SkipWithoutDovecot(t testing.TB) {
	t.Helper()
	if HaveDovecot() {
		return
	}
	if os.Getenv("BOUNDARY_REQUIRE_DOVECOT") == "1" {
		t.Fatal("testimap: dovecot/doveadm not found in PATH and BOUNDARY_REQUIRE_DOVECOT=1")
	}
	t.Skip("testimap: dovecot/doveadm not found in PATH (apt install dovecot-imapd); set BOUNDARY_REQUIRE_DOVECOT=1 to fail instead")
}

// StartDovecot starts Dovecot on 127.0.0.1:free-port with one passwd-file
// user and a maildir, all under a short directory in /tmp (unix socket
// paths must stay under 108 bytes). It stops on t.Cleanup.
func StartDovecot(t testing.TB, opts DovecotOptions) *Dovecot {
	t.Helper()
	SkipWithoutDovecot(t)
	if opts.User == "" {
		opts.User = "alice"
	}
	if opts.Password == "" {
		opts.Password = "secret"
	}
	if opts.Separator == "" {
		opts.Separator = "/"
	}
	dir, err := os.MkdirTemp("/tmp", "bd")
	if err != nil {
		t.Fatalf("testimap: temp dir: %v", err)
	}
	d := &Dovecot{t: t, opts: opts, dir: dir, conf: filepath.Join(dir, "dovecot.conf")}
	t.Cleanup(func() {
		d.kill()
		_ = os.RemoveAll(dir)
	})
	// Dovecot's unprivileged processes must traverse the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("testimap: chmod: %v", err)
	}
	if err := d.writeConfig(); err != nil {
		t.Fatalf("testimap: dovecot config: %v", err)
	}
	d.Start()
	return d
}

func (d *Dovecot) writeConfig() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	d.port = port
	mailUser, mailGroup, loginUser, internalUser := "", "", "dovenull", "dovecot"
	if os.Geteuid() == 0 {
		mailUser, mailGroup = "dovecot", "dovecot"
	} else {
		cur, err := user.Current()
		if err != nil {
			return err
		}
		loginUser, internalUser = cur.Username, cur.Username
		mailUser = cur.Username
		if g, err := user.LookupGroupId(cur.Gid); err == nil {
			mailGroup = g.Name
		}
	}
	u, err := user.Lookup(mailUser)
	if err != nil {
		return fmt.Errorf("look up %s: %w", mailUser, err)
	}
	g, err := user.LookupGroup(mailGroup)
	if err != nil {
		return fmt.Errorf("look up group %s: %w", mailGroup, err)
	}
	home := filepath.Join(d.dir, "home")
	for _, p := range []string{home, filepath.Join(d.dir, "run"), filepath.Join(d.dir, "state")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	if err := os.Chown(home, uid, gid); err != nil && os.Geteuid() == 0 {
		return err
	}
	passwd := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s\n", d.opts.User, d.opts.Password, uid, gid, home)
	if err := os.WriteFile(filepath.Join(d.dir, "passwd"), []byte(passwd), 0o644); err != nil {
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
namespace inbox {
  inbox = yes
  separator = %[4]s
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
    port = %[5]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, d.dir, loginUser, internalUser, d.opts.Separator, d.port)
	if os.Geteuid() != 0 {
		fmt.Fprintf(&b, "default_internal_group = %s\n", mailGroup)
	}
	if d.opts.ImapCapability != "" {
		fmt.Fprintf(&b, "imap_capability = %s\n", d.opts.ImapCapability)
	}
	return os.WriteFile(d.conf, []byte(b.String()), 0o644)
}

// Addr is the IMAP host:port.
func (d *Dovecot) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)) }

// Host is always 127.0.0.1.
func (d *Dovecot) Host() string { return "127.0.0.1" }

// Port is the IMAP port (stable across Stop/Start).
func (d *Dovecot) Port() int { return d.port }

// User is the login name.
func (d *Dovecot) User() string { return d.opts.User }

// Password is the login password.
func (d *Dovecot) Password() string { return d.opts.Password }

// Dir is the server's temporary directory (config, log, maildir).
func (d *Dovecot) Dir() string { return d.dir }

// Start starts the master process and waits (10 s at most) for the
// "* OK" greeting.
func (d *Dovecot) Start() {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The master daemonizes; the command returns once it has forked. Its
	// output is not captured: a captured stdout would keep Run waiting.
	cmd := exec.CommandContext(ctx, "dovecot", "-c", d.conf)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Run(); err != nil {
		d.t.Fatalf("testimap: start dovecot: %v\n%s", err, d.logTail())
	}
	if err := waitGreeting(ctx, d.Addr()); err != nil {
		d.t.Fatalf("testimap: dovecot greeting: %v\n%s", err, d.logTail())
	}
	d.running = true
}

// Stop kills the master and every child (login and per-user imap
// processes) so that open connections die as in a crash or restart, and
// waits for them to be gone.
func (d *Dovecot) Stop() {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.killLocked(); err != nil {
		d.t.Fatalf("testimap: stop dovecot: %v", err)
	}
}

// Restart is Stop then Start.
func (d *Dovecot) Restart() {
	d.t.Helper()
	d.Stop()
	d.Start()
}

func (d *Dovecot) kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	_ = d.killLocked()
}

func (d *Dovecot) killLocked() error {
	d.running = false
	pidBytes, err := os.ReadFile(filepath.Join(d.dir, "run", "master.pid"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	master, err := strconv.Atoi(strings.TrimSpace(string(pidBytes)))
	if err != nil {
		return fmt.Errorf("master.pid: %w", err)
	}
	pids := append([]int{master}, descendants(master)...)
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range pids {
		for processAlive(p) {
			if time.Now().After(deadline) {
				return fmt.Errorf("process %d survived SIGKILL", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	_ = os.Remove(filepath.Join(d.dir, "run", "master.pid"))
	return nil
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
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name in parentheses may contain spaces.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		parent[p] = pp
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

// processAlive is false for a gone or zombie process.
func processAlive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || !bytes.HasPrefix(bytes.TrimSpace(stat[i+1:]), []byte("Z"))
}

func waitGreeting(ctx context.Context, addr string) error {
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

func (d *Dovecot) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Log returns the end of Dovecot's log, for failure messages.
func (d *Dovecot) Log() string { return d.logTail() }

func (d *Dovecot) doveadm(stdin []byte, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "doveadm", append([]string{"-c", d.conf}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// Deliver saves raw into mailbox with doveadm save, as an MTA's LDA would.
// IDLE clients hear of it about half a second later (Dovecot's notify delay).
func (d *Dovecot) Deliver(mailbox string, raw []byte) {
	d.t.Helper()
	if err := d.TryDeliver(mailbox, raw); err != nil {
		d.t.Fatalf("testimap: %v", err)
	}
}

// TryDeliver is Deliver returning its error, for use off the test goroutine.
func (d *Dovecot) TryDeliver(mailbox string, raw []byte) error {
	_, err := d.doveadm(raw, "save", "-u", d.opts.User, "-m", mailbox)
	return err
}

// CreateMailbox creates a mailbox with doveadm.
func (d *Dovecot) CreateMailbox(name string) {
	d.t.Helper()
	if _, err := d.doveadm(nil, "mailbox", "create", "-u", d.opts.User, name); err != nil {
		d.t.Fatalf("testimap: %v", err)
	}
}

// SetUIDValidity changes a mailbox's UIDVALIDITY live; connected clients
// that selected it get "* BYE ... inconsistent".
func (d *Dovecot) SetUIDValidity(mailbox string, n uint32) {
	d.t.Helper()
	if _, err := d.doveadm(nil, "mailbox", "update", "-u", d.opts.User, "--uid-validity", strconv.FormatUint(uint64(n), 10), mailbox); err != nil {
		d.t.Fatalf("testimap: %v", err)
	}
}

// Messages lists a mailbox's messages (raw bytes and flags) over IMAP with
// EXAMINE and BODY.PEEK, changing nothing.
func (d *Dovecot) Messages(mailbox string) []Message {
	d.t.Helper()
	msgs, err := d.TryMessages(mailbox)
	if err != nil {
		d.t.Fatalf("testimap: %v", err)
	}
	return msgs
}

// TryMessages is Messages returning its error.
func (d *Dovecot) TryMessages(mailbox string) ([]Message, error) {
	return listMessages(d.Addr(), d.opts.User, d.opts.Password, mailbox)
}
