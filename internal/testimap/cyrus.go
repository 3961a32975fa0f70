package testimap

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/cyrusd"
)

// CyrusOptions configures StartCyrus.
type CyrusOptions struct {
	User, Password string // default "alice" / "secret"
	// Legacy is the layout of many hosted Cyrus servers (altnamespace and
	// unixhierarchysep off): separator ".", personal folders under "INBOX.".
	Legacy bool
	// SuppressCaps hides capabilities, e.g. "MOVE".
	SuppressCaps []string
}

// Cyrus is a real Cyrus IMAP running from a temporary directory.
type Cyrus struct {
	t    testing.TB
	opts CyrusOptions
	srv  *cyrusd.Server
}

// SkipWithoutCyrus skips the test when Cyrus cannot run here (saying what is
// missing), or fails it when BOUNDARY_REQUIRE_CYRUS=1.
func SkipWithoutCyrus(t testing.TB) {
	t.Helper()
	skipWithout(t, "Cyrus", cyrusd.Missing(), "BOUNDARY_REQUIRE_CYRUS",
		"apt-get install cyrus-common sasl2-bin; apt-get download cyrus-imapd; dpkg -x cyrus-imapd_*.deb "+cyrusd.DefaultRoot)
}

// skipWithout is the shared skip-or-fail of the real-server launchers.
func skipWithout(t testing.TB, server, missing, requireEnv, install string) {
	t.Helper()
	if missing == "" {
		return
	}
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("testimap: %s cannot run here (missing %s) and %s=1", server, missing, requireEnv)
	}
	t.Skipf("testimap: %s cannot run here: missing %s (%s; .ci/run does it); set %s=1 to fail instead",
		server, missing, install, requireEnv)
}

// StartCyrus starts Cyrus on 127.0.0.1:free-port with one sasldb user whose
// INBOX exists. It stops on t.Cleanup.
func StartCyrus(t testing.TB, opts CyrusOptions) *Cyrus {
	t.Helper()
	SkipWithoutCyrus(t)
	if opts.User == "" {
		opts.User = "alice"
	}
	if opts.Password == "" {
		opts.Password = "secret"
	}
	srv, err := cyrusd.New(cyrusd.Options{
		Users:        []cyrusd.User{{Name: opts.User, Password: opts.Password}},
		Legacy:       opts.Legacy,
		SuppressCaps: opts.SuppressCaps,
	})
	if err != nil {
		t.Fatalf("testimap: %v", err)
	}
	c := &Cyrus{t: t, opts: opts, srv: srv}
	t.Cleanup(srv.Close)
	c.Start()
	return c
}

// Addr is the IMAP host:port.
func (c *Cyrus) Addr() string { return c.srv.Addr() }

// Host is always 127.0.0.1.
func (c *Cyrus) Host() string { return "127.0.0.1" }

// Port is the IMAP port (stable across Stop/Start).
func (c *Cyrus) Port() int { return c.srv.Port() }

// User is the login name.
func (c *Cyrus) User() string { return c.opts.User }

// Password is the login password.
func (c *Cyrus) Password() string { return c.opts.Password }

// Dir is the server's temporary directory.
func (c *Cyrus) Dir() string { return c.srv.Dir() }

// Folder is the server's name for a personal folder written with "/"
// ("Held" is "INBOX.Held" on the legacy layout).
func (c *Cyrus) Folder(name string) string {
	if !c.opts.Legacy || strings.EqualFold(name, "INBOX") {
		return name
	}
	return "INBOX." + strings.ReplaceAll(name, "/", ".")
}

// Start starts the master and waits for the greeting.
func (c *Cyrus) Start() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.srv.Start(ctx); err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
}

// Stop kills the master and every child, as in a crash.
func (c *Cyrus) Stop() {
	c.t.Helper()
	if err := c.srv.Stop(); err != nil {
		c.t.Fatalf("testimap: stop cyrus: %v", err)
	}
}

// Restart is Stop then Start.
func (c *Cyrus) Restart() {
	c.t.Helper()
	c.Stop()
	c.Start()
}

// Log returns the end of the master's log.
func (c *Cyrus) Log() string { return c.srv.LogTail() }

// Deliver hands raw to lmtpd as an MTA does. lmtpd prepends trace headers
// (Return-Path, Received, X-Cyrus-Session-Id, X-Sieve): what is stored ends
// with raw (see Stored).
func (c *Cyrus) Deliver(mailbox string, raw []byte) {
	c.t.Helper()
	if err := c.TryDeliver(mailbox, raw); err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
}

// TryDeliver is Deliver returning its error.
func (c *Cyrus) TryDeliver(mailbox string, raw []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return c.srv.Deliver(ctx, c.opts.User, mailbox, raw)
}

// Stored reports whether stored is what Deliver(raw) left on the server:
// raw after lmtpd's trace headers.
func (c *Cyrus) Stored(stored, raw []byte) bool {
	head, ok := strings.CutSuffix(string(stored), string(raw))
	return ok && strings.HasPrefix(head, "Return-Path: ") && strings.HasSuffix(head, "\r\n")
}

// CreateMailbox creates a folder (named as the server names it) as the user.
func (c *Cyrus) CreateMailbox(name string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.srv.CreateMailbox(ctx, cyrusd.User{Name: c.opts.User, Password: c.opts.Password}, name); err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
}

// Messages lists a mailbox's messages over IMAP with EXAMINE and BODY.PEEK.
func (c *Cyrus) Messages(mailbox string) []Message {
	c.t.Helper()
	msgs, err := c.TryMessages(mailbox)
	if err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
	return msgs
}

// TryMessages is Messages returning its error.
func (c *Cyrus) TryMessages(mailbox string) ([]Message, error) {
	return listMessages(c.Addr(), c.opts.User, c.opts.Password, mailbox)
}
