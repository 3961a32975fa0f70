// Package dovecotd runs a real Dovecot (Debian's dovecot-imapd) on
// 127.0.0.1 from a short temporary directory, for the tests and the bench:
// passwd-file users with plaintext passwords, maildirs, no TLS. Stop kills
// the master and every child, so live connections die as in a crash.
package dovecotd

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

	"github.com/boundaryd/boundaryd/internal/freeport"
	"github.com/boundaryd/boundaryd/internal/srvproc"
)

// User is one mail account.
type User struct{ Name, Password string }

// Options configure a server.
type Options struct {
	Users []User // at least one
	// ImapCapability, when set, replaces the post-login capability list
	// (imap_capability), e.g. "IMAP4rev1 IDLE" hides MOVE and UIDPLUS.
	ImapCapability string
	// Separator is the hierarchy separator: "/" (default) or ".".
	Separator string
}

// Server is one Dovecot instance.
type Server struct {
	opts      Options
	dir, conf string
	port      int
	uid, gid  int

	mu      sync.Mutex
	running bool
}

// Available reports whether the dovecot and doveadm binaries are installed.
func Available() bool {
	_, err1 := exec.LookPath("dovecot")
	_, err2 := exec.LookPath("doveadm")
	return err1 == nil && err2 == nil
}

// New writes the configuration, the users and their (empty) maildirs under a
// new directory in /tmp — unix socket paths must stay under 108 bytes — and
// picks a free port. It does not start the server.
func New(opts Options) (*Server, error) {
	if len(opts.Users) == 0 {
		return nil, errors.New("dovecotd: no user")
	}
	if opts.Separator == "" {
		opts.Separator = "/"
	}
	dir, err := os.MkdirTemp("/tmp", "bd")
	if err != nil {
		return nil, fmt.Errorf("dovecotd: temp dir: %w", err)
	}
	s := &Server{opts: opts, dir: dir, conf: filepath.Join(dir, "dovecot.conf")}
	// Dovecot's unprivileged processes must traverse the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.writeConfig(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dovecotd: config: %w", err)
	}
	return s, nil
}

func (s *Server) writeConfig() error {
	port, err := freeport.Loopback()
	if err != nil {
		return err
	}
	s.port = port
	// As root, Dovecot's own users serve the mail; as anyone else, that user
	// runs everything.
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
	s.uid, _ = strconv.Atoi(u.Uid)
	s.gid, _ = strconv.Atoi(g.Gid)
	for _, p := range []string{"home", "run", "state"} {
		if err := os.MkdirAll(filepath.Join(s.dir, p), 0o755); err != nil {
			return err
		}
	}
	var passwd strings.Builder
	for _, usr := range s.opts.Users {
		// The maildir exists up front, so mail can be written straight
		// into new/ (the bench's fast path).
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(s.Maildir(usr.Name), sub), 0o700); err != nil {
				return err
			}
		}
		if err := srvproc.ChownTree(s.Home(usr.Name), s.uid, s.gid); err != nil && asRoot {
			return err
		}
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:%d:%d::%s\n", usr.Name, usr.Password, s.uid, s.gid, s.Home(usr.Name))
	}
	if err := os.WriteFile(filepath.Join(s.dir, "passwd"), []byte(passwd.String()), 0o644); err != nil {
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
`, s.dir, loginUser, internalUser, s.opts.Separator, s.port)
	if !asRoot {
		fmt.Fprintf(&b, "default_internal_group = %s\n", mailGroup)
	}
	if s.opts.ImapCapability != "" {
		fmt.Fprintf(&b, "imap_capability = %s\n", s.opts.ImapCapability)
	}
	return os.WriteFile(s.conf, []byte(b.String()), 0o644)
}

// Addr is the IMAP host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the IMAP port (stable across Stop/Start).
func (s *Server) Port() int { return s.port }

// Dir is the server's directory (config, log, maildirs).
func (s *Server) Dir() string { return s.dir }

// Home is a user's home directory.
func (s *Server) Home(user string) string { return filepath.Join(s.dir, "home", user) }

// Maildir is a user's maildir.
func (s *Server) Maildir(user string) string { return filepath.Join(s.Home(user), "Maildir") }

// Owner is the uid and gid mail files must belong to (for mail written
// straight into a maildir).
func (s *Server) Owner() (uid, gid int) { return s.uid, s.gid }

// Start starts the master and waits for the "* OK" greeting.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// The master daemonizes; the command returns once it has forked. Its
	// output is not captured: a captured stdout would keep Run waiting.
	cmd := exec.CommandContext(ctx, "dovecot", "-c", s.conf)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("start dovecot: %w\n%s", err, s.LogTail())
	}
	if err := srvproc.WaitGreeting(ctx, s.Addr()); err != nil {
		return fmt.Errorf("dovecot greeting: %w\n%s", err, s.LogTail())
	}
	s.running = true
	return nil
}

// Stop kills the master and every child (login and per-user imap
// processes), so open connections die as in a crash, and waits for them to
// be gone.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	master, ok, err := srvproc.ReadPidFile(filepath.Join(s.dir, "run", "master.pid"))
	if err != nil || !ok {
		return err
	}
	if err := srvproc.KillTree(master); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(s.dir, "run", "master.pid"))
	return nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	_ = s.Stop()
	_ = os.RemoveAll(s.dir)
}

// Doveadm runs doveadm against this server, bounded by ctx.
func (s *Server) Doveadm(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "doveadm", append([]string{"-c", s.conf}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// LogTail is the end of Dovecot's log, for error messages.
func (s *Server) LogTail() string {
	return srvproc.Tail(filepath.Join(s.dir, "dovecot.log"), 4000)
}
