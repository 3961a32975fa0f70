package config

import (
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/internal/tlspin"
)

// imap.tls_pin and smtp.tls_pin take what openssl prints, keep it in one
// written form, and refuse anything else (or a pin without TLS) on its line.
func TestTLSPin(t *testing.T) {
	const fp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
	y := replace(t, "  host: imap.example.org\n", "  host: 127.0.0.1\n  tls_pin: \"sha256 Fingerprint="+fp+"\"\n")
	y += "smtp:\n  host: 127.0.0.1\n  security: starttls\n  tls_pin: " + strings.ToLower(strings.ReplaceAll(fp, ":", "")) + "\n  from: a@example.org\n"
	cfg, probs, err := Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatalf("valid pins refused: %v", probs.Lines())
	}
	if cfg.IMAP.TLSPin != tlspin.Pin(fp) || cfg.SMTP.TLSPin != tlspin.Pin(fp) {
		t.Errorf("pins = %q, %q; want %q both", cfg.IMAP.TLSPin, cfg.SMTP.TLSPin, fp)
	}

	bad := replace(t, "  username:", "  tls_pin: AB:CD\n  username:")
	bad += "smtp:\n  host: 127.0.0.1\n  security: insecure\n  tls_pin: " + fp + "\n  from: a@example.org\n"
	_, probs, err = Parse("c.yaml", []byte(bad))
	if err == nil {
		t.Fatal("a short pin and a pin without TLS accepted")
	}
	lines := strings.Join(probs.Lines(), "\n")
	for _, want := range []string{
		`c.yaml:3: imap.tls_pin: "AB:CD" is not a SHA-256 fingerprint`,
		"c.yaml:19: smtp.tls_pin: a pinned certificate needs smtp.security tls or starttls",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("missing %q in:\n%s", want, lines)
		}
	}
}
