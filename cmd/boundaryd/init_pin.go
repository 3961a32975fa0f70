package main

import (
	"context"
	"crypto/tls"
	"errors"
	"time"

	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/tlspin"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/providers"
)

// pinSelfSigned, for a provider whose own server on this machine has its
// own certificate (Proton Mail Bridge), reads that certificate and pins it
// (imap.tls_pin, smtp.tls_pin) with the profile's TLS mode. Where it cannot
// (the Bridge is not running, --no-connect), the connection stays
// unencrypted on this machine as usePro set it, and check --connect prints
// the pin to add later. It trusts what answers on this machine's port at
// this moment, the one time the user is there to see it.
func (s *setup) pinSelfSigned(ctx context.Context) {
	p := s.Provider
	if !p.SelfSigned || !netpolicy.IsLoopback(p.IMAP.Host) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if pin, ok := imapPin(ctx, p.IMAP); ok {
		s.IMAP.Security, s.IMAPPin = p.IMAP.Security, pin
	}
	if !s.hasSMTP() || !netpolicy.IsLoopback(p.SMTP.Host) {
		return
	}
	err := notify.Probe(ctx, notify.SMTPConfig{Host: p.SMTP.Host, Port: p.SMTP.Port, Security: p.SMTP.Security, Timeout: 10 * time.Second})
	if pin, ok := refusedPin(err); ok {
		s.SMTP.Security, s.SMTPPin = p.SMTP.Security, pin
	}
}

// imapPin connects with the system's roots: the refusal carries the
// server's certificate. Nothing is sent past the TLS handshake.
func imapPin(ctx context.Context, ep providers.Endpoint) (tlspin.Pin, bool) {
	_, err := imapwatch.Dial(ctx, imapwatch.Options{
		Host: ep.Host, Port: ep.Port, Security: ep.Security, Username: "-",
		Password:       func(context.Context) (string, error) { return "", errors.New("not logging in") },
		CommandTimeout: 10 * time.Second,
	})
	return refusedPin(err)
}

// refusedPin is the pin of the certificate a handshake refused.
func refusedPin(err error) (tlspin.Pin, bool) {
	var cv *tls.CertificateVerificationError
	if !errors.As(err, &cv) || len(cv.UnverifiedCertificates) == 0 {
		return "", false
	}
	return tlspin.Of(cv.UnverifiedCertificates[0]), true
}
