package imapwatch

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

// server is what the table-driven tests need of either test server.
type server = testimap.Server

type deliverer interface {
	Deliver(mailbox string, raw []byte)
}

// memDeliver adapts Mem.Deliver (which returns the UID) to deliverer.
type memServer struct{ *testimap.Mem }

func (m memServer) Deliver(mailbox string, raw []byte) { m.Mem.Deliver(mailbox, raw) }

type testServer interface {
	server
	deliverer
}

// profile selects server capabilities for a table case.
type profile int

const (
	full   profile = iota // IDLE, MOVE, UIDPLUS
	noMove                // IDLE, no MOVE, no UIDPLUS
	noIdle                // MOVE, UIDPLUS, no IDLE
)

type backend struct {
	name  string
	start func(t *testing.T, p profile) testServer
}

var backends = []backend{
	{"mem", func(t *testing.T, p profile) testServer {
		o := testimap.MemOptions{RefuseCopyTo: []string{"Refused"}}
		switch p {
		case full: // the server's defaults
		case noMove:
			o.Caps = testimap.CapsRev1
		case noIdle:
			o.NoIdle = true
		}
		return memServer{testimap.StartMem(t, o)}
	}},
	{"dovecot", func(t *testing.T, p profile) testServer {
		o := testimap.DovecotOptions{}
		switch p {
		case full: // Dovecot's own capabilities
		case noMove:
			o.ImapCapability = "IMAP4rev1 IDLE LITERAL+ NAMESPACE"
		case noIdle:
			o.ImapCapability = "IMAP4rev1 MOVE UIDPLUS LITERAL+ NAMESPACE"
		}
		return testimap.StartDovecot(t, o)
	}},
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("IMAPWATCH_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func optionsFor(t testing.TB, s server) Options {
	pw := s.Password()
	return Options{
		Host:           s.Host(),
		Port:           s.Port(),
		Security:       SecurityInsecure,
		Username:       s.User(),
		Password:       func(context.Context) (string, error) { return pw, nil },
		HoldFolder:     "Boundary/Held",
		CommandTimeout: 5 * time.Second,
		PollInterval:   time.Second,
		MinBackoff:     50 * time.Millisecond,
		MaxBackoff:     500 * time.Millisecond,
		Logger:         testLogger(t),
	}
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, opts Options) *Session {
	t.Helper()
	s, err := Dial(testCtx(t, 10*time.Second), opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dialSelected(t testing.TB, srv server) *Session {
	t.Helper()
	s := dial(t, optionsFor(t, srv))
	if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
		t.Fatalf("SelectInbox: %v", err)
	}
	return s
}

var msgSeq int

// plainMessage builds a small text/plain message with a unique Message-ID.
func plainMessage(subject, body string) []byte {
	msgSeq++
	return []byte(fmt.Sprintf("From: Ana <ana@example.org>\r\nTo: dr@example.org\r\nSubject: %s\r\n"+
		"Message-ID: <m%d.%d@example.org>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		subject, msgSeq, time.Now().UnixNano(), body))
}

// attachmentMessage builds multipart/mixed: a text part, an HTML part, and
// a base64 attachment of attachBytes bytes.
func attachmentMessage(text string, attachBytes int) []byte {
	msgSeq++
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: ana@example.org\r\nTo: dr@example.org\r\nSubject: scan\r\nMessage-ID: <a%d@example.org>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BND\"\r\n\r\n", msgSeq)
	fmt.Fprintf(&b, "--BND\r\nContent-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n")
	fmt.Fprintf(&b, "--ALT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", text)
	fmt.Fprintf(&b, "--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>\r\n--ALT--\r\n", text)
	fmt.Fprintf(&b, "--BND\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Disposition: attachment; filename=\"scan.pdf\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n")
	payload := bytes.Repeat([]byte("%PDF-1.4 fake content "), attachBytes/22+1)[:attachBytes]
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--BND--\r\n")
	return b.Bytes()
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

func mustMem(t *testing.T) *testimap.Mem {
	return testimap.StartMem(t, testimap.MemOptions{})
}
