package mailtext

import (
	"encoding/base64"
	"strings"
	"testing"
)

// The parts the IMAP fetch hands over (still in their transfer encoding
// and charset, possibly cut short by a partial fetch) decode to the text
// the classifier reads. These cases came with imapwatch's own decoder,
// which this package replaced.
func TestAssembleDecodesFetchedParts(t *testing.T) {
	long := strings.Repeat("je veux en finir ", 20)
	b64 := base64.StdEncoding.EncodeToString([]byte(long))
	header := []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\n")
	for _, c := range []struct {
		name string
		part Part
		want string
	}{
		{"qp latin1", Part{Encoding: "quoted-printable", Charset: "iso-8859-1", Body: []byte("J'ai peur, c'est grave =E0 la fin=\r\n du jour")}, "J'ai peur, c'est grave à la fin du jour"},
		{"base64 utf8", Part{Encoding: "base64", Charset: "utf-8", Body: []byte(b64[:40] + "\r\n" + b64[40:])}, strings.TrimSpace(long)},
		{"base64 truncated", Part{Encoding: "base64", Body: []byte(b64[:22]), Truncated: true}, long[:15]},
		{"windows-1252", Part{Encoding: "8bit", Charset: "windows-1252", Body: []byte("\x93oui\x94")}, "\u201coui\u201d"},
		{"unknown charset keeps text", Part{Charset: "x-nope", Body: []byte("plain words")}, "plain words"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.part.Path, c.part.MediaType = "1", "text/plain"
			m := Assemble(header, []Part{c.part})
			if !strings.Contains(m.Body, c.want) {
				t.Fatalf("body %q lacks %q (errors %v)", m.Body, c.want, m.Errors)
			}
		})
	}
}
