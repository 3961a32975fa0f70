package mailtext

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"sort"
	"strings"

	"github.com/emersion/go-message"
)

// Part is one MIME leaf as an IMAP server describes it (BODYSTRUCTURE), with its raw, still transfer-encoded
// body when it was fetched. Attachments are described but never fetched.
type Part struct {
	Path        string // IMAP section path: "1", "1.2", ...
	MediaType   string // "text/plain"
	Charset     string
	Encoding    string // Content-Transfer-Encoding: base64, quoted-printable, 7bit...
	Disposition string // inline, attachment, or empty
	Filename    string
	Size        int64  // encoded size from BODYSTRUCTURE
	Body        []byte // raw body as fetched; nil when not fetched
	Truncated   bool   // the fetch was cut short (partial FETCH)
}

// IsText reports whether the part is a body text worth classifying.
func (p Part) IsText() bool {
	if p.MediaType != "text/plain" && p.MediaType != "text/html" {
		return false
	}
	return p.Disposition != "attachment" && p.Filename == ""
}

// Assemble builds the same Message as Parse from a partial IMAP fetch: the header bytes and the message's parts,
// of which only the text ones carry a body. Within a multipart/alternative group (siblings under the same
// parent path) the plain text version is kept when there is one. Like Parse it never fails.
func Assemble(header []byte, parts []Part) (m *Message) {
	return assembleLimited(header, parts, defaultMaxTextBytes)
}

func assembleLimited(header []byte, parts []Part, maxText int) (m *Message) {
	m = &Message{}
	defer func() {
		if p := recover(); p != nil {
			m.Errors = append(m.Errors, fmt.Sprintf("parser failure: %v", p))
		}
	}()
	if len(header) > maxHeaderBytes {
		header = header[:maxHeaderBytes]
	}
	hdr, extra, err := readHeaderBlock(bufio.NewReader(bytes.NewReader(header)), m)
	if err != nil {
		m.Errors = append(m.Errors, err.Error())
	}
	m.setHeader(hdr)
	w := &walker{m: m, budget: maxText}
	if len(extra) > 0 {
		w.appendText(extra, "text/plain")
	}
	// Which parents hold a plain text part: their HTML siblings are the same text again.
	hasPlain := map[string]bool{}
	for _, p := range parts {
		if isTextPart(p) && strings.EqualFold(p.MediaType, "text/plain") && len(bytes.TrimSpace(p.Body)) > 0 {
			hasPlain[parentPath(p.Path)] = true
		}
	}
	sorted := append([]Part(nil), parts...)
	sort.SliceStable(sorted, func(i, j int) bool { return pathLess(sorted[i].Path, sorted[j].Path) })
	for _, p := range sorted {
		if !isTextPart(p) {
			if len(m.Attachments) < 100 {
				m.Attachments = append(m.Attachments, Attachment{Filename: p.Filename, MediaType: strings.ToLower(p.MediaType), Size: p.Size})
			}
			continue
		}
		mt := strings.ToLower(p.MediaType)
		if mt == "text/html" && hasPlain[parentPath(p.Path)] {
			continue
		}
		if p.Body == nil {
			continue
		}
		if p.Truncated {
			m.Truncated = true
		}
		data, err := decodePart(p)
		if err != nil {
			w.errorf("part %s: %v (kept %d bytes)", pathOr(p.Path), err, len(data))
		}
		if w.budget <= 0 {
			m.Truncated = true
			break
		}
		if len(data) > w.budget*4 {
			data = data[:w.budget*4]
			m.Truncated = true
		}
		w.appendText(data, mt)
	}
	m.Body = w.text.String()
	return m
}

func isTextPart(p Part) bool {
	mt := strings.ToLower(p.MediaType)
	if strings.EqualFold(p.Disposition, "attachment") {
		return false
	}
	return mt == "text/plain" || mt == "text/html" || mt == ""
}

// decodePart undoes the transfer encoding and the charset, keeping what was decoded before any error.
func decodePart(p Part) ([]byte, error) {
	h := message.Header{}
	if p.Encoding != "" {
		h.Set("Content-Transfer-Encoding", p.Encoding)
	}
	mt := p.MediaType
	if mt == "" {
		mt = "text/plain"
	}
	params := map[string]string{}
	if p.Charset != "" {
		params["charset"] = p.Charset
	}
	h.Set("Content-Type", mime.FormatMediaType(mt, params))
	e, err := message.New(h, bytes.NewReader(p.Body))
	if e == nil {
		return nil, err
	}
	data, rerr := io.ReadAll(io.LimitReader(e.Body, int64(len(p.Body))*4+1024))
	if rerr != nil {
		return data, rerr
	}
	return data, err
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// pathLess orders IMAP section paths numerically ("1.2" < "1.10").
func pathLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		var x, y int
		fmt.Sscan(as[i], &x)
		fmt.Sscan(bs[i], &y)
		if x != y {
			return x < y
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}
