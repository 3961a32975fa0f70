package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/internal/tlscert"
	"github.com/boundaryd/boundaryd/internal/tlspin"
	"github.com/boundaryd/boundaryd/providers"
)

// init for a provider with its own self-signed local server (Proton Mail
// Bridge): the certificates are read and pinned with STARTTLS, and the
// written configuration parses with them; when no TLS server answers, it
// stays unencrypted on this machine as before.
func TestInitPinsSelfSignedLocalServer(t *testing.T) {
	mem := testimap.StartMem(t, testimap.MemOptions{TLS: testimap.TLSStartTLS})
	server, _, err := tlscert.New("bridge")
	if err != nil {
		t.Fatal(err)
	}
	sink := smtpsink.StartWith(t, smtpsink.Options{Security: smtpsink.StartTLS, TLS: server})
	p := providers.Profile{ID: "proton", Name: "Proton Mail (through Proton Mail Bridge)", SelfSigned: true,
		IMAP:  providers.Endpoint{Host: "127.0.0.1", Port: mem.Port(), Security: netpolicy.StartTLS},
		SMTP:  providers.Endpoint{Host: "127.0.0.1", Port: sink.Port(), Security: netpolicy.StartTLS},
		Login: providers.BridgePassword}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	s := &setup{Address: "dr@proton.me", Username: mem.User(), Password: mem.Password(), AlertNtfy: "https://ntfy.sh/x"}
	s.usePro(p)
	if s.IMAP.Security != netpolicy.Insecure {
		t.Fatalf("before reading the certificate: %s, want insecure", s.IMAP.Security)
	}
	s.pinSelfSigned(ctx)
	if s.IMAP.Security != netpolicy.StartTLS || s.IMAPPin == "" || s.SMTP.Security != netpolicy.StartTLS || s.SMTPPin != tlspin.Of(server.Certificates[0].Leaf) {
		t.Fatalf("after: imap %s %q, smtp %s %q", s.IMAP.Security, s.IMAPPin, s.SMTP.Security, s.SMTPPin)
	}
	cfg, err := s.draft(filepath.Join(t.TempDir(), "config.yaml"))
	if err != nil {
		t.Fatalf("draft: %v\n%s", err, s.render())
	}
	if cfg.IMAP.TLSPin != s.IMAPPin || cfg.SMTP.TLSPin != s.SMTPPin {
		t.Errorf("written pins %q %q, want %q %q", cfg.IMAP.TLSPin, cfg.SMTP.TLSPin, s.IMAPPin, s.SMTPPin)
	}
	// The written pin is the server's: the daemon's options log in with it.
	sess, err := imapwatch.Dial(ctx, daemon.IMAPOptionsFor(cfg, daemon.Options{CommandTimeout: 5 * time.Second}))
	if err != nil {
		t.Fatalf("login with the pinned configuration: %v", err)
	}
	sess.Close()

	// Nothing speaking TLS there: unchanged, unencrypted on this machine.
	plain := testimap.StartMem(t, testimap.MemOptions{})
	p.IMAP.Port, p.SMTP.Port = plain.Port(), smtpsink.Start(t).Port()
	s = &setup{Address: "dr@proton.me", Username: plain.User(), AlertNtfy: "https://ntfy.sh/x"}
	s.usePro(p)
	s.pinSelfSigned(ctx)
	if s.IMAP.Security != netpolicy.Insecure || s.IMAPPin != "" || s.SMTP.Security != netpolicy.Insecure || s.SMTPPin != "" {
		t.Errorf("without TLS: imap %s %q, smtp %s %q", s.IMAP.Security, s.IMAPPin, s.SMTP.Security, s.SMTPPin)
	}
}
