// Package cyrusd runs a real Cyrus IMAP (Debian's cyrus-imapd 3.6) on
// 127.0.0.1 from a temporary directory, for the tests: sasldb users with
// plaintext passwords, one partition, delivery through Cyrus's own deliver
// (LMTP to lmtpd, as an MTA does), no TLS. Stop kills the master and every
// child, so live connections die as in a crash.
//
// Debian's cyrus-imapd conflicts with dovecot-imapd, so the server binaries
// (imapd, idled) are taken from a directory where the package was extracted
// with dpkg -x (Root); the rest comes from cyrus-common and sasl2-bin,
// installed normally. .ci/run shows the steps.
package cyrusd

import (
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
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/boundaryd/boundaryd/internal/freeport"
	"github.com/boundaryd/boundaryd/internal/srvproc"
)

// DefaultRoot is where .ci/run extracts the cyrus-imapd package; the
// environment variable BOUNDARY_CYRUS_ROOT overrides it.
const DefaultRoot = "/opt/imap-servers/cyrus-imapd"

// Cyrus-common's tools, installed normally.
const (
	libexec    = "/usr/lib/cyrus/bin"
	saslpasswd = "saslpasswd2"
	serverName = "localhost"
	admin      = "cyrus"
)

// User is one mail account.
type User struct{ Name, Password string }

// Options configure a server.
type Options struct {
	Users []User // at least one
	// Legacy selects the layout many hosted Cyrus servers keep:
	// altnamespace and unixhierarchysep off, so the separator is "." and
	// personal folders must live under "INBOX.". The default is Cyrus 3's:
	// separator "/", folders beside INBOX.
	Legacy bool
	// SuppressCaps are capabilities the server must not advertise
	// (suppress_capabilities), e.g. "MOVE" to test the COPY fallback.
	SuppressCaps []string
}

// Server is one Cyrus instance.
type Server struct {
	opts     Options
	root     string
	dir      string
	port     int
	uid, gid int

	mu     sync.Mutex
	master *exec.Cmd
	logf   *os.File
}

// Root is the directory holding the extracted cyrus-imapd package.
func Root() string {
	if r := os.Getenv("BOUNDARY_CYRUS_ROOT"); r != "" {
		return r
	}
	return DefaultRoot
}

// Missing says what is lacking to run Cyrus here ("" when nothing is).
func Missing() string {
	var miss []string
	for _, p := range []string{
		filepath.Join(Root(), "usr/lib/cyrus/bin/imapd"),
		filepath.Join(Root(), "usr/lib/cyrus/bin/idled"),
		filepath.Join(libexec, "master"), filepath.Join(libexec, "lmtpd"),
		filepath.Join(libexec, "deliver"), filepath.Join(libexec, "ctl_cyrusdb"),
	} {
		if _, err := os.Stat(p); err != nil {
			miss = append(miss, p)
		}
	}
	if _, err := exec.LookPath(saslpasswd); err != nil {
		miss = append(miss, saslpasswd+" (sasl2-bin)")
	}
	if _, err := user.Lookup("cyrus"); err != nil {
		miss = append(miss, "the cyrus user (cyrus-common)")
	}
	if os.Geteuid() != 0 {
		miss = append(miss, "root (Cyrus's master switches to the cyrus user)")
	}
	return strings.Join(miss, ", ")
}

// New writes the configuration and the users' passwords under a new
// directory in /tmp (unix socket paths must stay under 108 bytes) and picks a
// free port. It does not start the server; Start creates the mailboxes.
func New(opts Options) (*Server, error) {
	if len(opts.Users) == 0 {
		return nil, errors.New("cyrusd: no user")
	}
	if m := Missing(); m != "" {
		return nil, fmt.Errorf("cyrusd: missing %s", m)
	}
	uid, gid, err := srvproc.Owner("cyrus")
	if err != nil {
		return nil, fmt.Errorf("cyrusd: %w", err)
	}
	dir, err := os.MkdirTemp("/tmp", "bc")
	if err != nil {
		return nil, fmt.Errorf("cyrusd: temp dir: %w", err)
	}
	s := &Server{opts: opts, root: Root(), dir: dir, uid: uid, gid: gid}
	if err := s.setup(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cyrusd: %w", err)
	}
	return s, nil
}

func (s *Server) path(p ...string) string { return filepath.Join(append([]string{s.dir}, p...)...) }

func (s *Server) setup() error {
	port, err := freeport.Loopback()
	if err != nil {
		return err
	}
	s.port = port
	for _, d := range []string{"conf", "conf/db", "conf/proc", "conf/socket", "conf/log", "conf/lock",
		"conf/msg", "conf/user", "conf/quota", "conf/sieve", "part", "sock"} {
		if err := os.MkdirAll(s.path(d), 0o750); err != nil {
			return err
		}
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, `configdirectory: %[1]s/conf
partition-default: %[1]s/part
defaultpartition: default
servername: %[2]s
admins: %[3]s
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: %[1]s/sasldb2
sasl_mech_list: PLAIN LOGIN
idlesocket: %[1]s/sock/idle
lmtpsocket: %[1]s/sock/lmtp
notifysocket: %[1]s/sock/notify
altnamespace: %[4]s
unixhierarchysep: %[4]s
munge8bit: no
duplicatesuppression: no
virtdomains: no
syslog_prefix: bd-cyrus
`, s.dir, serverName, admin, yes(!s.opts.Legacy))
	if len(s.opts.SuppressCaps) > 0 {
		fmt.Fprintf(&conf, "suppress_capabilities: %s\n", strings.Join(s.opts.SuppressCaps, " "))
	}
	if err := os.WriteFile(s.path("imapd.conf"), []byte(conf.String()), 0o644); err != nil {
		return err
	}
	bin := filepath.Join(s.root, "usr/lib/cyrus/bin")
	c := s.path("imapd.conf")
	master := fmt.Sprintf(`START {
  recover cmd="%[1]s/ctl_cyrusdb -C %[3]s -r"
}
SERVICES {
  imap cmd="%[2]s/imapd -C %[3]s" listen="127.0.0.1:%[4]d" prefork=0
  lmtpunix cmd="%[1]s/lmtpd -C %[3]s" listen="%[5]s/sock/lmtp" prefork=0
}
EVENTS {
}
DAEMON {
  idled cmd="%[2]s/idled -C %[3]s"
}
`, libexec, bin, c, s.port, s.dir)
	if err := os.WriteFile(s.path("cyrus.conf"), []byte(master), 0o644); err != nil {
		return err
	}
	users := append([]User{{Name: admin, Password: "admin-" + strconv.Itoa(s.port)}}, s.opts.Users...)
	for _, u := range users {
		cmd := exec.Command(saslpasswd, "-p", "-c", "-f", s.path("sasldb2"), "-u", serverName, u.Name)
		cmd.Stdin = strings.NewReader(u.Password)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("saslpasswd2 %s: %w: %s", u.Name, err, out)
		}
	}
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	return srvproc.ChownTree(s.dir, s.uid, s.gid)
}

func (s *Server) adminPassword() string { return "admin-" + strconv.Itoa(s.port) }

// Addr is the IMAP host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the IMAP port (stable across Stop/Start).
func (s *Server) Port() int { return s.port }

// Dir is the server's directory.
func (s *Server) Dir() string { return s.dir }

// Separator is the hierarchy separator clients see.
func (s *Server) Separator() string {
	if s.opts.Legacy {
		return "."
	}
	return "/"
}

// Start starts the master (in the foreground, its output in the log file),
// waits for the greeting and, the first time, creates each user's INBOX as
// the admin.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.master != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	logf, err := os.OpenFile(s.path("master.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cyrusd: log: %w", err)
	}
	// Not CommandContext: the master outlives this call. Its output goes to
	// a file, so nothing waits on a pipe its children keep open.
	cmd := exec.Command(filepath.Join(libexec, "master"), "-C", s.path("imapd.conf"), "-M", s.path("cyrus.conf"),
		"-p", s.path("master.pid"), "-D", "-L", s.path("master.log"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("cyrusd: start master: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	s.master, s.logf = cmd, logf
	if err := srvproc.WaitGreeting(ctx, s.Addr()); err != nil {
		return fmt.Errorf("cyrusd: greeting: %w\n%s", err, s.LogTail())
	}
	for _, u := range s.opts.Users {
		if err := s.createUser(ctx, u.Name); err != nil {
			return fmt.Errorf("cyrusd: %w\n%s", err, s.LogTail())
		}
	}
	return nil
}

// createUser creates user's INBOX as the admin (idempotent).
func (s *Server) createUser(ctx context.Context, name string) error {
	sep := s.Separator()
	mbox := "user" + sep + name
	return s.asAdmin(ctx, func(c *imapclient.Client) error {
		list, err := c.List("", mbox, nil).Collect()
		if err != nil {
			return fmt.Errorf("list %s: %w", mbox, err)
		}
		if len(list) > 0 {
			return nil
		}
		if err := c.Create(mbox, nil).Wait(); err != nil {
			return fmt.Errorf("create %s: %w", mbox, err)
		}
		return nil
	})
}

func (s *Server) asAdmin(ctx context.Context, fn func(c *imapclient.Client) error) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(admin, s.adminPassword()).Wait(); err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.Logout().Wait()
}

// Stop kills the master and every child, so open connections die as in a
// crash, and waits for them to be gone.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.master == nil {
		return nil
	}
	err := srvproc.KillTree(s.master.Process.Pid)
	s.master = nil
	s.logf.Close()
	_ = os.Remove(s.path("master.pid"))
	return err
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	_ = s.Stop()
	_ = os.RemoveAll(s.dir)
}

// Deliver hands raw to lmtpd through Cyrus's deliver, as an MTA does, into
// user's mailbox ("INBOX" or a folder name as the user sees it).
func (s *Server) Deliver(ctx context.Context, userName, mailbox string, raw []byte) error {
	args := []string{"-C", s.path("imapd.conf"), "-a", userName}
	if !strings.EqualFold(mailbox, "INBOX") {
		// deliver takes the folder without the INBOX prefix.
		m := strings.TrimPrefix(mailbox, "INBOX"+s.Separator())
		args = append(args, "-m", m)
	}
	args = append(args, userName)
	cmd := exec.CommandContext(ctx, filepath.Join(libexec, "deliver"), args...)
	cmd.Stdin = bytes.NewReader(raw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("cyrusd: deliver: %w: %s", err, out)
	}
	return nil
}

// CreateMailbox creates a folder as the user sees it, logged in as that user.
func (s *Server) CreateMailbox(ctx context.Context, u User, name string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		return fmt.Errorf("cyrusd: login %s: %w", u.Name, err)
	}
	if err := c.Create(name, nil).Wait(); err != nil {
		var ie *imap.Error
		if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAlreadyExists {
			return fmt.Errorf("cyrusd: create %s: %w", name, err)
		}
	}
	return c.Logout().Wait()
}

// LogTail is the end of the master's log, for error messages (Cyrus's
// services log to syslog).
func (s *Server) LogTail() string { return srvproc.Tail(s.path("master.log"), 4000) }
