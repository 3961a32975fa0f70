package autoreply

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/safetext"
)

// Kind is the X-Boundary-Kind value of an acknowledgement.
const Kind = "auto-reply"

// Options configure the acknowledgement; templates use text/template with Data.
type Options struct {
	From            string    // "Name <addr>": the therapist's sending address
	SubjectTemplate string    // default DefaultSubject(Lang): nothing of the patient's
	BodyTemplate    string    // default: a short text in Lang
	Lang            string    // a language tag read by locale.Of, "en" (default) or "fr": the default body and Content-Language
	Now             time.Time // Date header and Message-ID (required: the caller's clock)
	Hostname        string    // right side of the Message-ID; default "boundaryd"
}

// Data is what the templates may use: {{.NextWindow}}, {{.SenderName}}, {{.Subject}}. Build cleans SenderName
// and Subject (taken from the message when empty) before rendering.
type Data struct {
	NextWindow string // already formatted, e.g. schedule.FormatWindow(next, loc, lang)
	SenderName string
	Subject    string
}

// DefaultSubject returns the subject used when none is configured, in lang.
// It reflects nothing from the patient's message: whoever forges a sender
// must not be able to choose words that the therapist's account sends.
func DefaultSubject(lang string) string {
	return locale.Pick(locale.Of(lang), "Message received", "Message reçu")
}

// The default body names no one, for the same reason as DefaultSubject.
const (
	defaultBodyEN = "Hello,\n\n" +
		"Thank you for your message. I read my messages at set times; I will read yours at the next reading, {{.NextWindow}}.\n\n" +
		"In an emergency, please call your local emergency number (112 in Europe).\n\n" +
		"This is an automatic reply."
	defaultBodyFR = "Bonjour,\n\n" +
		"Merci pour votre message. Je lis mes messages à des moments fixes ; je lirai le vôtre lors de la prochaine lecture, {{.NextWindow}}.\n\n" +
		"En cas d'urgence, appelez le 15 ou le 112 ; en cas de pensées suicidaires, le 3114.\n\n" +
		"Ceci est une réponse automatique."
)

// Bounds on what a patient's message can put into the reply's header.
const (
	maxSubjectRunes = 200
	maxNameRunes    = 80
	maxRefs         = 10
	maxRefsBytes    = 1800
	maxMsgIDBytes   = 250
	maxBodyBytes    = 64 << 10
)

// DefaultBody returns the body template used when none is configured, in lang (a tag read by locale.Of).
func DefaultBody(lang string) string {
	return locale.Pick(locale.Of(lang), defaultBodyEN, defaultBodyFR)
}

// Build renders the acknowledgement of m, addressed to m's From. The header carries RFC 3834's
// "Auto-Submitted: auto-replied", X-Boundary-Kind, In-Reply-To and References; every value taken from the
// patient's message is cleaned of line breaks and controls, truncated and RFC 2047-encoded where needed.
// It returns the message and the bare recipient address for the SMTP envelope.
//
// No Precedence field is written: RFC 3834 advises against it, and "Precedence: bulk" sends the reply to the
// spam folder of some providers, where the patient would miss the emergency numbers it gives. Responders that
// predate RFC 3834 are asked to stay quiet with X-Auto-Response-Suppress instead.
func Build(o Options, m *classify.Message, d Data) (raw []byte, to string, err error) {
	if m == nil {
		return nil, "", errors.New("autoreply: no message")
	}
	from, err := mail.ParseAddress(strings.TrimSpace(o.From))
	if err != nil {
		return nil, "", fmt.Errorf("autoreply: from address %q: %w", o.From, err)
	}
	rcpt, err := mail.ParseAddress(strings.TrimSpace(m.From))
	if err != nil || rcpt.Address == "" || strings.ContainsAny(rcpt.Address, "\r\n<>, ") {
		return nil, "", errors.New("autoreply: the message has no usable From address")
	}
	to = rcpt.Address
	if d.SenderName == "" {
		d.SenderName = m.FromName
	}
	if d.Subject == "" {
		d.Subject = m.Subject
	}
	d.SenderName = oneLine(d.SenderName, maxNameRunes)
	d.Subject = oneLine(d.Subject, maxSubjectRunes)
	d.NextWindow = oneLine(d.NextWindow, 200)

	subjTmpl := o.SubjectTemplate
	if strings.TrimSpace(subjTmpl) == "" {
		subjTmpl = DefaultSubject(o.Lang)
	}
	subject, err := render("subject", subjTmpl, d)
	if err != nil {
		return nil, "", err
	}
	subject = collapseReplyPrefix(oneLine(subject, maxSubjectRunes+10))
	bodyTmpl := o.BodyTemplate
	if strings.TrimSpace(bodyTmpl) == "" {
		bodyTmpl = DefaultBody(o.Lang)
	}
	body, err := render("body", bodyTmpl, d)
	if err != nil {
		return nil, "", err
	}
	body = strings.ToValidUTF8(strings.ReplaceAll(body, "\r\n", "\n"), "\uFFFD")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}

	now := o.Now
	if now.IsZero() {
		return nil, "", errors.New("autoreply: no time given (Options.Now)")
	}
	host := o.Hostname
	if !validIDPart(host) {
		host = "boundaryd"
	}

	// go-message inserts each field at the top: set them bottom-up so the header reads Date, From, To, Subject.
	var h mail.Header
	h.Set("X-Auto-Response-Suppress", "All")
	h.Set("X-Boundary-Kind", Kind)
	h.Set("Auto-Submitted", "auto-replied")
	h.Set("MIME-Version", "1.0")
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	h.Set("Content-Language", locale.Of(o.Lang).String())
	parent := m.MessageID
	if validMsgID(parent) {
		if refs := references(m, parent); len(refs) > 0 {
			h.SetMsgIDList("References", refs)
		}
		h.SetMsgIDList("In-Reply-To", []string{parent})
	}
	h.SetMessageID(messageID(parent, to, now, host))
	h.SetSubject(subject)
	// The display name is the patient's own words: shown only when the
	// therapist's template uses it.
	toName := ""
	if strings.Contains(subjTmpl+bodyTmpl, ".SenderName") {
		toName = d.SenderName
	}
	h.SetAddressList("To", []*mail.Address{{Name: toName, Address: to}})
	h.SetAddressList("From", []*mail.Address{from})
	h.SetDate(now)

	var out bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&out, h)
	if err != nil {
		return nil, "", fmt.Errorf("autoreply: header: %w", err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return nil, "", fmt.Errorf("autoreply: body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("autoreply: closing: %w", err)
	}
	return out.Bytes(), to, nil
}

// render executes a configured template; output is bounded so a runaway template cannot build a huge mail.
func render(name, tmpl string, d Data) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("autoreply: %s template: %w", name, err)
	}
	var b limitedBuffer
	b.max = maxBodyBytes
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("autoreply: %s template: %w", name, err)
	}
	return b.String(), nil
}

type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, fmt.Errorf("output longer than %d bytes", b.max)
	}
	return b.Buffer.Write(p)
}

// replyPrefix matches a run of reply markers in the languages patients write in: "Re: RE: Réf : AW:" ...
var replyPrefix = regexp.MustCompile(`(?i)^(\s*(re|ré|ref|réf|aw|sv|antw)\s*(\[\d+\]|\(\d+\))?\s*:\s*)+`)

// collapseReplyPrefix turns "Re: Re: RE: x" into "Re: x" so a thread does not grow "Re: Re:" stacks. A
// subject that does not start with a reply marker is kept as written; forward markers ("Fwd:") keep their place.
func collapseReplyPrefix(s string) string {
	loc := replyPrefix.FindStringIndex(s)
	if loc == nil {
		return s
	}
	rest := strings.TrimSpace(s[loc[1]:])
	if rest == "" {
		return "Re:"
	}
	return "Re: " + rest
}

// oneLine cleans patient text for a header or a template (safetext.OneLine).
func oneLine(s string, max int) string { return safetext.OneLine(s, max) }

// references is the parent's References (or, lacking them, its In-Reply-To) plus the parent, per RFC 5322
// 3.6.4, bounded: the thread's first id and the most recent ones are kept.
func references(m *classify.Message, parent string) []string {
	// Parsed leniently: one malformed id must not lose the whole thread.
	ids := msgIDs(m.Header.Get("References"))
	if len(ids) == 0 {
		if ids = msgIDs(m.Header.Get("In-Reply-To")); len(ids) > 1 {
			ids = nil // several parents: no single thread to follow
		}
	}
	var refs []string
	for _, id := range ids {
		if validMsgID(id) && id != parent {
			refs = append(refs, id)
		}
	}
	refs = append(refs, parent)
	size := func() int {
		n := 0
		for _, r := range refs {
			n += len(r) + 3
		}
		return n
	}
	for len(refs) > 2 && (len(refs) > maxRefs || size() > maxRefsBytes) {
		refs = append(refs[:1], refs[2:]...)
	}
	return refs
}

var msgIDRe = regexp.MustCompile(`<([^<>\s]+)>`)

func msgIDs(v string) []string {
	var ids []string
	for _, sm := range msgIDRe.FindAllStringSubmatch(v, 200) {
		ids = append(ids, sm[1])
	}
	return ids
}

// validMsgID accepts an id (without brackets) that can be written back safely: printable ASCII, no
// brackets or spaces, bounded length.
func validMsgID(id string) bool {
	if id == "" || len(id) > maxMsgIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c > '~' || c == '<' || c == '>' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func validIDPart(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// messageID is derived from what is answered, to whom and when: a retried send of the same acknowledgement
// carries the same id, so the patient's client shows it once.
func messageID(parent, to string, now time.Time, host string) string {
	sum := sha256.Sum256([]byte(parent + "\x00" + to + "\x00" + now.UTC().Format(time.RFC3339Nano)))
	return ackIDPrefix + hex.EncodeToString(sum[:ackIDHexLen/2]) + "@" + host
}

// The shape of an acknowledgement's Message-ID, "ack." and 24 hex digits.
const (
	ackIDPrefix = "ack."
	ackIDHexLen = 24
)

// isAckID reports whether id has the shape of an acknowledgement's
// Message-ID (this boundaryd's or another's).
func isAckID(id string) bool {
	local, _, ok := strings.Cut(strings.Trim(id, "<>"), "@")
	if !ok || !strings.HasPrefix(local, ackIDPrefix) {
		return false
	}
	h := local[len(ackIDPrefix):]
	if len(h) != ackIDHexLen {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}
