package imapwatch

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/charset"
)

// Text decodes the part's body (transfer encoding, then charset) to UTF-8.
// A truncated or damaged body still yields what could be decoded, with an
// error saying what went wrong: partial text beats none for classification.
func (p Part) Text() (string, error) {
	if p.Body == nil {
		return "", nil
	}
	raw, encErr := decodeTransfer(p.Encoding, p.Body, p.Truncated)
	text, csErr := decodeCharset(p.Charset, raw)
	if encErr != nil {
		return text, encErr
	}
	return text, csErr
}

func decodeTransfer(enc string, body []byte, truncated bool) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "base64":
		clean := make([]byte, 0, len(body))
		for _, c := range body {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		if truncated {
			clean = clean[:len(clean)/4*4]
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(out, clean)
		if err != nil {
			return out[:n], fmt.Errorf("base64 body: %w", err)
		}
		return out[:n], nil
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil && !truncated {
			return out, fmt.Errorf("quoted-printable body: %w", err)
		}
		return out, nil
	default: // 7bit, 8bit, binary, or unknown: the bytes as they are
		return body, nil
	}
}

func decodeCharset(cs string, b []byte) (string, error) {
	switch strings.ToLower(cs) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), fmt.Errorf("charset %q: %w", cs, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return strings.ToValidUTF8(string(out), "\uFFFD"), fmt.Errorf("charset %q: %w", cs, err)
	}
	return string(out), nil
}
