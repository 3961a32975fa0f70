package autoreply

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/schedule"
)

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

var next = time.Date(2026, 3, 3, 18, 0, 0, 0, paris)

func opts(lang string) Options {
	return Options{From: "Cabinet Agostini <dr@example.org>", Lang: lang, Hostname: "host.example.org",
		Now: time.Date(2026, 3, 2, 10, 1, 0, 0, paris)}
}

type reply struct {
	raw    []byte
	header mail.Header
	body   string
}

func build(t *testing.T, o Options, m *classify.Message, d Data) reply {
	t.Helper()
	raw, to, err := Build(o, m, d)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if to != m.From {
		t.Errorf("to = %q, want %q", to, m.From)
	}
	checkWire(t, raw)
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	p, err := mr.NextPart()
	if err != nil {
		t.Fatalf("body part: %v", err)
	}
	body, err := io.ReadAll(p.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return reply{raw: raw, header: mr.Header, body: strings.ReplaceAll(string(body), "\r\n", "\n")}
}

func checkWire(t *testing.T, raw []byte) {
	t.Helper()
	for i, l := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(l, "\r\n") || len(l) > 998 {
			t.Fatalf("line %d: bare CR/LF or too long (%d bytes)", i+1, len(l))
		}
		for _, c := range l {
			if c >= 0x80 {
				t.Fatalf("line %d: raw 8-bit byte", i+1)
			}
		}
	}
}

func fieldNames(raw []byte) []string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var names []string
	for _, l := range strings.Split(string(head), "\r\n") {
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		n, _, _ := strings.Cut(l, ":")
		names = append(names, strings.ToLower(n))
	}
	return names
}

func TestBuildHeaders(t *testing.T) {
	m := msg(t, patientHeader+"References: <r0@example.org> <r1@example.org>\nIn-Reply-To: <r1@example.org>\n")
	r := build(t, opts("en"), m, Data{NextWindow: schedule.FormatWindow(next, paris, "en")})
	h := r.header
	for k, want := range map[string]string{
		"Auto-Submitted":            "auto-replied",
		"X-Boundary-Kind":           "auto-reply",
		"In-Reply-To":               "<a1@example.org>",
		"References":                "<r0@example.org> <r1@example.org> <a1@example.org>",
		"Mime-Version":              "1.0",
		"Content-Transfer-Encoding": "quoted-printable",
		"X-Auto-Response-Suppress":  "All",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if h.Has("Precedence") {
		t.Error("Precedence written")
	}
	if ct, params, _ := h.ContentType(); ct != "text/plain" || params["charset"] != "utf-8" {
		t.Errorf("Content-Type %s %v", ct, params)
	}
	if s, _ := h.Subject(); s != "Message received" {
		t.Errorf("Subject = %q", s)
	}
	to, _ := h.AddressList("To")
	from, _ := h.AddressList("From")
	if len(to) != 1 || to[0].Address != "ana@example.org" || to[0].Name != "" || len(from) != 1 || from[0].Address != "dr@example.org" {
		t.Errorf("To %v From %v", to, from)
	}
	id, err := h.MessageID()
	if err != nil || !strings.HasPrefix(id, "ack.") || !strings.HasSuffix(id, "@host.example.org") {
		t.Errorf("Message-ID %q %v", id, err)
	}
	if d, _ := h.Date(); !d.Equal(opts("en").Now) {
		t.Errorf("Date %v", d)
	}
	for _, want := range []string{"Hello,\n", "Tuesday 3 March at 18:00", "112", "automatic reply"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body lacks %q:\n%s", want, r.body)
		}
	}
	// Same inputs, same Message-ID: a retried send is recognisably the same acknowledgement.
	again := build(t, opts("en"), m, Data{NextWindow: "x"})
	if id2, _ := again.header.MessageID(); id2 != id {
		t.Errorf("Message-ID not stable: %q vs %q", id, id2)
	}
}

// TestTwoInstancesCannotLoop: therapist A's acknowledgement reaches therapist B, whose boundaryd holds it and
// asks Decide: it must refuse, and keep refusing even if a relay stripped X-Boundary-Kind.
func TestTwoInstancesCannotLoop(t *testing.T) {
	patient := msg(t, patientHeader)
	if d := Decide(patient, false, self, false); !d.Reply {
		t.Fatalf("patient refused: %s", d.Reason)
	}
	raw, _, err := Build(opts("en"), patient, Data{NextWindow: "Tuesday"})
	if err != nil {
		t.Fatal(err)
	}
	bSelf := map[string]bool{"ana@example.org": false, "other-therapist@example.net": true}
	back := classify.Parse(bytes.NewReader(raw))
	if d := Decide(back, false, bSelf, true); d.Reply {
		t.Fatal("instance B would answer instance A's acknowledgement")
	}
	stripped := classify.Parse(strings.NewReader(strings.Replace(string(raw), "X-Boundary-Kind: auto-reply\r\n", "", 1)))
	if stripped.Header.Has("X-Boundary-Kind") {
		t.Fatal("test setup: header not stripped")
	}
	if d := Decide(stripped, false, bSelf, true); d.Reply || !strings.Contains(d.Reason, "Auto-Submitted") {
		t.Fatalf("without X-Boundary-Kind: %+v", d)
	}
	// And A never answers its own acknowledgement (e.g. a patient's server reflecting it back).
	if d := Decide(back, false, self, false); d.Reply {
		t.Fatal("instance A answers itself")
	}
}

func TestHeaderInjection(t *testing.T) {
	// RFC 2047 lets a sender smuggle CR LF into a decoded subject or name: the classic injection route.
	raw := strings.Replace(patientHeader, "Subject: Tuesday",
		"Subject: =?utf-8?q?hi=0D=0ABcc:_victim@example.org=0D=0A=0D=0Abody?=", 1)
	raw = strings.Replace(raw, "From: Ana Martin <ana@example.org>", "From: =?utf-8?q?Ana=0D=0ABcc:_v2@example.org?= <ana@example.org>", 1)
	m := msg(t, raw)
	if !strings.Contains(m.Subject, "\r\n") {
		t.Fatalf("test setup: subject %q has no CRLF", m.Subject)
	}
	base := fieldNames(build(t, opts("en"), msg(t, patientHeader), Data{}).raw)
	cases := []struct {
		name string
		m    *classify.Message
		d    Data
	}{
		{"decoded CRLF", m, Data{}},
		{"data fields", msg(t, patientHeader), Data{SenderName: "X\r\nBcc: v3@example.org", Subject: "s\nBcc: v4@example.org", NextWindow: "now\r\nBcc: v5@example.org"}},
		{"long subject", msg(t, patientHeader), Data{Subject: strings.Repeat("Long subject ", 800)}},
		{"invalid utf-8", msg(t, patientHeader), Data{Subject: "caf\xe9 \xff", SenderName: "\xc3\x28"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := build(t, opts("en"), c.m, c.d)
			if got := fieldNames(r.raw); strings.Join(got, ",") != strings.Join(base, ",") {
				t.Fatalf("header fields changed:\n got %v\nwant %v", got, base)
			}
			s, err := r.header.Subject()
			if err != nil || strings.ContainsAny(s, "\r\n") || len([]rune(s)) > maxSubjectRunes+10 {
				t.Fatalf("Subject %q (%d runes), %v", s, len([]rune(s)), err)
			}
			for _, l := range strings.Split(r.body, "\n") {
				if strings.HasPrefix(strings.ToLower(l), "bcc:") {
					t.Fatalf("body line starts with Bcc: %q", l)
				}
			}
		})
	}
}

func TestSubjectTemplates(t *testing.T) {
	cases := []struct{ tmpl, subject, want string }{
		{"", "Tuesday", "Message received"},
		{"", "", "Message received"},
		{"Re: {{.Subject}}", "Tuesday", "Re: Tuesday"},
		{"Re: {{.Subject}}", "Re: Tuesday", "Re: Tuesday"},
		{"Re: {{.Subject}}", "RE: re:Re : Tuesday", "Re: Tuesday"},
		{"Re: {{.Subject}}", "Réf : AW: Tuesday", "Re: Tuesday"},
		{"Re: {{.Subject}}", "Fwd: article", "Re: Fwd: article"},
		{"Re: {{.Subject}}", "Refund request", "Re: Refund request"},
		{"Re: {{.Subject}}", "", "Re:"},
		{"Re: {{.Subject}}", "Re[2]: Tuesday", "Re: Tuesday"},
		{"Message received", "Re: Tuesday", "Message received"},
		{"Message reçu : {{.Subject}}", "Re: séance", "Message reçu : Re: séance"},
	}
	for _, c := range cases {
		o := opts("en")
		o.SubjectTemplate = c.tmpl
		m := msg(t, patientHeader)
		r := build(t, o, m, Data{Subject: c.subject})
		if c.subject == "" {
			m.Subject = ""
			r = build(t, o, m, Data{})
		}
		if s, _ := r.header.Subject(); s != c.want {
			t.Errorf("template %q subject %q: got %q, want %q", c.tmpl, c.subject, s, c.want)
		}
	}
}

func TestBodyTemplate(t *testing.T) {
	o := opts("en")
	o.BodyTemplate = "I read messages on Tuesdays and Saturdays; next reading: {{.NextWindow}}. In an emergency call 15 or 3114. ({{.SenderName}}, {{.Subject}})"
	r := build(t, o, msg(t, patientHeader), Data{NextWindow: schedule.FormatWindow(next, paris, "en")})
	want := "I read messages on Tuesdays and Saturdays; next reading: Tuesday 3 March at 18:00. In an emergency call 15 or 3114. (Ana Martin, Tuesday)\n"
	if r.body != want {
		t.Errorf("body = %q\nwant %q", r.body, want)
	}
	for _, bad := range []string{"{{.Nope}}", "{{if}}", "{{range .NextWindow}}{{end}}"} {
		o.BodyTemplate = bad
		if _, _, err := Build(o, msg(t, patientHeader), Data{}); err == nil {
			t.Errorf("template %q: no error", bad)
		}
	}
	o.BodyTemplate = strings.Repeat("{{.Subject}}", 2000)
	if _, _, err := Build(o, msg(t, patientHeader), Data{Subject: strings.Repeat("s", 100)}); err == nil {
		t.Error("a 200 KB body was accepted")
	}
}

func TestFrench(t *testing.T) {
	o := opts("fr")
	m := msg(t, strings.Replace(patientHeader, "From: Ana Martin", "From: =?utf-8?q?Zo=C3=A9_L=C3=A9ger?=", 1))
	r := build(t, o, m, Data{NextWindow: schedule.FormatWindow(next, paris, "fr")})
	if s, _ := r.header.Subject(); s != "Message reçu" {
		t.Errorf("Subject = %q", s)
	}
	if !strings.Contains(string(r.raw), "Subject: =?utf-8?") {
		t.Error("non-ASCII subject not RFC 2047 encoded")
	}
	to, _ := r.header.AddressList("To")
	if len(to) != 1 || to[0].Name != "" {
		t.Errorf("To = %v (the default reflects no name)", to)
	}
	for _, want := range []string{"Bonjour,", "mardi 3 mars à 18h00", "3114", "réponse automatique"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body lacks %q:\n%s", want, r.body)
		}
	}
	if r.header.Get("Content-Language") != "fr" {
		t.Error("Content-Language not fr")
	}
}

func TestReferences(t *testing.T) {
	long := make([]string, 50)
	for i := range long {
		long[i] = fmt.Sprintf("<id%02d.%s@example.org>", i, strings.Repeat("x", 40))
	}
	cases := []struct {
		name, extra string
		want        string
	}{
		{"none", "", "<a1@example.org>"},
		{"in-reply-to only", "In-Reply-To: <p@example.org>\n", "<p@example.org> <a1@example.org>"},
		{"garbage dropped", "References: <ok@example.org> <bad id> <>\n", "<ok@example.org> <a1@example.org>"},
		{"parent not repeated", "References: <r@example.org> <a1@example.org>\n", "<r@example.org> <a1@example.org>"},
	}
	for _, c := range cases {
		r := build(t, opts("en"), msg(t, patientHeader+c.extra), Data{})
		if got := r.header.Get("References"); got != c.want {
			t.Errorf("%s: References = %q, want %q", c.name, got, c.want)
		}
	}
	r := build(t, opts("en"), msg(t, patientHeader+"References: "+strings.Join(long, "\n ")+"\n"), Data{})
	ids, err := r.header.MsgIDList("References")
	if err != nil || len(ids) > maxRefs || len(ids) < 2 {
		t.Fatalf("long chain: %d ids, %v", len(ids), err)
	}
	if ids[0] != strings.Trim(long[0], "<>") || ids[len(ids)-1] != "a1@example.org" || ids[len(ids)-2] != strings.Trim(long[49], "<>") {
		t.Errorf("long chain kept %v", ids)
	}
	// A parent without a usable Message-ID: no threading fields, still a valid reply.
	r = build(t, opts("en"), msg(t, strings.Replace(patientHeader, "Message-ID: <a1@example.org>\n", "", 1)), Data{})
	if r.header.Has("In-Reply-To") || r.header.Has("References") {
		t.Error("threading fields without a parent id")
	}
}

func TestBuildErrors(t *testing.T) {
	if _, _, err := Build(opts("en"), nil, Data{}); err == nil {
		t.Error("nil message accepted")
	}
	o := opts("en")
	o.From = "not an address"
	if _, _, err := Build(o, msg(t, patientHeader), Data{}); err == nil {
		t.Error("bad From accepted")
	}
	for _, from := range []string{"", "no-at-sign", "a@b.example\r\nBcc: x@y.example", "a@b, c@d"} {
		m := msg(t, patientHeader)
		m.From = from
		if _, _, err := Build(opts("en"), m, Data{}); err == nil {
			t.Errorf("recipient %q accepted", from)
		}
	}
}

// TestDefaultsReflectNothing: with the default templates, nothing a sender
// chose (display name, subject) appears in the acknowledgement the
// therapist's account sends; a template that asks for them gets them.
func TestDefaultsReflectNothing(t *testing.T) {
	forged := strings.Replace(patientHeader, "From: Ana Martin", "From: Cheap pills at spam.example", 1)
	forged = strings.Replace(forged, "Subject: Tuesday", "Subject: Visit spam.example now", 1)
	for _, lang := range []string{"en", "fr"} {
		r := build(t, opts(lang), msg(t, forged), Data{NextWindow: "soon"})
		if strings.Contains(string(r.raw), "spam.example") || strings.Contains(string(r.raw), "pills") {
			t.Errorf("%s: the default acknowledgement reflects the sender's words:\n%s", lang, r.raw)
		}
	}
	o := opts("en")
	o.BodyTemplate = "Dear {{.SenderName}}, about {{.Subject}}: read at {{.NextWindow}}."
	r := build(t, o, msg(t, forged), Data{NextWindow: "soon"})
	if !strings.Contains(r.body, "Cheap pills at spam.example") {
		t.Errorf("a template asking for the name does not get it: %q", r.body)
	}
	if to, _ := r.header.AddressList("To"); len(to) != 1 || to[0].Name == "" {
		t.Errorf("To = %v: the template uses the name, the header may too", to)
	}
}
