package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/safetext"
)

// DefaultLoginTimeout bounds a sign-in: the person has this long to
// answer in the browser.
const DefaultLoginTimeout = 10 * time.Minute

// LoginOptions configures Login.
type LoginOptions struct {
	Client Client
	Store  Store
	// Out receives the instructions, in plain words.
	Out   io.Writer
	Clock clock.Clock // nil: clock.System()
	// Timeout is DefaultLoginTimeout when zero.
	Timeout time.Duration
	// ListenAddr is where the loopback redirect listens (default
	// 127.0.0.1:0, a free port).
	ListenAddr string
}

// Login runs the configured grant, then saves the sign-in. It returns
// what was saved.
func Login(ctx context.Context, o LoginOptions) (Saved, error) {
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultLoginTimeout
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		tok *oauth2.Token
		err error
	)
	switch o.Client.Grant {
	case config.GrantDevice:
		tok, err = deviceGrant(ctx, o)
	case config.GrantLoopback:
		tok, err = loopbackGrant(ctx, o)
	default:
		return Saved{}, fmt.Errorf("imap.oauth2.grant %q: want device or loopback", o.Client.Grant)
	}
	if err != nil {
		return Saved{}, err
	}
	if tok.RefreshToken == "" {
		return Saved{}, errors.New("the provider signed you in but gave no refresh token, so boundaryd could not stay signed in " +
			"(Microsoft: the offline_access scope is needed; Google: remove boundaryd's access at https://myaccount.google.com/permissions and sign in again)")
	}
	now := o.Clock.Now()
	sv := savedFrom(Saved{Provider: string(o.Client.Provider), ClientID: o.Client.ClientID, Username: o.Client.Username}, tok, now)
	sv.SignedIn = now
	if err := o.Store.Save(sv); err != nil {
		return Saved{}, fmt.Errorf("signed in, but the sign-in could not be saved: %w", err)
	}
	return sv, nil
}

// withTimeout ends ctx after o.Timeout on the injected clock.
func withTimeout(ctx context.Context, o LoginOptions) (context.Context, func() bool) {
	ctx, cancel := context.WithCancel(ctx)
	timedOut := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-o.Clock.After(o.Timeout):
			close(timedOut)
			cancel()
		}
	}()
	return ctx, func() bool {
		cancel()
		select {
		case <-timedOut:
			return true
		default:
			return false
		}
	}
}

// deviceGrant is RFC 8628: show the code and the page, poll until the
// person has approved.
func deviceGrant(ctx context.Context, o LoginOptions) (*oauth2.Token, error) {
	conf, err := o.Client.config(ctx, "")
	if err != nil {
		return nil, err
	}
	ctx = o.Client.withHTTP(ctx)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return nil, fmt.Errorf("asking the provider for a sign-in code: %w", err)
	}
	page := safetext.OneLine(da.VerificationURI, 500)
	code := safetext.OneLine(da.UserCode, 100)
	fmt.Fprintf(o.Out, "To let boundaryd read %s:\n\n", o.Client.Username)
	fmt.Fprintf(o.Out, "  1. Open this page in a web browser, on this computer or your phone:\n\n       %s\n\n", page)
	fmt.Fprintf(o.Out, "  2. Type this code when it asks:  %s\n\n", code)
	fmt.Fprintf(o.Out, "  3. Sign in as %s and accept.\n\n", o.Client.Username)
	fmt.Fprintf(o.Out, "Waiting for you to finish (up to %s)...\n", plainDuration(o.Timeout))
	wctx, timedOut := withTimeout(ctx, o)
	tok, err := conf.DeviceAccessToken(wctx, da)
	if timedOut() {
		return nil, fmt.Errorf("gave up waiting after %s; run `boundaryd login` again when you are ready", plainDuration(o.Timeout))
	}
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "access_denied" {
			return nil, errors.New("the sign-in was declined in the browser")
		}
		if errors.As(err, &re) && re.ErrorCode == "expired_token" {
			return nil, errors.New("the code expired before the sign-in was finished; run `boundaryd login` again")
		}
		return nil, fmt.Errorf("waiting for the sign-in: %w", err)
	}
	return tok, nil
}

// loopbackGrant is the authorization code grant with PKCE, answered on
// 127.0.0.1 (RFC 8252): it prints the address to open (it opens nothing
// itself), checks state, and trades the code with the verifier.
func loopbackGrant(ctx context.Context, o LoginOptions) (*oauth2.Token, error) {
	addr := o.ListenAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for the browser's answer: %w", err)
	}
	redirect := "http://" + ln.Addr().String() + "/"
	conf, err := o.Client.config(ctx, redirect)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	state := randomToken()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.AccessTypeOffline,
		oauth2.SetAuthURLParam("prompt", "consent")}
	if o.Client.Username != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", o.Client.Username))
	}
	authURL := conf.AuthCodeURL(state, opts...)

	type answer struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan answer, 1)
	hctx := o.Client.withHTTP(ctx)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("state") != state {
			// Not our browser's answer (or a forged one): refuse it and
			// keep waiting for the real one.
			http.Error(w, "This answer does not belong to the sign-in boundaryd started (state does not match).", http.StatusBadRequest)
			return
		}
		if e := q.Get("error"); e != "" {
			msg := safetext.OneLine(e+": "+q.Get("error_description"), 300)
			http.Error(w, "Sign-in not completed: "+msg+". You can close this window.", http.StatusForbidden)
			select {
			case done <- answer{err: fmt.Errorf("the provider did not sign you in: %s", msg)}:
			default:
			}
			return
		}
		code := q.Get("code")
		if code == "" {
			http.Error(w, "No authorization code in the answer.", http.StatusBadRequest)
			return
		}
		tok, err := conf.Exchange(hctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			http.Error(w, "Signing in failed; see the terminal. You can close this window.", http.StatusBadGateway)
			select {
			case done <- answer{err: fmt.Errorf("trading the authorization code for a token: %w", err)}:
			default:
			}
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "boundaryd is signed in. You can close this window and go back to the terminal.\n")
		select {
		case done <- answer{tok: tok}:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	fmt.Fprintf(o.Out, "To let boundaryd read %s:\n\n", o.Client.Username)
	fmt.Fprintf(o.Out, "  1. Open this address in a web browser on this computer:\n\n%s\n\n", authURL)
	fmt.Fprintf(o.Out, "  2. Sign in as %s and accept. The browser then comes back to boundaryd on %s.\n\n", o.Client.Username, ln.Addr())
	fmt.Fprintf(o.Out, "Waiting for you to finish (up to %s)...\n", plainDuration(o.Timeout))
	wctx, timedOut := withTimeout(ctx, o)
	select {
	case a := <-done:
		timedOut()
		return a.tok, a.err
	case <-wctx.Done():
		if timedOut() {
			return nil, fmt.Errorf("gave up waiting after %s; run `boundaryd login` again when you are ready", plainDuration(o.Timeout))
		}
		return nil, ctx.Err()
	}
}

// plainDuration says d in words: "10 minutes", "90 seconds".
func plainDuration(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
