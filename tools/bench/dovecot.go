package main

import (
	"context"
	"fmt"
	"time"

	"github.com/boundaryd/boundaryd/internal/dovecotd"
)

// password is every bench user's password: the server only listens on
// 127.0.0.1 and lives for one run.
const password = "secret"

// dovecot is the bench's Dovecot: one server, one account per tool and
// scenario.
type dovecot struct{ srv *dovecotd.Server }

// startDovecot starts a server with these users and waits for its greeting.
func startDovecot(ctx context.Context, users []string) (*dovecot, error) {
	var us []dovecotd.User
	for _, u := range users {
		us = append(us, dovecotd.User{Name: u, Password: password})
	}
	srv, err := dovecotd.New(dovecotd.Options{Users: us})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		srv.Close()
		return nil, err
	}
	return &dovecot{srv: srv}, nil
}

func (d *dovecot) maildir(user string) string { return d.srv.Maildir(user) }
func (d *dovecot) addr() string               { return d.srv.Addr() }

// doveadm runs doveadm against this server with a bound on its duration.
func (d *dovecot) doveadm(ctx context.Context, stdin []byte, args ...string) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if _, err := d.srv.Doveadm(cctx, stdin, args...); err != nil {
		return fmt.Errorf("%w\n%s", err, d.srv.LogTail())
	}
	return nil
}

// save delivers raw to user's INBOX like an MTA's LDA.
func (d *dovecot) save(ctx context.Context, user string, raw []byte) error {
	return d.doveadm(ctx, raw, "save", "-u", user, "-m", "INBOX")
}

func (d *dovecot) createMailbox(ctx context.Context, user, name string) error {
	return d.doveadm(ctx, nil, "mailbox", "create", "-u", user, name)
}

// resync makes Dovecot index mail written straight into the maildir, so the
// indexing cost is not charged to the first client.
func (d *dovecot) resync(ctx context.Context, user string) error {
	return d.doveadm(ctx, nil, "force-resync", "-u", user, "INBOX")
}

// stop kills the master and its children and removes the directory.
func (d *dovecot) stop() { d.srv.Close() }
