package classify

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

// withDeadline fails the test when f runs longer than d; it never sleeps.
func withDeadline(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("did not finish within %v", d)
	}
}

const hdr = "From: =?utf-8?q?Ana_P=C3=A9rez?= <Ana@Example.org>\r\nTo: dr@example.org\r\nMessage-ID: <m1@example.org>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n"

func TestParseCharsetsAndEncodings(t *testing.T) {
	iso := string([]byte{'J', 0xe9, 'r', 0xf4, 'm', 'e', ' ', 0xe0, ' ', 'b', 'o', 'u', 't'})       // ISO-8859-1
	win := string([]byte{0x93, 'c', 'i', 't', 'e', 0x94, ' ', 0x80, ' ', 0x9c, 'u', 'v', 'r', 'e'}) // windows-1252
	cases := []struct {
		name, header, body, wantSubject, wantBody string
	}{
		{"utf8", "Subject: caf\xc3\xa9\r\nContent-Type: text/plain; charset=utf-8\r\n", "d\xc3\xa9j\xc3\xa0 vu", "café", "déjà vu"},
		{"iso-8859-1", "Subject: x\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n", iso, "x", "Jérôme à bout"},
		{"windows-1252", "Subject: x\r\nContent-Type: text/plain; charset=windows-1252\r\n", win, "x", "“cite” € œuvre"},
		{"quoted-printable", "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
			"je n'en peux plus, c'est =C3=A0 bout de for=\r\nces", "x", "je n'en peux plus, c'est à bout de forces"},
		{"base64", "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
			base64.StdEncoding.EncodeToString([]byte("I took all my pills")), "x", "I took all my pills"},
		{"rfc2047 subject", "Subject: =?iso-8859-1?q?Je_ne_veux_plus_vivre_=E0_pr=E9sent?=\r\n", "hi", "Je ne veux plus vivre à présent", "hi"},
		{"rfc2047 b subject", "Subject: =?UTF-8?B?w6dhIHZhIG1hbA==?=\r\n", "hi", "ça va mal", "hi"},
		{"html only", "Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n",
			"<html><head><style>p{color:red}</style><script>var x='kill myself';</script></head><body><p>I&#39;m on the <b>roof</b></p><p>bye</p></body></html>",
			"x", "I'm on the roof\n\nbye"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse(strings.NewReader(hdr + tc.header + "\r\n" + tc.body))
			if m.Subject != tc.wantSubject {
				t.Errorf("subject %q, want %q", m.Subject, tc.wantSubject)
			}
			if strings.TrimSpace(m.Body) != tc.wantBody {
				t.Errorf("body %q, want %q", m.Body, tc.wantBody)
			}
			if m.From != "ana@example.org" || m.FromName != "Ana Pérez" || m.MessageID != "m1@example.org" || m.Date.IsZero() {
				t.Errorf("header fields: %q %q %q %v", m.From, m.FromName, m.MessageID, m.Date)
			}
			if len(m.Errors) > 0 {
				t.Errorf("errors: %v", m.Errors)
			}
		})
	}
}

func TestParseMultipart(t *testing.T) {
	raw := hdr + "Subject: x\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n" +
		"--OUT\r\nContent-Type: multipart/alternative; boundary=ALT\r\n\r\n" +
		"--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n" +
		"--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html version</p>\r\n--ALT--\r\n" +
		"--OUT\r\nContent-Type: application/pdf; name=\"plan.pdf\"\r\nContent-Disposition: attachment; filename=\"plan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("kill myself "), 100)) + "\r\n--OUT--\r\n"
	m := Parse(strings.NewReader(raw))
	if strings.TrimSpace(m.Body) != "plain version" {
		t.Errorf("body %q: want only the plain alternative, no attachment text", m.Body)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "plan.pdf" || m.Attachments[0].MediaType != "application/pdf" {
		t.Errorf("attachments %+v", m.Attachments)
	}
}

func TestParseMalformed(t *testing.T) {
	deep := strings.Builder{}
	deep.WriteString(hdr + "Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < 5000; i++ {
		fmt.Fprintf(&deep, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	deep.WriteString("--b4999\r\nContent-Type: text/plain\r\n\r\nI want to die\r\n")
	cases := []struct {
		name, raw, wantText string
		wantErr             bool
	}{
		{"missing boundary parameter", hdr + "Subject: x\r\nContent-Type: multipart/mixed\r\n\r\nI want to die tonight\r\n", "I want to die tonight", true},
		{"missing closing boundary", hdr + "Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI took all my pills\r\n", "I took all my pills", false},
		{"bad base64", hdr + "Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString([]byte("I want to kill myself")) + "\r\n!!!not base64@@@\r\n", "I want to kill myself", true},
		{"header line without colon", "From: ana@example.org\r\nThis line has no colon\r\nSubject: hello\r\n\r\nje vais me tuer\r\n", "je vais me tuer", true},
		{"unknown charset", hdr + "Subject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nI want to die", "I want to die", true},
		{"2 MB single line", hdr + "Subject: x\r\n\r\nI want to die " + strings.Repeat("a", 2<<20), "I want to die", false},
		{"2 MB header line", hdr + "X-Long: " + strings.Repeat("b", 2<<20) + "\r\nSubject: x\r\n\r\nbody", "", true},
		{"5000 nested multiparts", deep.String(), "", true},
		{"empty", "", "", false},
		{"garbage", "\x00\xff\xfe<<<>>>\r\n\r\n\x00", "", false},
	}
	c := newTestClassifier(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m *Message
			var r *Result
			withDeadline(t, 3*time.Second, func() {
				m = Parse(strings.NewReader(tc.raw))
				r = c.Classify(m)
			})
			if !strings.Contains(m.Body, tc.wantText) {
				t.Errorf("body %.80q does not contain %q", m.Body, tc.wantText)
			}
			if tc.wantErr && (len(m.Errors) == 0 || r.Error == "") {
				t.Errorf("want an error, got none")
			}
			if r.Verdict != VerdictEscalate && r.Verdict != VerdictHold {
				t.Errorf("patient mail got verdict %q: must be held or escalated, never dropped", r.Verdict)
			}
			if tc.wantText != "" && r.Verdict != VerdictEscalate {
				t.Errorf("readable emergency text %q not escalated: %+v", tc.wantText, r.Suppressed)
			}
			if len(m.Body) > defaultMaxTextBytes {
				t.Errorf("body of %d bytes exceeds the cap", len(m.Body))
			}
		})
	}
}

func TestAssembleMatchesParse(t *testing.T) {
	header := []byte(hdr + "Subject: =?utf-8?q?=C3=A7a_ne_va_pas?=\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n")
	parts := []Part{
		{Path: "1.1", MediaType: "text/plain", Charset: "iso-8859-1", Encoding: "quoted-printable", Body: []byte("J'ai pris toute la bo=EEte de somnif=E8res")},
		{Path: "1.2", MediaType: "text/html", Charset: "utf-8", Encoding: "7bit", Body: []byte("<p>html copy</p>")},
		{Path: "2", MediaType: "application/pdf", Disposition: "attachment", Filename: "scan.pdf", Size: 50 << 20},
		{Path: "3", MediaType: "text/html", Charset: "utf-8", Encoding: "base64", Body: []byte(base64.StdEncoding.EncodeToString([]byte("<div>second <b>part</b></div>")))},
	}
	m := Assemble(header, parts)
	if m.Subject != "ça ne va pas" || m.From != "ana@example.org" {
		t.Errorf("header: %q %q", m.Subject, m.From)
	}
	if !strings.Contains(m.Body, "J'ai pris toute la boîte de somnifères") || strings.Contains(m.Body, "html copy") || !strings.Contains(m.Body, "second part") {
		t.Errorf("body %q", m.Body)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Size != 50<<20 {
		t.Errorf("attachments %+v", m.Attachments)
	}
	c := newTestClassifier(t)
	if r := c.Classify(m); r.Verdict != VerdictEscalate {
		t.Errorf("verdict %s: %+v", r.Verdict, r.Suppressed)
	}
	// A header that is garbage still yields a message with an error, and a patient's mail is held.
	m = Assemble([]byte("no colon here\r\n\r\n"), nil)
	if len(m.Errors) == 0 {
		t.Error("want an error for a header without colon")
	}
	if r := c.Classify(m); r.Verdict != VerdictHold || r.Error == "" {
		t.Errorf("unreadable patient mail: verdict %s error %q", r.Verdict, r.Error)
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<div>Top text</div><div class="gmail_quote"><div>On Mon, Ana wrote:</div><blockquote>quoted kill myself</blockquote></div>` +
		`<div>below the quote</div><div id="divRplyFwdMsg"><b>From:</b> x</div><div>outlook history</div>`
	got := htmlToText([]byte(in))
	want := "Top text\n\n> On Mon, Ana wrote:\n\n> quoted kill myself\n\nbelow the quote\n> From: x\n> outlook history"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
