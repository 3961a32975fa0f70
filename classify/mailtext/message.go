package mailtext

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decodes ISO-8859-x, windows-125x... bodies and headers
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Message is what classification needs from an e-mail: a few decoded header fields, the header itself, the
// readable text of the body and the list of attachments. Parse and Assemble build it; neither fails: what
// could not be read is listed in Errors.
type Message struct {
	Header      mail.Header // the whole header (Auto-Submitted, List-Id, In-Reply-To, References...)
	MessageID   string      // without angle brackets
	From        string      // sender address, lower case
	FromName    string      // display name, decoded
	Subject     string      // decoded (RFC 2047)
	Date        time.Time   // zero when missing or unreadable
	Body        string      // text of the text parts, HTML turned into text; HTML quotes appear as "> " lines
	Attachments []Attachment
	Truncated   bool     // text beyond the cap was not examined
	Errors      []string // what could not be read
	// FromDoubtful says From could not be read as exactly one address (a
	// syntax error, or several addresses): From is then a best guess (the
	// angle address) and must never be trusted as an allowed sender.
	FromDoubtful bool
}

// Attachment is a non-text part, named but never read.
type Attachment struct {
	Filename  string `json:"filename"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"` // bytes as transferred; -1 when unknown
}

// DefaultMaxText is the text Parse and Assemble keep from one message.
const DefaultMaxText = defaultMaxTextBytes

// Limits that bound the time and memory spent on one message.
const (
	defaultMaxTextBytes = 256 << 10
	maxHeaderBytes      = 1 << 20
	maxInputBytes       = 64 << 20 // never read more than this of one message
	maxDepth            = 40       // nested multiparts followed
	maxParts            = 500      // parts visited
)

// Parse reads a whole RFC 5322 message. It never panics and never fails: a message that is partly unreadable
// yields what could be read, with Errors saying what went wrong. Time and memory are bounded by the input size
// and fixed caps (64 MiB read, 256 KiB of text kept).
func Parse(r io.Reader) *Message {
	return parseLimited(r, defaultMaxTextBytes)
}

// ParseLimited is Parse keeping at most maxText bytes of text.
func ParseLimited(r io.Reader, maxText int) *Message { return parseLimited(r, maxText) }

func parseLimited(r io.Reader, maxText int) (m *Message) {
	m = &Message{}
	defer func() {
		if p := recover(); p != nil {
			m.Errors = append(m.Errors, fmt.Sprintf("parser failure: %v", p))
		}
	}()
	br := bufio.NewReaderSize(io.LimitReader(r, maxInputBytes), 64<<10)
	hdr, extra, err := readHeaderBlock(br, m)
	if err != nil {
		m.Errors = append(m.Errors, err.Error())
	}
	m.setHeader(hdr)
	var body io.Reader = br
	if len(extra) > 0 {
		// Lines that broke the header are most likely the start of the body: keep them as text.
		body = io.MultiReader(bytes.NewReader(extra), br)
	}
	w := &walker{m: m, budget: maxText}
	ent, err := message.New(message.Header{Header: hdr}, body)
	if err != nil {
		m.Errors = append(m.Errors, fmt.Sprintf("body: %v", err))
	}
	if ent == nil {
		return m
	}
	w.walk(ent, 0, "")
	m.Body = w.text.String()
	return m
}

// readHeaderBlock reads the header up to the blank line and parses it leniently: a line that is neither a
// field nor a continuation is set aside (returned as extra) instead of failing the whole message.
func readHeaderBlock(br *bufio.Reader, m *Message) (textproto.Header, []byte, error) {
	var clean, extra bytes.Buffer
	var bad []string
	read := 0
	first, lastBad := true, false
	for {
		line, err := readLine(br, maxHeaderBytes-read)
		read += len(line)
		if len(line) == 0 && err != nil {
			break
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			break // end of header
		}
		switch {
		case (trimmed[0] == ' ' || trimmed[0] == '\t') && !first && !lastBad:
			clean.Write(trimmed)
			clean.WriteString("\r\n")
		case isFieldLine(trimmed):
			clean.Write(trimmed)
			clean.WriteString("\r\n")
			lastBad = false
		default:
			lastBad = true
			if len(bad) < 3 {
				bad = append(bad, truncate(string(trimmed), 60))
			}
			extra.Write(trimmed)
			extra.WriteString("\n")
		}
		first = false
		if err != nil || read >= maxHeaderBytes {
			if read >= maxHeaderBytes {
				bad = append(bad, "header longer than 1 MiB")
			}
			break
		}
	}
	clean.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&clean))
	if err != nil {
		return h, extra.Bytes(), fmt.Errorf("header: %w", err)
	}
	if len(bad) > 0 {
		return h, extra.Bytes(), fmt.Errorf("malformed header line(s) kept as text: %q", bad)
	}
	return h, extra.Bytes(), nil
}

// readLine reads one line, keeping at most limit bytes of it (the rest of an overlong line is dropped).
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var out []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(out) < limit {
			out = append(out, frag[:min(len(frag), limit-len(out))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return out, err
	}
}

func isFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(l[:i], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

var addrRe = regexp.MustCompile(`[A-Za-z0-9._%+\-=']+@[A-Za-z0-9.\-]+`)

// angleRe is an address in angle brackets.
var angleRe = regexp.MustCompile(`<\s*([A-Za-z0-9._%+\-=']+@[A-Za-z0-9.\-]+)\s*>`)

// angleAddress is the last address in angle brackets in a From field that
// does not parse, else the first address-looking word.
func angleAddress(raw string) string {
	if all := angleRe.FindAllStringSubmatch(raw, -1); len(all) > 0 {
		return all[len(all)-1][1]
	}
	return addrRe.FindString(raw)
}

// setHeader fills the decoded header fields, falling back to rough extraction when a field is malformed.
func (m *Message) setHeader(h textproto.Header) {
	m.Header = mail.Header{Header: message.Header{Header: h}}
	if id, err := m.Header.MessageID(); err == nil {
		m.MessageID = id
	} else {
		m.MessageID = strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
	}
	if s, err := m.Header.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = s
		m.Errors = append(m.Errors, fmt.Sprintf("subject: %v", err))
	}
	if addrs, err := m.Header.AddressList("From"); err == nil && len(addrs) > 0 {
		m.From = strings.ToLower(addrs[0].Address)
		m.FromName = addrs[0].Name
		if len(addrs) > 1 {
			m.FromDoubtful = true
			m.Errors = append(m.Errors, fmt.Sprintf("from: %d addresses; the sender is not trusted as allowed", len(addrs)))
		}
	} else if raw := m.Header.Get("From"); raw != "" {
		// "partner@example.org <eve@attacker.example>" does not parse: the
		// address that mail would be answered to is the one in angle
		// brackets, not the words before it.
		m.FromDoubtful = true
		m.From = strings.ToLower(angleAddress(raw))
		if name, _, ok := strings.Cut(raw, "<"); ok {
			if dec, err := m.Header.Text("From"); err == nil {
				name, _, _ = strings.Cut(dec, "<")
			}
			m.FromName = strings.Trim(strings.TrimSpace(name), `"`)
		}
		if err != nil {
			m.Errors = append(m.Errors, fmt.Sprintf("from: %v; the sender is not trusted as allowed", err))
		}
	}
	if d, err := m.Header.Date(); err == nil {
		m.Date = d
	}
	// Undeclared 8-bit bytes in a header stay as they came; make the strings safe to print and to JSON.
	m.Subject = strings.ToValidUTF8(m.Subject, "\uFFFD")
	m.FromName = strings.ToValidUTF8(m.FromName, "\uFFFD")
	m.From = strings.ToValidUTF8(m.From, "")
	m.MessageID = strings.ToValidUTF8(m.MessageID, "\uFFFD")
}

// walker collects text and attachments from an entity tree within the text budget.
type walker struct {
	m      *Message
	budget int
	parts  int
	text   strings.Builder
}

func (w *walker) errorf(format string, args ...any) {
	if len(w.m.Errors) < 20 {
		w.m.Errors = append(w.m.Errors, fmt.Sprintf(format, args...))
	}
}

func (w *walker) walk(e *message.Entity, depth int, path string) {
	w.parts++
	if w.parts > maxParts {
		if w.parts == maxParts+1 {
			w.errorf("more than %d parts: the rest was not read", maxParts)
		}
		return
	}
	mt, params, err := e.Header.ContentType()
	if err != nil && e.Header.Get("Content-Type") != "" {
		w.errorf("part %s: content type: %v", pathOr(path), err)
	}
	mt = strings.ToLower(mt)
	disp, dparams, _ := e.Header.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] == "":
		w.errorf("part %s: multipart without boundary, read as text", pathOr(path))
		w.addText(e, "text/plain", path)
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= maxDepth {
			w.errorf("part %s: multipart nested deeper than %d: not read", pathOr(path), maxDepth)
			return
		}
		w.walkMultipart(e, mt, depth, path)
	case strings.EqualFold(disp, "attachment") || (filename != "" && !strings.HasPrefix(mt, "text/")):
		w.addAttachment(mt, filename, dparams)
	case mt == "" || mt == "text/plain" || mt == "text/html":
		if mt == "" {
			mt = "text/plain"
		}
		w.addText(e, mt, path)
	default:
		w.addAttachment(mt, filename, dparams)
	}
}

func pathOr(p string) string {
	if p == "" {
		return "1"
	}
	return p
}

func (w *walker) addAttachment(mt, filename string, dparams map[string]string) {
	size := int64(-1)
	if s := dparams["size"]; s != "" {
		fmt.Sscan(s, &size)
	}
	if len(w.m.Attachments) < 100 {
		w.m.Attachments = append(w.m.Attachments, Attachment{Filename: filename, MediaType: mt, Size: size})
	}
}

// walkMultipart visits the parts; for multipart/alternative it keeps the plain text version when there is one.
func (w *walker) walkMultipart(e *message.Entity, mt string, depth int, path string) {
	mr := e.MultipartReader()
	if mr == nil {
		return
	}
	alt := mt == "multipart/alternative"
	var plain, html strings.Builder
	n := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				w.errorf("part %s: %v", pathOr(path), err)
				break
			}
			w.errorf("part %s.%d: %v", pathOr(path), n+1, err)
		}
		if p == nil {
			break
		}
		n++
		sub := fmt.Sprintf("%d", n)
		if path != "" {
			sub = path + "." + sub
		}
		if !alt {
			w.walk(p, depth+1, sub)
			continue
		}
		// Inside an alternative: collect each version separately, then keep one.
		saved := w.text
		w.text = strings.Builder{}
		pmt, _, _ := p.Header.ContentType()
		w.walk(p, depth+1, sub)
		got := w.text.String()
		w.text = saved
		if strings.EqualFold(pmt, "text/html") {
			if html.Len() == 0 {
				html.WriteString(got)
			}
		} else if plain.Len() == 0 {
			plain.WriteString(got)
		}
		if w.parts > maxParts {
			break
		}
	}
	switch {
	case strings.TrimSpace(plain.String()) != "":
		w.text.WriteString(plain.String())
	case html.Len() > 0:
		w.text.WriteString(html.String())
	}
}

// addText reads a text part within the budget, keeping what was read when decoding fails half way.
func (w *walker) addText(e *message.Entity, mt, path string) {
	if w.budget <= 0 {
		w.m.Truncated = true
		return
	}
	limit := w.budget
	if mt == "text/html" {
		limit = w.budget * 4 // markup is dropped; the text kept still respects the budget
	}
	data, err := io.ReadAll(io.LimitReader(e.Body, int64(limit)+1))
	if err != nil {
		w.errorf("part %s: %v (kept %d bytes)", pathOr(path), err, len(data))
	}
	if len(data) > limit {
		data = data[:limit]
		w.m.Truncated = true
	}
	w.appendText(data, mt)
}

func (w *walker) appendText(data []byte, mt string) {
	var s string
	if mt == "text/html" {
		s = strings.ToValidUTF8(htmlToText(data), "\uFFFD")
	} else {
		s = string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if len(s) > w.budget {
		s = strings.ToValidUTF8(s[:w.budget], "")
		w.m.Truncated = true
	}
	w.budget -= len(s)
	if w.text.Len() > 0 && strings.TrimSpace(s) != "" {
		w.text.WriteString("\n\n")
	}
	w.text.WriteString(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
