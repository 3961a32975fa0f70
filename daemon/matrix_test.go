package daemon

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// The server matrix: the daemon's core behaviours against every IMAP server
// the tests can run here: go-imap's memory server, Dovecot, Cyrus (its
// default namespace and the legacy one with folders under "INBOX."), and
// Courier (no MOVE, no UIDNEXT at SELECT, folders under "INBOX."). Each
// subtest logs its counts; every message must be in exactly one place, its
// bytes unchanged, unseen.

// matrixServer is a deliverer that can also crash and come back and change
// a mailbox's UIDVALIDITY, where the server allows it.
type matrixServer interface {
	deliverer
	// crash kills the server as in a crash and starts it again; it reports
	// why not when the server cannot be restarted.
	crash() (whyNot string)
	// newUIDValidity gives mailbox a new UIDVALIDITY, or says why it cannot.
	newUIDValidity(mailbox string) (whyNot string)
}

// matrixProfile is what the server advertises.
type matrixProfile int

const (
	profileDefault matrixProfile = iota // as the server ships (Courier has no MOVE)
	profileNoMove                       // MOVE hidden: the COPY fallback
)

var matrix = []struct {
	name  string
	start func(t *testing.T, p matrixProfile) matrixServer
}{
	{"memory", func(t *testing.T, p matrixProfile) matrixServer {
		o := testimap.MemOptions{}
		if p == profileNoMove {
			o.Caps = testimap.CapsRev1
		}
		return memServer{testimap.StartMem(t, o)}
	}},
	{"dovecot", func(t *testing.T, p matrixProfile) matrixServer {
		o := testimap.DovecotOptions{}
		if p == profileNoMove {
			o.ImapCapability = "IMAP4rev1 IDLE UIDPLUS NAMESPACE"
		}
		return doveServer{testimap.StartDovecot(t, o)}
	}},
	{"cyrus", func(t *testing.T, p matrixProfile) matrixServer {
		return startCyrusMatrix(t, p, false)
	}},
	{"cyrus-legacy", func(t *testing.T, p matrixProfile) matrixServer {
		return startCyrusMatrix(t, p, true)
	}},
	{"courier", func(t *testing.T, p matrixProfile) matrixServer {
		o := testimap.CourierOptions{}
		if p == profileNoMove {
			// Courier never offers MOVE; this hides UIDPLUS too, so the
			// originals can only be flagged \Deleted.
			o.Capability = "IMAP4rev1 CHILDREN NAMESPACE IDLE"
		}
		return &courierServer{Courier: testimap.StartCourier(t, o)}
	}},
}

func startCyrusMatrix(t *testing.T, p matrixProfile, legacy bool) matrixServer {
	o := testimap.CyrusOptions{Legacy: legacy}
	if p == profileNoMove {
		o.SuppressCaps = []string{"MOVE"}
	}
	return &cyrusServer{Cyrus: testimap.StartCyrus(t, o)}
}

func (m memServer) crash() string {
	return "the memory server cannot be restarted (its Close drops the mailboxes)"
}

func (m memServer) newUIDValidity(string) string {
	return "the memory server changes UIDVALIDITY only by deleting the mailbox and its mail"
}

func (d doveServer) crash() string { d.Restart(); return "" }

func (d doveServer) newUIDValidity(mailbox string) string {
	d.SetUIDValidity(mailbox, uint32(time.Now().Unix()%100000+7))
	return ""
}

// cyrusServer adapts Cyrus. Messages are listed by the names the daemon's
// configuration uses ("Held" is "INBOX.Held" on the legacy layout), and the
// trace headers lmtpd prepends at delivery are taken off a message whose
// remaining bytes are exactly what was delivered, so the checks compare
// what the daemon may have changed.
type cyrusServer struct {
	*testimap.Cyrus
	mu        sync.Mutex
	delivered [][]byte
}

func (c *cyrusServer) deliver(mailbox string, raw []byte) {
	c.mu.Lock()
	c.delivered = append(c.delivered, raw)
	c.mu.Unlock()
	c.Deliver(c.Folder(mailbox), raw)
}

func (c *cyrusServer) Messages(mailbox string) []testimap.Message {
	return c.undoTrace(c.Cyrus.Messages(c.Folder(mailbox)))
}

func (c *cyrusServer) TryMessages(mailbox string) ([]testimap.Message, error) {
	msgs, err := c.Cyrus.TryMessages(c.Folder(mailbox))
	return c.undoTrace(msgs), err
}

// undoTrace replaces each message that is a delivered one behind lmtpd's
// trace headers (testimap.Cyrus.Stored) by the delivered bytes.
func (c *cyrusServer) undoTrace(msgs []testimap.Message) []testimap.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range msgs {
		for _, raw := range c.delivered {
			if c.Stored(msgs[i].Raw, raw) {
				msgs[i].Raw = raw
				break
			}
		}
	}
	return msgs
}

func (c *cyrusServer) CreateMailbox(name string) { c.Cyrus.CreateMailbox(c.Folder(name)) }

func (c *cyrusServer) crash() string { c.Restart(); return "" }

func (c *cyrusServer) newUIDValidity(string) string {
	return "Cyrus offers no supported way to change a mailbox's UIDVALIDITY"
}

// courierServer adapts Courier: folders are listed by the configuration's
// names ("Held" is "INBOX.Held").
type courierServer struct{ *testimap.Courier }

func (c *courierServer) deliver(mailbox string, raw []byte) { c.Deliver(c.Folder(mailbox), raw) }

func (c *courierServer) Messages(mailbox string) []testimap.Message {
	return c.Courier.Messages(c.Folder(mailbox))
}

func (c *courierServer) TryMessages(mailbox string) ([]testimap.Message, error) {
	return c.Courier.TryMessages(c.Folder(mailbox))
}

func (c *courierServer) CreateMailbox(name string) { c.Courier.CreateMailbox(c.Folder(name)) }

func (c *courierServer) crash() string { c.Restart(); return "" }

// newUIDValidity rewrites the UIDVALIDITY Courier keeps in the maildir's
// courierimapuiddb while the server is down, as a restore from backup does.
func (c *courierServer) newUIDValidity(mailbox string) string {
	if !strings.EqualFold(mailbox, "INBOX") {
		return "only INBOX is supported"
	}
	c.Stop()
	defer c.Start()
	p := filepath.Join(c.Dir(), "home", c.User(), "Maildir", "courierimapuiddb")
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Sprintf("reading %s: %v", p, err)
	}
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(first))
	if len(f) != 3 {
		return fmt.Sprintf("unexpected courierimapuiddb header %q", first)
	}
	v, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		return fmt.Sprintf("unexpected courierimapuiddb header %q", first)
	}
	f[1] = strconv.FormatUint(v+1000, 10)
	out := append([]byte(strings.Join(f, " ")+"\n"), rest...)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		return err.Error()
	}
	return ""
}

// TestServerMatrix runs the core behaviours against every server.
func TestServerMatrix(t *testing.T) {
	for _, row := range matrix {
		t.Run(row.name, func(t *testing.T) {
			t.Run("hold-escalate", func(t *testing.T) { matrixHoldEscalate(t, row.start(t, profileDefault)) })
			t.Run("without-move", func(t *testing.T) { matrixHoldEscalate(t, row.start(t, profileNoMove)) })
			t.Run("default-hold-folder", func(t *testing.T) { matrixDefaultFolder(t, row.start(t, profileDefault)) })
			t.Run("window-release", func(t *testing.T) { matrixWindow(t, row.start(t, profileDefault)) })
			t.Run("restart", func(t *testing.T) { matrixRestart(t, row.start(t, profileDefault)) })
			t.Run("kill-9", func(t *testing.T) { kill9(t, row.start(t, profileDefault), 30) })
			t.Run("uidvalidity", func(t *testing.T) { matrixUIDValidity(t, row.start(t, profileDefault)) })
		})
	}
}

// startMatrixEnv is startEnv, plus the daemon's log when the scenario ran
// unusually long (one Courier run once took a minute; the log says why).
func startMatrixEnv(t *testing.T, srv matrixServer, o envOpts) *env {
	e := startEnv(t, srv, o)
	start := time.Now()
	t.Cleanup(func() {
		if d := time.Since(start); d > 15*time.Second && !t.Failed() {
			t.Logf("slow scenario (%s); daemon log:\n%s", d.Round(time.Millisecond), tail(e.logs.String(), 6000))
		}
	})
	return e
}

// matrixHoldEscalate: mail already there at the first start stays as it is
// (backlog: new, even where SELECT carries no UIDNEXT); then patients' mail
// is held, emergencies stay in the inbox flagged \Flagged and $Emergency
// and are alerted once on both channels.
func matrixHoldEscalate(t *testing.T, srv matrixServer) {
	old := makeBatch(4, "old") // #3 is an old emergency: it must not page anyone
	for _, raw := range old.raws {
		srv.deliver("INBOX", raw)
	}
	e := startMatrixEnv(t, srv, envOpts{})
	e.waitReady()
	b := makeBatch(20, "core")
	for _, raw := range b.raws {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, len(b.raws))
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop()
	o := check(t, srv, b, smtpIDs, hookIDs)
	assertOutcome(t, o, b, 0)
	inbox := srv.Messages("INBOX")
	for i, raw := range old.raws {
		m, ok := find(inbox, raw)
		if !ok || m.HasFlag(`\Seen`) || m.HasFlag(`\Flagged`) || hasFlagFold(m, imapwatch.EmergencyKeyword) {
			t.Errorf("old message %d touched (backlog: new): in inbox %v, flags %v", i, ok, m.Flags)
		}
	}
	for _, id := range append(smtpIDs, hookIDs...) {
		if strings.Contains(id, "old-") {
			t.Errorf("an old emergency was alerted: %s", id)
		}
	}
	for i := range b.emergency {
		m, _ := find(inbox, b.raws[i])
		if !m.HasFlag(`\Flagged`) || !hasFlagFold(m, imapwatch.EmergencyKeyword) {
			t.Errorf("emergency %d flags %v, want \\Flagged and %s", i, m.Flags, imapwatch.EmergencyKeyword)
		}
	}
}

// matrixDefaultFolder: with the default hold folder (Boundary/Held), mail
// is held where the server puts personal folders (INBOX.Boundary.Held on
// Courier and legacy Cyrus).
func matrixDefaultFolder(t *testing.T, srv matrixServer) {
	e := startMatrixEnv(t, srv, envOpts{holdFolder: config.DefaultHoldFolder})
	e.waitReady()
	b := makeBatch(10, "default")
	for _, raw := range b.raws {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, len(b.raws))
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop()
	inbox, held := srv.Messages("INBOX"), srv.Messages(config.DefaultHoldFolder)
	var o outcome
	for i, raw := range b.raws {
		mi, ni := find(inbox, raw)
		mh, nh := find(held, raw)
		switch {
		case !ni && !nh:
			o.missing++
		case ni && nh:
			o.duplicated++
		case b.emergency[i] != ni:
			o.wrongPlace++
		}
		if (ni && mi.HasFlag(`\Seen`)) || (nh && mh.HasFlag(`\Seen`)) {
			o.seen++
		}
		if ni {
			o.inInbox++
		}
		if nh {
			o.inHeld++
		}
	}
	o.smtpAlerts, o.hookAlerts = len(smtpIDs), len(hookIDs)
	t.Logf("outcome (%s): %s", config.DefaultHoldFolder, o)
	if o.missing+o.duplicated+o.wrongPlace+o.seen != 0 || o.inHeld != len(b.raws)-b.emergencies() ||
		o.smtpAlerts != b.emergencies() || o.hookAlerts != b.emergencies() {
		t.Errorf("with the default hold folder: %s", o)
	}
}

// matrixWindow: held mail is listed in a digest at the reading window and
// released to the inbox, unchanged and unseen.
func matrixWindow(t *testing.T, srv matrixServer) {
	// Tuesday 1 December 2026, 17:00 in Paris; the window is at 18:00.
	clk := clock.NewFake(time.Date(2026, 12, 1, 17, 0, 0, 0, paris))
	e := startMatrixEnv(t, srv, envOpts{clock: clk})
	e.waitReady()
	b := makeBatch(6, "window")
	b.emergency = map[int]bool{} // all benign
	for i := range b.raws {
		b.raws[i] = bytes.Replace(b.raws[i], []byte(emergencyBody), []byte(benignBody), 1)
	}
	for _, raw := range b.raws {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, len(b.raws))
	if n := len(srv.Messages("Held")); n != len(b.raws) {
		t.Fatalf("%d held before the window, want %d", n, len(b.raws))
	}
	clk.Set(time.Date(2026, 12, 1, 18, 0, 30, 0, paris))
	w := e.waitWindow()
	e.stop()
	if w.Messages != len(b.raws) || !w.Digest || w.Released != len(b.raws) {
		t.Errorf("window result %+v", w)
	}
	b.released = true
	o := check(t, srv, b, nil, nil)
	assertOutcome(t, o, b, 0)
	if ds := digests(srv.Messages("INBOX")); len(ds) != 1 {
		t.Errorf("%d digests in the inbox, want 1", len(ds))
	}
}

// matrixRestart: the server crashes and comes back while mail arrives, then
// the daemon itself stops and a new one starts on the same state.
func matrixRestart(t *testing.T, srv matrixServer) {
	e := startMatrixEnv(t, srv, envOpts{})
	e.waitReady()
	b := makeBatch(30, "restart")
	for _, raw := range b.raws[:10] {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, 10)
	if why := srv.crash(); why != "" {
		t.Logf("no server crash: %s", why)
	}
	for _, raw := range b.raws[10:20] {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, 10)
	e.stop()
	e.start()
	for _, raw := range b.raws[20:] {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, 10)
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop()
	assertOutcome(t, check(t, srv, b, smtpIDs, hookIDs), b, 0)
}

// matrixUIDValidity: the inbox's UIDVALIDITY changes between two batches;
// what was handled is recognised, the rest handled once.
func matrixUIDValidity(t *testing.T, srv matrixServer) {
	e := startMatrixEnv(t, srv, envOpts{})
	e.waitReady()
	b := makeBatch(20, "uidv")
	for _, raw := range b.raws[:10] {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, 10)
	if why := srv.newUIDValidity("INBOX"); why != "" {
		e.stop()
		t.Skipf("UIDVALIDITY cannot be changed here: %s", why)
	}
	for _, raw := range b.raws[10:] {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, 10)
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop()
	assertOutcome(t, check(t, srv, b, smtpIDs, hookIDs), b, 0)
	if !strings.Contains(e.logs.String(), "UIDVALIDITY changed") {
		t.Errorf("the UIDVALIDITY change was not noticed")
	}
}

// hasFlagFold matches a keyword case-insensitively (the memory server
// lowercases keywords; IMAP keywords compare without case).
func hasFlagFold(m testimap.Message, flag string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}
