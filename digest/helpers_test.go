package digest

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
)

// parsed is a digest decoded back with go-message's mail reader, as a mail client would.
type parsed struct {
	header mail.Header
	text   string
	html   string
}

func parseDigest(t testing.TB, raw []byte) parsed {
	t.Helper()
	checkWire(t, raw)
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail reader: %v", err)
	}
	p := parsed{header: mr.Header}
	if mt, _, err := mr.Header.ContentType(); err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q, %v", mt, err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		h, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("unexpected part header %T", part.Header)
		}
		mt, params, err := h.ContentType()
		if err != nil || params["charset"] != "utf-8" {
			t.Fatalf("part content type %q %v: %v", mt, params, err)
		}
		if cte := h.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Fatalf("part %s transfer encoding %q", mt, cte)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("reading %s: %v", mt, err)
		}
		if !utf8.Valid(body) {
			t.Fatalf("%s part is not valid UTF-8", mt)
		}
		switch mt {
		case "text/plain":
			p.text = strings.ReplaceAll(string(body), "\r\n", "\n")
		case "text/html":
			p.html = string(body)
		default:
			t.Fatalf("unexpected part %q", mt)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("missing part: text %d bytes, html %d bytes", len(p.text), len(p.html))
	}
	return p
}

// checkWire checks the raw bytes: CRLF line ends only, lines within RFC 5322's 998, ASCII only (everything
// non-ASCII is encoded).
func checkWire(t testing.TB, raw []byte) {
	t.Helper()
	for i, l := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d: bare CR or LF: %q", i+1, l)
		}
		if len(l) > 998 {
			t.Fatalf("line %d: %d bytes", i+1, len(l))
		}
		for _, c := range l {
			if c >= 0x80 {
				t.Fatalf("line %d: raw 8-bit byte: %q", i+1, l)
			}
		}
	}
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Fatal("message does not end with CRLF")
	}
}

// headerLines returns the unfolded header fields of raw, in order.
func headerLines(raw []byte) []string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var out []string
	for _, l := range strings.Split(string(head), "\r\n") {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
			out[len(out)-1] += l
			continue
		}
		out = append(out, l)
	}
	return out
}

func testOptions() Options {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	w := time.Date(2026, 3, 3, 18, 0, 0, 0, loc)
	return Options{Lang: "en", Location: loc, Window: w, WindowID: "2026-03-03T1800-Europe.Paris",
		From: "Dr Agostini <dr@example.org>", HoldFolder: "Boundary/Held", Now: w, Key: testKey}
}

// testKey is a fixed Message-ID key.
var testKey = bytes.Repeat([]byte{7}, KeySize)
