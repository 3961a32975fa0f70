package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/tlscert"
	"github.com/boundaryd/boundaryd/internal/tlspin"
)

// smtp.tls_pin: a relay with its own self-signed certificate (Proton Mail
// Bridge) is reached by its pin, over STARTTLS and implicit TLS, with no CA
// given; a wrong pin fails the handshake and says which certificate was
// seen; no pin and no CA still fails as before.
func TestSMTPPinnedSelfSignedCertificate(t *testing.T) {
	server, _, err := tlscert.New("bridge")
	if err != nil {
		t.Fatal(err)
	}
	pin := tlspin.Of(server.Certificates[0].Leaf)
	wrong, err := tlspin.Parse(strings.Repeat("00", 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []struct {
		sink smtpsink.Security
		sec  netpolicy.Security
	}{{smtpsink.StartTLS, netpolicy.StartTLS}, {smtpsink.ImplicitTLS, netpolicy.TLS}} {
		t.Run(string(mode.sec), func(t *testing.T) {
			ms := smtpsink.StartWith(t, smtpsink.Options{Security: mode.sink, TLS: server, Username: "dr", Password: "s3cret"})
			cfg := SMTPConfig{Host: "127.0.0.1", Port: ms.Port(), Security: mode.sec, Username: "dr",
				Password: func(context.Context) (string, error) { return "s3cret", nil },
				TLSPin:   pin, Timeout: 5 * time.Second}
			msg := []byte("Subject: pinned\r\n\r\nhello\r\n")
			ctx := context.Background()
			if err := SendMail(ctx, cfg, "a@example.org", []string{"b@example.org"}, msg); err != nil {
				t.Fatalf("right pin: %v", err)
			}
			recv(t, ms.C, "mail")

			cfg.TLSPin = wrong
			err := SendMail(ctx, cfg, "a@example.org", []string{"b@example.org"}, msg)
			if !errors.Is(err, tlspin.ErrMismatch) || !strings.Contains(err.Error(), string(pin)) {
				t.Errorf("wrong pin: %v; want ErrMismatch naming %s", err, pin)
			}
			cfg.TLSPin = ""
			// The refused certificate stays reachable in the error, for
			// check --connect to print its pin.
			err = SendMail(ctx, cfg, "a@example.org", []string{"b@example.org"}, msg)
			var cv *tls.CertificateVerificationError
			if !errors.As(err, &cv) || len(cv.UnverifiedCertificates) == 0 || tlspin.Of(cv.UnverifiedCertificates[0]) != pin {
				t.Errorf("no pin, untrusted certificate: %v; want a verification error carrying the certificate", err)
			}
		})
	}
}
