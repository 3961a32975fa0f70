package mailtext

import (
	"strings"
	"testing"
)

// TestParseStandalone: the mail -> text stage on its own: charset and transfer encoding undone, HTML turned
// into text with its quote block as "> " lines, attachments named.
func TestParseStandalone(t *testing.T) {
	raw := "From: Ana <ana@example.org>\r\nSubject: =?iso-8859-1?q?r=E9ponse?=\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p>Je suis l=E0.</p><blockquote>ancien message</blockquote>\r\n" +
		"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=plan.pdf\r\n\r\nxx\r\n--B--\r\n"
	m := Parse(strings.NewReader(raw))
	if m.Subject != "réponse" || m.From != "ana@example.org" {
		t.Errorf("header: %q %q", m.Subject, m.From)
	}
	if !strings.Contains(m.Body, "Je suis là.") || !strings.Contains(m.Body, "> ancien message") {
		t.Errorf("body: %q", m.Body)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "plan.pdf" {
		t.Errorf("attachments: %+v", m.Attachments)
	}
}

// TestSegmentsStandalone labels new text, a quoted reply and a signature.
func TestSegmentsStandalone(t *testing.T) {
	text := "I am not ok tonight.\n\n-- \nAna\n\nOn Tue, 3 Mar 2026 at 10:00, Dr A <a@b.org> wrote:\n> call 3114\n"
	segs := Segments(text)
	lines := strings.Split(text, "\n")
	if len(segs) != len(lines) {
		t.Fatalf("%d labels for %d lines", len(segs), len(lines))
	}
	if segs[0] != SegNew {
		t.Errorf("first line: %d, want new", segs[0])
	}
	for i, l := range lines {
		if strings.HasPrefix(l, ">") && segs[i] != SegQuoted {
			t.Errorf("line %q: %d, want quoted", l, segs[i])
		}
		if l == "Ana" && segs[i] == SegNew {
			t.Errorf("the signature line is labelled new")
		}
	}
}

// TestAssemblePrefersPlain: within an alternative, the plain text part is kept and its HTML twin dropped.
func TestAssemblePrefersPlain(t *testing.T) {
	m := Assemble([]byte("From: a@b.example\r\nSubject: x\r\n\r\n"), []Part{
		{Path: "1", MediaType: "text/plain", Body: []byte("plain words")},
		{Path: "2", MediaType: "text/html", Body: []byte("<p>html words</p>")},
	})
	if !strings.Contains(m.Body, "plain words") || strings.Contains(m.Body, "html words") {
		t.Errorf("body %q", m.Body)
	}
}
