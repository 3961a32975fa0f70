// Package courierd runs a real Courier-IMAP (Debian's courier-imap 5.0) on
// 127.0.0.1 from a temporary directory, for the tests: userdb users,
// maildirs, delivery like a local MDA (tmp/ then rename into new/), no TLS.
// Stop kills couriertcpd, authdaemond and every imapd, so live connections
// die as in a crash.
//
// authlib reads /etc/courier and /run/courier at compiled-in paths. To
// leave the host untouched, the server runs in a private mount namespace
// where the temporary directory's etc/ and run/ are bind-mounted over them
// (which needs root). Debian's courier-imap conflicts with dovecot-imapd, so
// its binaries come from a directory where the package was extracted with
// dpkg -x (Root); courier-base and courier-authlib are installed normally.
// .ci/run shows the steps.
package courierd

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
	"sync/atomic"
	"time"

	"github.com/boundaryd/boundaryd/internal/freeport"
	"github.com/boundaryd/boundaryd/internal/srvproc"
)

// DefaultRoot is where .ci/run extracts the courier-imap package; the
// environment variable BOUNDARY_COURIER_ROOT overrides it.
const DefaultRoot = "/opt/imap-servers/courier-imap"

// Tools from courier-base and courier-authlib, installed normally.
const (
	authdaemond = "/usr/lib/courier/courier-authlib/authdaemond"
	couriertcpd = "/usr/sbin/couriertcpd"
	makeuserdb  = "/usr/sbin/makeuserdb"
	userdbpw    = "/usr/sbin/userdbpw"
	mailOwner   = "courier" // the uid the maildirs belong to
)

// DefaultCapability is the package's IMAP_CAPABILITY: UIDPLUS and IDLE,
// no MOVE.
const DefaultCapability = "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"

// User is one mail account.
type User struct{ Name, Password string }

// Options configure a server.
type Options struct {
	Users []User // at least one
	// Capability replaces IMAP_CAPABILITY (default DefaultCapability), e.g.
	// without UIDPLUS to test a client's plain-COPY branch.
	Capability string
	// IdleSeconds is how often imapd looks for new mail during IDLE
	// (IMAP_IDLE_TIMEOUT); default 1.
	IdleSeconds int
}

// Server is one Courier instance.
type Server struct {
	opts     Options
	root     string
	dir      string
	port     int
	uid, gid int

	mu  sync.Mutex
	cmd *exec.Cmd

	seq atomic.Uint64 // unique maildir file names
}

// Root is the directory holding the extracted courier-imap package.
func Root() string {
	if r := os.Getenv("BOUNDARY_COURIER_ROOT"); r != "" {
		return r
	}
	return DefaultRoot
}

// Missing says what is lacking to run Courier here ("" when nothing is).
func Missing() string {
	var miss []string
	for _, p := range []string{
		filepath.Join(Root(), "usr/bin/imapd"),
		filepath.Join(Root(), "usr/lib/courier/courier/imaplogin"),
		filepath.Join(Root(), "etc/courier/imapd"),
		authdaemond, couriertcpd, makeuserdb, userdbpw, "/etc/courier", "/run/courier",
	} {
		if _, err := os.Stat(p); err != nil {
			miss = append(miss, p)
		}
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		miss = append(miss, "unshare (util-linux)")
	}
	if _, err := user.Lookup(mailOwner); err != nil {
		miss = append(miss, "the courier user (courier-base)")
	}
	if os.Geteuid() != 0 {
		miss = append(miss, "root (for the private mount namespace)")
	}
	return strings.Join(miss, ", ")
}

// New writes the configuration, the userdb and the users' maildirs under a
// new directory in /tmp and picks a free port. It does not start the server.
func New(opts Options) (*Server, error) {
	if len(opts.Users) == 0 {
		return nil, errors.New("courierd: no user")
	}
	if m := Missing(); m != "" {
		return nil, fmt.Errorf("courierd: missing %s", m)
	}
	if opts.Capability == "" {
		opts.Capability = DefaultCapability
	}
	if opts.IdleSeconds <= 0 {
		opts.IdleSeconds = 1
	}
	uid, gid, err := srvproc.Owner(mailOwner)
	if err != nil {
		return nil, fmt.Errorf("courierd: %w", err)
	}
	dir, err := os.MkdirTemp("/tmp", "bk")
	if err != nil {
		return nil, fmt.Errorf("courierd: temp dir: %w", err)
	}
	s := &Server{opts: opts, root: Root(), dir: dir, uid: uid, gid: gid}
	if err := s.setup(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("courierd: %w", err)
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
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"etc", "run/authdaemon", "home"} {
		if err := os.MkdirAll(s.path(d), 0o755); err != nil {
			return err
		}
	}
	rc := "authmodulelist=\"authuserdb\"\nauthmodulelistorig=\"authuserdb\"\ndaemons=2\n" +
		"authdaemonvar=/run/courier/authdaemon\nDEBUG_LOGIN=0\nDEFAULTOPTIONS=\"\"\nLOGGEROPTS=\"\"\n"
	if err := os.WriteFile(s.path("etc", "authdaemonrc"), []byte(rc), 0o644); err != nil {
		return err
	}
	var db strings.Builder
	for _, u := range s.opts.Users {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(s.Maildir(u.Name), sub), 0o700); err != nil {
				return err
			}
		}
		if err := srvproc.ChownTree(s.Home(u.Name), s.uid, s.gid); err != nil {
			return err
		}
		cmd := exec.Command(userdbpw, "-md5")
		cmd.Stdin = strings.NewReader(u.Password + "\n")
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("userdbpw: %w", err)
		}
		fmt.Fprintf(&db, "%s\tuid=%d|gid=%d|home=%s|mail=%s|systempw=%s\n",
			u.Name, s.uid, s.gid, s.Home(u.Name), s.Maildir(u.Name), strings.TrimSpace(string(out)))
	}
	if err := os.WriteFile(s.path("etc", "userdb"), []byte(db.String()), 0o600); err != nil {
		return err
	}
	env, err := s.imapdEnv()
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.path("imapd.env"), []byte(env), 0o644); err != nil {
		return err
	}
	script := fmt.Sprintf(`set -e
mount --bind %[1]s/etc /etc/courier
mount --bind %[1]s/run /run/courier
%[2]s >/dev/null
set -a
. /etc/courier/authdaemonrc
. %[1]s/imapd.env
set +a
%[3]s &
i=0
while [ ! -S /run/courier/authdaemon/socket ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
exec %[4]s -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=40 -maxperip=40 %[5]d %[6]s/usr/lib/courier/courier/imaplogin %[6]s/usr/bin/imapd Maildir
`, s.dir, makeuserdb, authdaemond, couriertcpd, s.port, s.root)
	return os.WriteFile(s.path("start.sh"), []byte(script), 0o755)
}

// imapdEnv is the package's /etc/courier/imapd settings with the test's
// overrides.
func (s *Server) imapdEnv() (string, error) {
	b, err := os.ReadFile(filepath.Join(s.root, "etc/courier/imapd"))
	if err != nil {
		return "", err
	}
	override := map[string]string{
		"IMAP_CAPABILITY":   strconv.Quote(s.opts.Capability),
		"IMAP_IDLE_TIMEOUT": strconv.Itoa(s.opts.IdleSeconds),
		"IMAP_ENHANCEDIDLE": "0",
		"MAXDAEMONS":        "40",
		"MAXPERIP":          "40",
	}
	var out strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		k, _, ok := strings.Cut(line, "=")
		if strings.HasPrefix(line, "#") || !ok {
			continue
		}
		if _, skip := override[k]; skip {
			continue
		}
		out.WriteString(line + "\n")
	}
	for k, v := range override {
		fmt.Fprintf(&out, "%s=%s\n", k, v)
	}
	return out.String(), sc.Err()
}

// Addr is the IMAP host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the IMAP port (stable across Stop/Start).
func (s *Server) Port() int { return s.port }

// Dir is the server's directory.
func (s *Server) Dir() string { return s.dir }

// Home is a user's home directory.
func (s *Server) Home(user string) string { return s.path("home", user) }

// Maildir is a user's maildir.
func (s *Server) Maildir(user string) string { return filepath.Join(s.Home(user), "Maildir") }

// Start runs authdaemond and couriertcpd in their mount namespace and waits
// for the greeting.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	logf, err := os.OpenFile(s.path("courier.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("courierd: log: %w", err)
	}
	defer logf.Close() // the child holds its own copy
	// Not CommandContext: the server outlives this call. Output goes to a
	// file, so nothing waits on a pipe the children keep open.
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", s.path("start.sh"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("courierd: start: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd = cmd
	gctx, gcancel := context.WithCancel(ctx)
	defer gcancel()
	go func() {
		select {
		case <-exited:
			gcancel()
		case <-gctx.Done():
		}
	}()
	if err := srvproc.WaitGreeting(gctx, s.Addr()); err != nil {
		return fmt.Errorf("courierd: greeting: %w\n%s", err, s.LogTail())
	}
	return nil
}

// Stop kills couriertcpd and everything below it (authdaemond, imapd), so
// open connections die as in a crash, and waits for them to be gone.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	err := srvproc.KillTree(s.cmd.Process.Pid)
	s.cmd = nil
	return err
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	_ = s.Stop()
	_ = os.RemoveAll(s.dir)
}

// folderDir is the maildir directory of a folder as the user names it:
// "INBOX" or "INBOX.Sub".
func (s *Server) folderDir(userName, mailbox string) (string, error) {
	if strings.EqualFold(mailbox, "INBOX") {
		return s.Maildir(userName), nil
	}
	rest, ok := strings.CutPrefix(mailbox, "INBOX.")
	if !ok || rest == "" {
		return "", fmt.Errorf("courierd: folder %q is not under INBOX", mailbox)
	}
	return filepath.Join(s.Maildir(userName), "."+rest), nil
}

// Deliver writes raw into the folder's maildir as a local MDA does: lines
// ending in LF (Courier sends them as CRLF), into tmp/, then renamed into
// new/.
func (s *Server) Deliver(userName, mailbox string, raw []byte) error {
	dir, err := s.folderDir(userName, mailbox)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	name := fmt.Sprintf("%d.M%dP%dQ%d.%s", time.Now().Unix(), time.Now().Nanosecond()/1000, os.Getpid(), s.seq.Add(1), host)
	tmp := filepath.Join(dir, "tmp", name)
	if err := os.WriteFile(tmp, bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), 0o600); err != nil {
		return fmt.Errorf("courierd: deliver: %w", err)
	}
	if err := os.Chown(tmp, s.uid, s.gid); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("courierd: deliver: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("courierd: deliver: %w", err)
	}
	return nil
}

// CreateMailbox makes a folder ("INBOX.Name") as maildirmake would.
func (s *Server) CreateMailbox(userName, mailbox string) error {
	dir, err := s.folderDir(userName, mailbox)
	if err != nil {
		return err
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("courierd: create %s: %w", mailbox, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "maildirfolder"), nil, 0o600); err != nil {
		return fmt.Errorf("courierd: create %s: %w", mailbox, err)
	}
	return srvproc.ChownTree(dir, s.uid, s.gid)
}

// LogTail is the end of the server's output, for error messages.
func (s *Server) LogTail() string { return srvproc.Tail(s.path("courier.log"), 4000) }
