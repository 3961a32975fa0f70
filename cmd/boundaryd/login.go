package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/oauth"
)

func cmdLogin(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "login", "--config FILE",
		"Signs boundaryd in to the mailbox with OAuth2 (imap.auth: oauth2), with your own\n"+
			"registered client ID (the README says how to register one). Microsoft: it prints\n"+
			"a page and a code to type there. Google: it prints an address to open in a browser\n"+
			"on this computer and waits for the answer on 127.0.0.1. The sign-in is kept in\n"+
			"state_dir, readable by this user only; run it as the user the daemon runs as.\n"+
			"Then it tries the IMAP login with the new token.")
	path := configFlag(e, fs)
	timeout := fs.Duration("timeout", oauth.DefaultLoginTimeout, "how long to wait for you to finish in the browser")
	tokenFile := fs.String("token-file", "", "keep the sign-in in `FILE` instead of state_dir (for a systemd credential: LoadCredential="+oauth.CredentialName+":FILE)")
	listen := fs.String("listen", "", "loopback grant: listen on `127.0.0.1:PORT` instead of a free port (for ssh -L from another computer)")
	noCheck := fs.Bool("no-check", false, "do not try the IMAP login afterwards")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	cfg := loadConfig(e, *path)
	if cfg == nil {
		return exitFailure
	}
	if cfg.IMAP.Auth != config.AuthOAuth2 {
		fmt.Fprintf(e.stderr, "boundaryd login: %s: imap.auth is %s; login is for imap.auth: oauth2 (see the README's OAuth2 section)\n", cfg.File, cfg.IMAP.Auth)
		return exitFailure
	}
	client, err := oauth.ClientFor(cfg.IMAP)
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd login: %v\n", err)
		return exitFailure
	}
	if *listen != "" {
		host, _, err := net.SplitHostPort(*listen)
		if err != nil || !netpolicy.IsLoopback(host) {
			fmt.Fprintf(e.stderr, "boundaryd login: --listen %q: want 127.0.0.1:PORT (the answer must stay on this machine)\n", *listen)
			return exitUsage
		}
	}
	store := oauth.StoreFor(cfg.StateDir, "")
	if *tokenFile != "" {
		store = oauth.Store{Path: *tokenFile}
	}
	if _, err := oauth.Login(ctx, oauth.LoginOptions{Client: client, Store: store, Out: e.stdout, Clock: e.clock, Timeout: *timeout, ListenAddr: *listen}); err != nil {
		fmt.Fprintf(e.stderr, "boundaryd login: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "\nSigned in. The sign-in is kept in %s (readable by this user only).\n", store.Path)
	if *noCheck || *tokenFile != "" {
		return exitOK
	}
	opts := daemon.IMAPOptionsFor(cfg, daemon.Options{Clock: e.clock, Logger: slog.New(slog.DiscardHandler)})
	s, err := imapwatch.Dial(ctx, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd login: signed in, but the IMAP login with the new token failed: %v\n", err)
		return exitFailure
	}
	_ = s.Close()
	fmt.Fprintf(e.stdout, "IMAP login to %s as %s with the new token: ok. Start or restart boundaryd now.\n", cfg.IMAP.Host, cfg.IMAP.Username)
	return exitOK
}
