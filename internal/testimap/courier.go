package testimap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/courierd"
)

// CourierOptions configures StartCourier.
type CourierOptions struct {
	User, Password string // default "alice" / "secret"
	// Capability replaces IMAP_CAPABILITY (default: the package's, with
	// UIDPLUS and IDLE but no MOVE).
	Capability string
}

// Courier is a real Courier-IMAP running from a temporary directory.
type Courier struct {
	t    testing.TB
	opts CourierOptions
	srv  *courierd.Server
}

// SkipWithoutCourier skips the test when Courier cannot run here (saying
// what is missing), or fails it when BOUNDARY_REQUIRE_COURIER=1.
func SkipWithoutCourier(t testing.TB) {
	t.Helper()
	skipWithout(t, "Courier", courierd.Missing(), "BOUNDARY_REQUIRE_COURIER",
		"apt-get install courier-base courier-authlib courier-authlib-userdb courier-authdaemon; apt-get download courier-imap; dpkg -x courier-imap_*.deb "+courierd.DefaultRoot)
}

// StartCourier starts Courier on 127.0.0.1:free-port with one userdb user
// and a maildir. It stops on t.Cleanup.
func StartCourier(t testing.TB, opts CourierOptions) *Courier {
	t.Helper()
	SkipWithoutCourier(t)
	if opts.User == "" {
		opts.User = "alice"
	}
	if opts.Password == "" {
		opts.Password = "secret"
	}
	srv, err := courierd.New(courierd.Options{
		Users:      []courierd.User{{Name: opts.User, Password: opts.Password}},
		Capability: opts.Capability,
	})
	if err != nil {
		t.Fatalf("testimap: %v", err)
	}
	c := &Courier{t: t, opts: opts, srv: srv}
	t.Cleanup(srv.Close)
	c.Start()
	return c
}

// Addr is the IMAP host:port.
func (c *Courier) Addr() string { return c.srv.Addr() }

// Host is always 127.0.0.1.
func (c *Courier) Host() string { return "127.0.0.1" }

// Port is the IMAP port (stable across Stop/Start).
func (c *Courier) Port() int { return c.srv.Port() }

// User is the login name.
func (c *Courier) User() string { return c.opts.User }

// Password is the login password.
func (c *Courier) Password() string { return c.opts.Password }

// Dir is the server's temporary directory.
func (c *Courier) Dir() string { return c.srv.Dir() }

// Folder is the server's name for a personal folder written with "/":
// every folder lives under "INBOX.".
func (c *Courier) Folder(name string) string {
	if strings.EqualFold(name, "INBOX") {
		return name
	}
	return "INBOX." + strings.ReplaceAll(name, "/", ".")
}

// Start starts authdaemond and couriertcpd and waits for the greeting.
func (c *Courier) Start() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.srv.Start(ctx); err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
}

// Stop kills every Courier process, as in a crash.
func (c *Courier) Stop() {
	c.t.Helper()
	if err := c.srv.Stop(); err != nil {
		c.t.Fatalf("testimap: stop courier: %v", err)
	}
}

// Restart is Stop then Start.
func (c *Courier) Restart() {
	c.t.Helper()
	c.Stop()
	c.Start()
}

// Log returns the end of the server's output.
func (c *Courier) Log() string { return c.srv.LogTail() }

// Deliver writes raw into the folder's maildir as a local MDA does.
func (c *Courier) Deliver(mailbox string, raw []byte) {
	c.t.Helper()
	if err := c.TryDeliver(mailbox, raw); err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
}

// TryDeliver is Deliver returning its error.
func (c *Courier) TryDeliver(mailbox string, raw []byte) error {
	return c.srv.Deliver(c.opts.User, mailbox, raw)
}

// CreateMailbox creates a folder ("INBOX.Name") in the maildir.
func (c *Courier) CreateMailbox(name string) {
	c.t.Helper()
	if err := c.srv.CreateMailbox(c.opts.User, name); err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
}

// Messages lists a mailbox's messages over IMAP with EXAMINE and BODY.PEEK.
func (c *Courier) Messages(mailbox string) []Message {
	c.t.Helper()
	msgs, err := c.TryMessages(mailbox)
	if err != nil {
		c.t.Fatalf("testimap: %v", err)
	}
	return msgs
}

// TryMessages is Messages returning its error.
func (c *Courier) TryMessages(mailbox string) ([]Message, error) {
	return listMessages(c.Addr(), c.opts.User, c.opts.Password, mailbox)
}
