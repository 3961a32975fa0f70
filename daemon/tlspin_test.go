package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/internal/tlspin"
)

// TestIMAPPinnedSelfSignedCertificate: imap.tls_pin reaches a server with its
// own self-signed certificate (Proton Mail Bridge) through IMAPOptionsFor and
// no CA; a wrong pin fails the login with tlspin.ErrMismatch; no pin and an
// untrusted certificate still fails.
func TestIMAPPinnedSelfSignedCertificate(t *testing.T) {
	mem := testimap.StartMem(t, testimap.MemOptions{TLS: testimap.TLSImplicit})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := (&tls.Dialer{Config: mem.ClientTLS()}).DialContext(ctx, "tcp", mem.Addr())
	if err != nil {
		t.Fatal(err)
	}
	pin := tlspin.Of(conn.(*tls.Conn).ConnectionState().PeerCertificates[0])
	conn.Close()

	dial := func(pinLine string) error {
		y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: tls
%s  username: %s
  password: %q
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
smtp:
  host: 127.0.0.1
  security: starttls
%s  from: dr@example.org
`, mem.Port(), pinLine, mem.User(), mem.Password(), pinLine)
		cfg, probs, err := config.Parse("c.yaml", []byte(y))
		if err != nil {
			t.Fatal(probs.Lines())
		}
		if got := SMTPConfigFor(cfg, Options{}).TLSPin; got != cfg.SMTP.TLSPin {
			t.Errorf("SMTPConfigFor dropped smtp.tls_pin: %q, want %q", got, cfg.SMTP.TLSPin)
		}
		o := IMAPOptionsFor(cfg, Options{CommandTimeout: 5 * time.Second})
		s, err := imapwatch.Dial(ctx, o)
		if err == nil {
			s.Close()
		}
		return err
	}
	if err := dial("  tls_pin: " + string(pin) + "\n"); err != nil {
		t.Fatalf("right pin: %v", err)
	}
	wrong := strings.Repeat("00:", 31) + "00"
	if err := dial("  tls_pin: " + wrong + "\n"); !errors.Is(err, tlspin.ErrMismatch) || !strings.Contains(err.Error(), string(pin)) {
		t.Errorf("wrong pin: %v; want ErrMismatch naming %s", err, pin)
	}
	if err := dial(""); err == nil || errors.Is(err, tlspin.ErrMismatch) {
		t.Errorf("no pin, untrusted certificate: %v; want a verification error", err)
	}
}
