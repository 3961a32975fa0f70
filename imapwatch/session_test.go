package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/internal/testnet"
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
	opts.Auth = AuthLogin
	dial(t, opts)
}

// Each imap.auth mode does what it says, seen on the wire by a recording
// proxy in front of go-imap's memory server (which offers AUTH=PLAIN):
// login sends the LOGIN command and never AUTHENTICATE; plain, the
// default, sends AUTHENTICATE PLAIN and no LOGIN command.
func TestAuthModesOnTheWire(t *testing.T) {
	for _, tc := range []struct {
		name        string
		auth        Auth
		want, never string
	}{
		{"login", AuthLogin, " LOGIN \"alice\" ", "AUTHENTICATE"},
		{"plain", AuthPlain, " AUTHENTICATE PLAIN", " LOGIN "},
		{"default", "", " AUTHENTICATE PLAIN", " LOGIN "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testimap.StartMem(t, testimap.MemOptions{})
			rec := testnet.StartRecorder(t, srv.Addr())
			opts := optionsFor(t, srv)
			opts.Port = rec.Port()
			opts.Auth = tc.auth
			s := dial(t, opts)
			if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			s.Close()
			sent := rec.Sent()
			if !strings.Contains(sent, tc.want) || strings.Contains(sent, tc.never) {
				t.Fatalf("auth %q: the client sent\n%s\nwant %q and no %q", tc.auth, sent, tc.want, tc.never)
			}
		})
	}
}

// Plaintext towards anything but a loopback literal or "localhost" is
// refused before any connection: x.localhost (which check used to accept
// and a resolver may answer with 10.x) included.
func TestInsecureRefusedToRemoteHost(t *testing.T) {
	for _, host := range []string{"imap.example.org", "x.localhost", "localhost.", "10.0.0.1"} {
		read := false
		opts := Options{Host: host, Security: SecurityInsecure, Username: "u",
			Password: func(context.Context) (string, error) { read = true; return "p", nil }}
		_, err := Dial(testCtx(t, 5*time.Second), opts)
		if !errors.Is(err, ErrInsecure) {
			t.Fatalf("%s: err = %v, want ErrInsecure", host, err)
		}
		if err := Run(testCtx(t, 5*time.Second), opts, nil); !errors.Is(err, ErrInsecure) {
			t.Fatalf("%s: Run err = %v, want ErrInsecure", host, err)
		}
		if read {
			t.Fatalf("%s: the password source was read", host)
		}
	}
}

// "localhost" is a loopback host for plaintext, and is dialed at 127.0.0.1.
func TestInsecureToLocalhost(t *testing.T) {
	srv := testimap.StartMem(t, testimap.MemOptions{})
	opts := optionsFor(t, srv)
	opts.Host = "localhost"
	dial(t, opts)
}

func TestTLS(t *testing.T) {
	for _, mode := range []string{testimap.TLSImplicit, testimap.TLSStartTLS} {
		t.Run(mode, func(t *testing.T) {
			srv := testimap.StartMem(t, testimap.MemOptions{TLS: mode})
			opts := optionsFor(t, srv)
			opts.Security = netpolicy.Security(mode)
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
	for _, mech := range []Auth{AuthXOAuth2, AuthOAuthBearer} {
		t.Run(string(mech), func(t *testing.T) {
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
