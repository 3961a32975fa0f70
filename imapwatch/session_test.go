package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

func TestLoginAndSelect(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			srv.Deliver("INBOX", plainMessage("one", "hello"))
			s := dial(t, optionsFor(t, srv))
			caps := s.Caps()
			if !caps.IDLE || !caps.Move || !caps.UIDPlus {
				t.Errorf("caps = %+v, want IDLE MOVE UIDPLUS", caps)
			}
			st, err := s.SelectInbox(testCtx(t, 5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if st.UIDValidity == 0 || st.UIDNext != 2 || st.NumMessages != 1 {
				t.Errorf("state = %+v", st)
			}
			if !s.Caps().Keywords {
				t.Errorf("keywords not allowed")
			}
		})
	}
}

func TestBadPassword(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			opts := optionsFor(t, srv)
			opts.Password = func(context.Context) (string, error) { return "wrong", nil }
			// Run gives up at once on a refused first login.
			start := time.Now()
			err := Run(testCtx(t, 10*time.Second), opts, func(context.Context, *Session) error { return nil })
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("Run err = %v, want ErrAuth", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("Run took %v to give up", time.Since(start))
			}
		})
	}
}

func TestLoginFallbackToLOGIN(t *testing.T) {
	srv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	opts := optionsFor(t, srv)
	opts.Auth = "login"
	dial(t, opts)
}

func TestInsecureRefusedToRemoteHost(t *testing.T) {
	opts := Options{Host: "imap.example.org", Security: SecurityInsecure, Username: "u",
		Password: func(context.Context) (string, error) { return "p", nil }}
	_, err := Dial(testCtx(t, 5*time.Second), opts)
	if !errors.Is(err, ErrInsecure) {
		t.Fatalf("err = %v, want ErrInsecure", err)
	}
	if err := Run(testCtx(t, 5*time.Second), opts, nil); err == nil {
		t.Fatal("Run accepted plaintext to a remote host")
	}
	for _, h := range []string{"127.0.0.1", "localhost", "::1", "[::1]"} {
		if !IsLoopback(h) {
			t.Errorf("IsLoopback(%q) = false", h)
		}
	}
	for _, h := range []string{"10.0.0.1", "example.org", "127.0.0.1.nip.io", ""} {
		if IsLoopback(h) {
			t.Errorf("IsLoopback(%q) = true", h)
		}
	}
}

func TestTLS(t *testing.T) {
	for _, mode := range []string{testimap.TLSImplicit, testimap.TLSStartTLS} {
		t.Run(mode, func(t *testing.T) {
			srv := testimap.StartMem(t, testimap.MemOptions{TLS: mode})
			opts := optionsFor(t, srv)
			opts.Security = mode
			opts.TLSConfig = srv.ClientTLS()
			s := dial(t, opts)
			if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			// Without trusting the certificate the connection is refused.
			opts.TLSConfig = nil
			opts.Host = "127.0.0.1"
			if _, err := Dial(testCtx(t, 5*time.Second), opts); err == nil {
				t.Fatal("Dial with an untrusted certificate succeeded")
			}
		})
	}
	// A plaintext server is not accepted as TLS.
	srv := testimap.StartMem(t, testimap.MemOptions{})
	opts := optionsFor(t, srv)
	opts.Security = SecurityTLS
	if _, err := Dial(testCtx(t, 5*time.Second), opts); err == nil {
		t.Fatal("TLS dial to a plaintext server succeeded")
	}
}

func TestXOAuth2InitialResponse(t *testing.T) {
	c := newXOAuth2Client("u@example.org", "tok")
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || !bytes.Equal(ir, []byte("user=u@example.org\x01auth=Bearer tok\x01\x01")) {
		t.Fatalf("Start = %q %q %v", mech, ir, err)
	}
	resp, err := c.Next([]byte(`{"status":"401"}`))
	if err != nil || len(resp) != 0 {
		t.Fatalf("Next = %q %v", resp, err)
	}
}

func TestPasswordReadAtEachLogin(t *testing.T) {
	srv := testimap.StartMem(t, testimap.MemOptions{})
	opts := optionsFor(t, srv)
	calls := 0
	opts.Password = func(context.Context) (string, error) { calls++; return srv.Password(), nil }
	for i := 0; i < 3; i++ {
		s := dial(t, opts)
		s.Close()
	}
	if calls != 3 {
		t.Fatalf("password source read %d times for 3 logins", calls)
	}
}

func TestOAuthMechanisms(t *testing.T) {
	for _, mech := range []string{AuthXOAuth2, AuthOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			srv := testimap.StartMem(t, testimap.MemOptions{OAuthToken: "tok-1"})
			opts := optionsFor(t, srv)
			opts.Auth = mech
			token := "tok-1"
			opts.Password = func(context.Context) (string, error) { return token, nil }
			s := dial(t, opts)
			if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			s.Close()

			// The token rotates: the old one is refused, the source's new
			// one is read at the next login.
			srv.SetOAuthToken("tok-2")
			if _, err := Dial(testCtx(t, 5*time.Second), opts); !errors.Is(err, ErrAuth) {
				t.Fatalf("stale token: err = %v, want ErrAuth", err)
			}
			token = "tok-2"
			dial(t, opts)
		})
	}
}
