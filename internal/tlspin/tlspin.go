// Package tlspin pins a server's TLS certificate: the SHA-256 fingerprint of
// the leaf certificate (its DER bytes), the value `openssl x509 -noout
// -fingerprint -sha256` prints. A pinned connection trusts that one
// certificate instead of the CA chain and the host name, which is what a
// local server with its own self-signed certificate (Proton Mail Bridge on
// 127.0.0.1) needs instead of plaintext.
package tlspin

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Pin is a certificate fingerprint in its one written form: 32 bytes as
// upper-case hex pairs joined by colons ("AB:CD:..."). The zero value means
// no pin (verify the CA chain as usual).
type Pin string

// ErrMismatch means the server presented a certificate other than the pinned one.
var ErrMismatch = errors.New("the server's certificate does not match the pinned fingerprint")

// Parse reads a fingerprint as written by hand or copied from openssl:
// "sha256 Fingerprint=AB:CD:...", "SHA256:ab:cd...", or 64 hex digits with or
// without colons or spaces, any case.
func Parse(s string) (Pin, error) {
	t := strings.TrimSpace(s)
	if i := strings.LastIndexByte(t, '='); i >= 0 {
		if !strings.HasPrefix(strings.ToLower(t), "sha256") {
			return "", fmt.Errorf("%q is not a SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256)", s)
		}
		t = t[i+1:]
	}
	if l := strings.ToLower(t); strings.HasPrefix(l, "sha256:") {
		t = t[len("sha256:"):]
	}
	t = strings.NewReplacer(":", "", " ", "").Replace(t)
	b, err := hex.DecodeString(t)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("%q is not a SHA-256 fingerprint: want 32 hex pairs like AB:CD:... as printed by openssl x509 -noout -fingerprint -sha256", s)
	}
	return format(b), nil
}

func format(b []byte) Pin {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return Pin(strings.Join(parts, ":"))
}

// Of returns the pin of a certificate.
func Of(cert *x509.Certificate) Pin {
	sum := sha256.Sum256(cert.Raw)
	return format(sum[:])
}

// Config returns a copy of base (nil: an empty configuration) that accepts
// exactly the certificate p names and nothing else: the chain and host name
// are not checked, the pin is, and a mismatch fails the handshake with
// ErrMismatch. The zero pin returns base unchanged.
func (p Pin) Config(base *tls.Config) *tls.Config {
	if p == "" {
		return base
	}
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	cfg.InsecureSkipVerify = true // replaced by the pin check below, which always runs
	cfg.VerifyConnection = p.verify
	return cfg
}

func (p Pin) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("tls pin: %w: no certificate presented", ErrMismatch)
	}
	if got := Of(cs.PeerCertificates[0]); got != p {
		return fmt.Errorf("tls pin: %w: the server presented %s, the configuration pins %s", ErrMismatch, got, p)
	}
	return nil
}
