package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/tlspin"
	"github.com/boundaryd/boundaryd/notify"
)

// checkConnect logs in to the servers and says what boundaryd will do with
// what they offer.
func checkConnect(ctx context.Context, e *env, cfg *config.Config) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ok := true
	opts := daemon.IMAPOptionsFor(cfg, daemon.Options{})
	s, err := imapwatch.Dial(ctx, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "IMAP %s:%d: %v\n", cfg.IMAP.Host, cfg.IMAP.Port, err)
		printPinHint(e.stderr, "imap", err)
		return exitFailure
	}
	defer s.Close()
	sel, err := s.SelectInbox(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "IMAP: cannot open %s: %v\n", cfg.IMAP.Inbox, err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "IMAP %s:%d: logged in as %s (%s); %s has %d messages\n",
		cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.Username, cfg.IMAP.Security, cfg.IMAP.Inbox, sel.NumMessages)
	held := holdFolderWhere(cfg.IMAP.HoldFolder, s.MailboxName(cfg.IMAP.HoldFolder))
	if st, err := s.Status(ctx, cfg.IMAP.HoldFolder); err == nil {
		held += fmt.Sprintf(", which exists (%d messages)", st.NumMessages)
	} else {
		held += ", which does not exist yet: boundaryd creates it at start"
	}
	info, err := s.ServerInfo(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "IMAP: %v\n", err)
		return exitFailure
	}
	describeServer(e.stdout, info, cfg, "hold folder "+held)
	if cfg.SMTP != nil {
		sc := daemon.SMTPConfigFor(cfg, daemon.Options{})
		if err := notify.Probe(ctx, sc); err != nil {
			fmt.Fprintf(e.stderr, "SMTP %s:%d: %v\n", cfg.SMTP.Host, cfg.SMTP.Port, err)
			printPinHint(e.stderr, "smtp", err)
			ok = false
		} else {
			who := "no login (relay)"
			if cfg.SMTP.Username != "" {
				who = "logged in as " + cfg.SMTP.Username
			}
			fmt.Fprintf(e.stdout, "SMTP %s:%d: %s (%s)\n", cfg.SMTP.Host, cfg.SMTP.Port, who, cfg.SMTP.Security)
		}
	}
	if !ok {
		return exitFailure
	}
	return exitOK
}

// holdFolderWhere names the hold folder as configured and, when the server
// names it otherwise (personal namespace, delimiter), as the server does.
func holdFolderWhere(configured, onServer string) string {
	if onServer == configured {
		return fmt.Sprintf("%q", configured)
	}
	return fmt.Sprintf("%q (on this server %q)", configured, onServer)
}

// printPinHint, when err is a refused certificate, prints that certificate's
// pin so a user whose own server has its own certificate (Proton Mail Bridge
// on this machine) can trust exactly it with SECTION.tls_pin, instead of
// turning TLS off.
func printPinHint(w io.Writer, section string, err error) {
	var cv *tls.CertificateVerificationError
	if !errors.As(err, &cv) || len(cv.UnverifiedCertificates) == 0 {
		return
	}
	leaf := cv.UnverifiedCertificates[0]
	fmt.Fprintf(w, "  the server's certificate (%q, issued by %q) is not trusted by this system.\n"+
		"  Only if this is your own server (such as Proton Mail Bridge on this machine), trust exactly\n"+
		"  this certificate by adding to the %s section:\n    tls_pin: %s\n",
		leaf.Subject.CommonName, leaf.Issuer.CommonName, section, tlspin.Of(leaf))
}
