package digest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/schedule"
)

// Entry is one held message as the digest shows it. All string fields are untrusted patient text.
type Entry struct {
	FromName    string
	From        string // address
	Subject     string
	Received    time.Time
	Snippet     string // a few lines of new text, quotes and signature already cut
	Attachments []classify.Attachment
	NearMiss    []string // suppressed rule matches, e.g. "suicide-intent (negated)": listed at the top
	Error       string   // set when the message could only partly be read
}

// Options are the digest's settings; none of them is patient text.
type Options struct {
	Lang       string         // a language tag read by locale.Of, "en" (default) or "fr": the digest's own words
	Location   *time.Location // the therapist's timezone (default UTC)
	Window     time.Time      // the window being delivered
	WindowID   string         // schedule.WindowID of that window; required
	From, To   string         // header addresses, e.g. "Cabinet Agostini <dr@example.org>"; To may equal From
	HoldFolder string         // named in the digest when the messages stay held
	Released   bool           // the messages are moved back to the inbox with this digest
	Now        time.Time      // Date header (required: the caller's clock)
	// Key keys the Message-ID (see MessageID): the state directory's
	// secret, at least KeySize bytes (required).
	Key []byte
}

// ErrEmpty is returned by Build for a window with no held message: no digest is delivered then.
var ErrEmpty = errors.New("digest: no held message")

// Kind is the X-Boundary-Kind value of a digest.
const Kind = "digest"

// KeySize is the length of a Message-ID key (Options.Key): the secret
// kept in the state directory.
const KeySize = 32

// MessageID returns the digest's Message-ID, angle brackets included, e.g.
// "<digest.3f9c…@boundaryd>": an HMAC-SHA256 of the window id under key.
// The acknowledgement tells every patient the window, so a Message-ID derived
// from the window alone could be written by anyone (and a forged one in the
// inbox made the daemon skip the digest); keyed with the secret kept in the
// state directory, it is stable for a window and unguessable.
func MessageID(key []byte, windowID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("boundaryd digest message-id\x00"))
	mac.Write([]byte(windowID))
	return "<digest." + hex.EncodeToString(mac.Sum(nil)[:20]) + "@boundaryd>"
}

// Build renders the digest of entries as a complete RFC 5322 message (CRLF line ends, multipart/alternative
// with UTF-8 quoted-printable text and HTML parts). It returns ErrEmpty when entries is empty.
func Build(o Options, entries []Entry) ([]byte, error) {
	if len(entries) == 0 {
		return nil, ErrEmpty
	}
	if strings.TrimSpace(o.WindowID) == "" {
		return nil, errors.New("digest: window id missing")
	}
	if len(o.Key) < KeySize {
		return nil, fmt.Errorf("digest: Message-ID key missing or shorter than %d bytes (Options.Key)", KeySize)
	}
	from, err := parseAddr("from", o.From)
	if err != nil {
		return nil, err
	}
	to := from
	if strings.TrimSpace(o.To) != "" {
		if to, err = parseAddr("to", o.To); err != nil {
			return nil, err
		}
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	if o.Now.IsZero() {
		return nil, errors.New("digest: no time given (Options.Now)")
	}
	w := wordsFor(o.Lang)
	v := buildView(o, w, loc, entries)

	// go-message inserts each field at the top: set them bottom-up so the header reads Date, From, To, Subject.
	var h mail.Header
	h.Set("Content-Language", w.lang.String())
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("X-Boundary-Kind", Kind)
	h.Set("MIME-Version", "1.0")
	h.Set("Message-Id", MessageID(o.Key, o.WindowID))
	h.SetSubject(w.subject(len(entries), len(v.Groups)))
	h.SetAddressList("To", []*mail.Address{to})
	h.SetAddressList("From", []*mail.Address{from})
	h.SetDate(o.Now)

	var text, html bytes.Buffer
	if err := renderText(&text, v); err != nil {
		return nil, fmt.Errorf("digest: text part: %w", err)
	}
	if err := renderHTML(&html, v); err != nil {
		return nil, fmt.Errorf("digest: html part: %w", err)
	}

	var out bytes.Buffer
	mw, err := mail.CreateInlineWriter(&out, h)
	if err != nil {
		return nil, fmt.Errorf("digest: header: %w", err)
	}
	for _, p := range []struct {
		mediaType string
		body      []byte
	}{{"text/plain", text.Bytes()}, {"text/html", html.Bytes()}} {
		var ph mail.InlineHeader
		ph.SetContentType(p.mediaType, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("digest: %s part: %w", p.mediaType, err)
		}
		if _, err := pw.Write(p.body); err != nil {
			return nil, fmt.Errorf("digest: %s part: %w", p.mediaType, err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("digest: %s part: %w", p.mediaType, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("digest: closing: %w", err)
	}
	return out.Bytes(), nil
}

// parseAddr accepts the configured "Name <addr>" or bare address; the result is re-encoded by go-message.
func parseAddr(field, s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("digest: %s address %q: %w", field, s, err)
	}
	return a, nil
}

func windowText(t time.Time, loc *time.Location, lang string) string {
	return schedule.FormatWindow(t, loc, lang)
}
