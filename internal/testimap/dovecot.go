package testimap

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/dovecotd"
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
	srv  *dovecotd.Server
}

// HaveDovecot reports whether the dovecot and doveadm binaries exist.
func HaveDovecot() bool { return dovecotd.Available() }

// SkipWithoutDovecot skips the test when Dovecot is not installed, or fails
// it when BOUNDARY_REQUIRE_DOVECOT=1 (CI must not silently skip).
func SkipWithoutDovecot(t testing.TB) {
	t.Helper()
	missing := ""
	if !HaveDovecot() {
		missing = "dovecot/doveadm in PATH"
	}
	skipWithout(t, "Dovecot", missing, "BOUNDARY_REQUIRE_DOVECOT", "apt install dovecot-imapd")
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
	srv, err := dovecotd.New(dovecotd.Options{
		Users:          []dovecotd.User{{Name: opts.User, Password: opts.Password}},
		ImapCapability: opts.ImapCapability,
		Separator:      opts.Separator,
	})
	if err != nil {
		t.Fatalf("testimap: %v", err)
	}
	d := &Dovecot{t: t, opts: opts, srv: srv}
	t.Cleanup(srv.Close)
	d.Start()
	return d
}

// Addr is the IMAP host:port.
func (d *Dovecot) Addr() string { return d.srv.Addr() }

// Host is always 127.0.0.1.
func (d *Dovecot) Host() string { return "127.0.0.1" }

// Port is the IMAP port (stable across Stop/Start).
func (d *Dovecot) Port() int { return d.srv.Port() }

// User is the login name.
func (d *Dovecot) User() string { return d.opts.User }

// Password is the login password.
func (d *Dovecot) Password() string { return d.opts.Password }

// Dir is the server's temporary directory (config, log, maildir).
func (d *Dovecot) Dir() string { return d.srv.Dir() }

// Start starts the master process and waits for the "* OK" greeting.
func (d *Dovecot) Start() {
	d.t.Helper()
	if err := d.srv.Start(context.Background()); err != nil {
		d.t.Fatalf("testimap: %v", err)
	}
}

// Stop kills the master and every child (login and per-user imap
// processes) so that open connections die as in a crash or restart, and
// waits for them to be gone.
func (d *Dovecot) Stop() {
	d.t.Helper()
	if err := d.srv.Stop(); err != nil {
		d.t.Fatalf("testimap: stop dovecot: %v", err)
	}
}

// Restart is Stop then Start.
func (d *Dovecot) Restart() {
	d.t.Helper()
	d.Stop()
	d.Start()
}

// Log returns the end of Dovecot's log, for failure messages.
func (d *Dovecot) Log() string { return d.srv.LogTail() }

func (d *Dovecot) doveadm(stdin []byte, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return d.srv.Doveadm(ctx, stdin, args...)
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
