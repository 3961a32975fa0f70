package testimap

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/boundaryd/boundaryd/internal/memimap"
	"github.com/boundaryd/boundaryd/internal/tlscert"
)

// Capability profiles for MemOptions.Caps.
const (
	// CapsFull advertises IMAP4rev1 plus IDLE, MOVE and UIDPLUS.
	CapsFull = "full"
	// CapsRev1 advertises plain IMAP4rev1 (with IDLE): no MOVE, no UIDPLUS.
	CapsRev1 = "rev1"
)

// MemOptions.HideUIDNext values.
const (
	HideUIDNextSelect = "select"
	HideUIDNextAll    = "all"
)

// TLS modes for MemOptions.TLS.
const (
	TLSNone     = ""
	TLSImplicit = "tls"
	TLSStartTLS = "starttls"
)

// MemOptions configures StartMem.
type MemOptions struct {
	User, Password string // default "alice" / "secret"
	// Caps is CapsFull (default) or CapsRev1.
	Caps string
	// NoIdle hides the IDLE capability from clients (a filter in front of
	// the server rewrites CAPABILITY lines), to exercise polling.
	NoIdle bool
	// HideUIDNext removes UIDNEXT from SELECT answers, as Courier does
	// (HideUIDNextSelect), or from STATUS answers too (HideUIDNextAll).
	HideUIDNext string
	// TLS serves implicit TLS or STARTTLS with a self-signed certificate;
	// Mem.ClientTLS returns a client config trusting it.
	TLS string
	// Mailboxes are created at start, in addition to INBOX.
	Mailboxes []string
	// OAuthToken, when set, makes the server offer SASL PLAIN, XOAUTH2 and
	// OAUTHBEARER; the bearer mechanisms accept User with this token
	// (SetOAuthToken rotates it).
	OAuthToken string
	// RefuseCopyTo lists mailboxes that COPY, MOVE, CREATE and APPEND
	// refuse with NO, to test how a client copes with a refused COPY.
	RefuseCopyTo []string
}

// Mem is a running go-imap in-memory server.
type Mem struct {
	t        testing.TB
	opts     MemOptions
	user     *imapmemserver.User
	srv      *imapserver.Server
	ln       net.Listener
	front    *capFilter
	tlsCfg   *tls.Config
	clientTL *tls.Config

	mu         sync.Mutex
	closed     bool
	oauthToken string
}

// StartMem starts an in-memory IMAP server on 127.0.0.1:0 with one user
// and INBOX; it stops on t.Cleanup.
func StartMem(t testing.TB, opts MemOptions) *Mem {
	t.Helper()
	if opts.User == "" {
		opts.User = "alice"
	}
	if opts.Password == "" {
		opts.Password = "secret"
	}
	m := &Mem{t: t, opts: opts, oauthToken: opts.OAuthToken}

	mem := imapmemserver.New()
	m.user = imapmemserver.NewUser(opts.User, opts.Password)
	for _, name := range append([]string{"INBOX"}, opts.Mailboxes...) {
		if err := m.user.Create(name, nil); err != nil {
			t.Fatalf("testimap: create %q: %v", name, err)
		}
	}
	mem.AddUser(m.user)

	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if opts.Caps == "" || opts.Caps == CapsFull {
		for _, c := range []imap.Cap{imap.CapMove, imap.CapUIDPlus, imap.CapNamespace, imap.CapUnselect, imap.CapLiteralPlus} {
			caps[c] = struct{}{}
		}
	} else if opts.Caps != CapsRev1 {
		t.Fatalf("testimap: unknown Caps %q", opts.Caps)
	}

	srvOpts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			inner := mem.NewSession().(imapserver.SessionIMAP4rev2)
			sess := &memimap.Session{SessionIMAP4rev2: inner, Refuse: opts.RefuseCopyTo}
			if opts.OAuthToken != "" {
				return &memSASLSession{Session: sess, mem: m}, nil, nil
			}
			return sess, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	}
	if opts.TLS != TLSNone {
		var err error
		if m.tlsCfg, m.clientTL, err = tlscert.New("testimap"); err != nil {
			t.Fatalf("testimap: %v", err)
		}
		if opts.TLS == TLSStartTLS {
			srvOpts.TLSConfig = m.tlsCfg
		}
	}
	m.srv = imapserver.New(srvOpts)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testimap: listen: %v", err)
	}
	serveLn := ln
	if opts.NoIdle || opts.HideUIDNext != "" {
		// The filter owns the public address and forwards to a private one.
		hide := ""
		if opts.NoIdle {
			hide = "IDLE"
		}
		m.front = newCapFilter(t, ln, hide)
		switch opts.HideUIDNext {
		case "":
		case HideUIDNextSelect, HideUIDNextAll:
			m.front.rewrite = hideUIDNext(opts.HideUIDNext == HideUIDNextAll)
		default:
			t.Fatalf("testimap: unknown HideUIDNext %q", opts.HideUIDNext)
		}
		serveLn, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testimap: listen: %v", err)
		}
		m.front.target = serveLn.Addr().String()
		go m.front.serve()
	}
	if opts.TLS == TLSImplicit {
		serveLn = tls.NewListener(serveLn, m.tlsCfg)
	}
	m.ln = serveLn
	go func() { _ = m.srv.Serve(serveLn) }()
	t.Cleanup(m.Close)
	return m
}

// Addr is the host:port clients connect to.
func (m *Mem) Addr() string {
	if m.front != nil {
		return m.front.ln.Addr().String()
	}
	return m.ln.Addr().String()
}

// Host is always 127.0.0.1.
func (m *Mem) Host() string { return "127.0.0.1" }

// Port is the port of Addr.
func (m *Mem) Port() int {
	if m.front != nil {
		return m.front.ln.Addr().(*net.TCPAddr).Port
	}
	return m.ln.Addr().(*net.TCPAddr).Port
}

// User is the login name.
func (m *Mem) User() string { return m.opts.User }

// Password is the login password.
func (m *Mem) Password() string { return m.opts.Password }

// ClientTLS returns a client TLS config trusting the server's certificate
// (nil when the server runs without TLS).
func (m *Mem) ClientTLS() *tls.Config {
	if m.clientTL == nil {
		return nil
	}
	return m.clientTL.Clone()
}

// Deliver appends raw to mailbox as an MTA would (no flags, internal date now)
// and returns the new UID. IDLE clients see EXISTS at once.
func (m *Mem) Deliver(mailbox string, raw []byte) uint32 {
	m.t.Helper()
	data, err := m.user.Append(mailbox, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: time.Now()})
	if err != nil {
		m.t.Fatalf("testimap: deliver to %q: %v", mailbox, err)
	}
	return uint32(data.UID)
}

// CreateMailbox creates a mailbox on the server side.
func (m *Mem) CreateMailbox(name string) {
	m.t.Helper()
	if err := m.user.Create(name, nil); err != nil {
		m.t.Fatalf("testimap: create %q: %v", name, err)
	}
}

// ResetMailbox deletes and re-creates a mailbox, which gives it a new
// UIDVALIDITY (the only way the memory server changes it).
func (m *Mem) ResetMailbox(name string) {
	m.t.Helper()
	if err := m.user.Delete(name); err != nil {
		m.t.Fatalf("testimap: delete %q: %v", name, err)
	}
	m.CreateMailbox(name)
}

// Messages lists a mailbox's messages (raw bytes and flags) without
// changing them.
func (m *Mem) Messages(mailbox string) []Message {
	m.t.Helper()
	msgs, err := m.TryMessages(mailbox)
	if err != nil {
		m.t.Fatalf("testimap: %v", err)
	}
	return msgs
}

// TryMessages is Messages returning its error, for use off the test goroutine.
func (m *Mem) TryMessages(mailbox string) ([]Message, error) {
	if m.opts.TLS != TLSNone {
		return nil, errors.New("testimap: Messages is not available on a TLS server")
	}
	return listMessages(m.ln.Addr().String(), m.opts.User, m.opts.Password, mailbox)
}

// Close stops the server and drops every connection without BYE.
func (m *Mem) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.closed = true
	_ = m.srv.Close()
	if m.front != nil {
		m.front.close()
	}
}

type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }
