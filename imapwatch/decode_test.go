package imapwatch

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestPartText(t *testing.T) {
	long := strings.Repeat("je veux en finir ", 20)
	b64 := base64.StdEncoding.EncodeToString([]byte(long))
	cases := []struct {
		name string
		part Part
		want string
		err  bool
	}{
		{"qp latin1", Part{Encoding: "quoted-printable", Charset: "iso-8859-1", Body: []byte("J'ai peur, c'est grave =E0 la fin=\r\n du jour")}, "J'ai peur, c'est grave à la fin du jour", false},
		{"base64 utf8", Part{Encoding: "base64", Charset: "utf-8", Body: []byte(b64[:40] + "\r\n" + b64[40:])}, long, false},
		{"base64 truncated", Part{Encoding: "base64", Body: []byte(b64[:22]), Truncated: true}, long[:15], false},
		{"windows-1252", Part{Encoding: "8bit", Charset: "windows-1252", Body: []byte("\x93oui\x94")}, "\u201coui\u201d", false},
		{"unknown charset keeps text", Part{Charset: "x-nope", Body: []byte("plain words")}, "plain words", true},
		{"attachment", Part{}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.part.Text()
			if got != c.want || (err != nil) != c.err {
				t.Fatalf("Text() = %q, %v; want %q (error %v)", got, err, c.want, c.err)
			}
		})
	}
}
