package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/oauth"
	"github.com/boundaryd/boundaryd/internal/oauth/oauthtest"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// lines is an io.Writer handing each complete line to a channel, so a
// test can act on what Login prints the moment it is printed.
type lines struct {
	mu  sync.Mutex
	buf []byte
	all strings.Builder
	ch  chan string
}

func newLines() *lines { return &lines{ch: make(chan string, 256)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		l.ch <- string(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// waitLine returns the first printed line for which match returns true.
func (l *lines) waitLine(t *testing.T, match func(string) bool) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case s := <-l.ch:
			if match(s) {
				return s
			}
		case <-timeout:
			t.Fatalf("no such line printed; got:\n%s", l.String())
		}
	}
}

const user = "alice"

// world is an authorization server and an IMAP server accepting exactly
// the access token it issued last.
type world struct {
	auth  *oauthtest.Server
	imap  *testimap.Mem
	clk   *clock.Fake
	store oauth.Store
}

func newWorld(t *testing.T, o oauthtest.Options) *world {
	t.Helper()
	w := &world{clk: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	// The IMAP server starts with a token nobody has, then accepts each
	// token the authorization server issues (and that one only).
	w.imap = testimap.StartMem(t, testimap.MemOptions{User: user, OAuthToken: "not-issued-" + t.Name()})
	o.OnIssue = w.imap.SetOAuthToken
	w.auth = oauthtest.Start(t, o)
	w.store = oauth.StoreFor(t.TempDir(), "")
	return w
}

func (w *world) client(grant config.OAuthGrant) oauth.Client {
	return oauth.Client{
		Provider: config.ProviderCustom, Grant: grant, ClientID: w.auth.ClientID(), Username: user,
		Endpoint: oauthEndpoint(w.auth), Scopes: []string{"imap"},
	}
}

// imapLogin logs in to the IMAP server with mech and tokens from src.
func (w *world) imapLogin(ctx context.Context, mech imapwatch.Auth, password func(context.Context) (string, error)) error {
	s, err := imapwatch.Dial(ctx, imapwatch.Options{
		Host: w.imap.Host(), Port: w.imap.Port(), Security: imapwatch.SecurityInsecure,
		Username: user, Auth: mech, Password: password, CommandTimeout: 10 * time.Second,
	})
	if err != nil {
		return err
	}
	return s.Close()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// browse is the person at the browser: it opens the printed address and
// follows the redirects back to boundaryd's loopback listener.
func browse(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("browser: %v", err)
		return nil
	}
	resp.Body.Close()
	return resp
}

// TestLoopbackLoginThenIMAP: the loopback grant with PKCE against the
// local authorization server; a forged answer (wrong state) is refused;
// the saved token is 0600; the IMAP server accepts the issued token
// through XOAUTH2 and OAUTHBEARER and refuses one it never issued.
func TestLoopbackLoginThenIMAP(t *testing.T) {
	ctx := ctxT(t)
	w := newWorld(t, oauthtest.Options{ClientSecret: "desktop-secret"})
	c := w.client(config.GrantLoopback)
	c.ClientSecret = func(context.Context) (string, error) { return "desktop-secret", nil }
	out := newLines()
	type result struct {
		sv  oauth.Saved
		err error
	}
	done := make(chan result, 1)
	go func() {
		sv, err := oauth.Login(ctx, oauth.LoginOptions{Client: c, Store: w.store, Out: out, Clock: w.clk})
		done <- result{sv, err}
	}()
	authURL := out.waitLine(t, func(s string) bool { return strings.HasPrefix(s, w.auth.AuthURL()) })
	for _, want := range []string{"code_challenge_method=S256", "access_type=offline", "prompt=consent", "login_hint=alice", "redirect_uri=http%3A%2F%2F127.0.0.1%3A"} {
		if !strings.Contains(authURL, want) {
			t.Errorf("authorization address lacks %s: %s", want, authURL)
		}
	}
	back := out.waitLine(t, func(s string) bool { return strings.Contains(s, "comes back to boundaryd on 127.0.0.1:") })
	loop := strings.TrimSuffix(back[strings.Index(back, "127.0.0.1:"):], ".")
	// A forged answer with the wrong state is refused and changes nothing.
	if resp := browse(t, "http://"+loop+"/?code=forged&state=wrong"); resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged answer: %v", resp)
	}
	if resp := browse(t, authURL); resp == nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("browser sign-in: %v", resp)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("login: %v\n%s", r.err, out)
	}
	if _, _, ex := w.auth.Counts(); ex != 1 {
		t.Errorf("%d codes traded, want 1", ex)
	}
	issued := w.auth.Issued()
	if len(issued) != 1 || r.sv.AccessToken != issued[0] || r.sv.RefreshToken == "" {
		t.Fatalf("saved %+v, issued %v", r.sv, issued)
	}
	fi, err := os.Stat(w.store.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi.Mode(), err)
	}

	src := oauth.NewSource(oauth.SourceOptions{Client: c, Store: w.store, Clock: w.clk})
	for _, mech := range []imapwatch.Auth{imapwatch.AuthXOAuth2, imapwatch.AuthOAuthBearer} {
		if err := w.imapLogin(ctx, mech, src.AccessToken); err != nil {
			t.Errorf("%s with the issued token: %v", mech, err)
		}
		bogus := func(context.Context) (string, error) { return "at-never-issued", nil }
		if err := w.imapLogin(ctx, mech, bogus); !errors.Is(err, imapwatch.ErrAuth) {
			t.Errorf("%s with a token never issued: %v, want ErrAuth", mech, err)
		}
	}
	if refreshes, _, _ := w.auth.Counts(); refreshes != 0 {
		t.Errorf("%d refreshes for a fresh token", refreshes)
	}
}

// TestDeviceLogin: the device grant prints the page and the code in plain
// words, polls while the code is pending, and signs in once approved.
func TestDeviceLogin(t *testing.T) {
	ctx := ctxT(t)
	w := newWorld(t, oauthtest.Options{})
	out := newLines()
	done := make(chan error, 1)
	go func() {
		_, err := oauth.Login(ctx, oauth.LoginOptions{Client: w.client(config.GrantDevice), Store: w.store, Out: out, Clock: w.clk})
		done <- err
	}()
	out.waitLine(t, func(s string) bool { return strings.Contains(s, "Open this page") })
	out.waitLine(t, func(s string) bool { return strings.TrimSpace(s) == w.auth.VerificationURI() })
	codeLine := out.waitLine(t, func(s string) bool { return strings.Contains(s, "Type this code") })
	code := strings.TrimSpace(codeLine[strings.LastIndex(codeLine, "  "):])
	// Approve only after the client has been told "pending" at least once.
	select {
	case <-w.auth.Polled():
	case err := <-done:
		t.Fatalf("login ended before approval: %v", err)
	case <-ctx.Done():
		t.Fatal("the client never polled")
	}
	if !w.auth.Approve(code) {
		t.Fatalf("no pending sign-in with code %q:\n%s", code, out)
	}
	if err := <-done; err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	src := oauth.NewSource(oauth.SourceOptions{Client: w.client(config.GrantDevice), Store: w.store, Clock: w.clk})
	if err := w.imapLogin(ctx, imapwatch.AuthXOAuth2, src.AccessToken); err != nil {
		t.Fatalf("IMAP after device sign-in: %v", err)
	}
}

// seed signs in through the device grant, approving at once.
func seed(t *testing.T, w *world) {
	t.Helper()
	ctx := ctxT(t)
	out := newLines()
	done := make(chan error, 1)
	go func() {
		_, err := oauth.Login(ctx, oauth.LoginOptions{Client: w.client(config.GrantDevice), Store: w.store, Out: out, Clock: w.clk})
		done <- err
	}()
	codeLine := out.waitLine(t, func(s string) bool { return strings.Contains(s, "Type this code") })
	if !w.auth.Approve(strings.TrimSpace(codeLine[strings.LastIndex(codeLine, "  "):])) {
		t.Fatal("approve")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRefreshBeforeExpiry: the saved token is used until Margin before its
// expiry (by the injected clock), then refreshed; the rotated refresh
// token is saved; the IMAP server, which now accepts only the new token,
// lets the next login in.
func TestRefreshBeforeExpiry(t *testing.T) {
	ctx := ctxT(t)
	w := newWorld(t, oauthtest.Options{ExpiresIn: 3600})
	seed(t, w)
	first, _ := w.store.Load()
	src := oauth.NewSource(oauth.SourceOptions{Client: w.client(config.GrantDevice), Store: w.store, Clock: w.clk, Margin: 5 * time.Minute})

	w.clk.Advance(54*time.Minute + 59*time.Second) // 5m01s left: still good
	tok, err := src.AccessToken(ctx)
	if err != nil || tok != first.AccessToken {
		t.Fatalf("before the margin: %q %v, want the saved token", tok, err)
	}
	if n, _, _ := w.auth.Counts(); n != 0 {
		t.Fatalf("%d refreshes before the margin", n)
	}
	w.clk.Advance(2 * time.Second) // 4m59s left: refresh now
	if err := w.imapLogin(ctx, imapwatch.AuthOAuthBearer, src.AccessToken); err != nil {
		t.Fatalf("login after refresh: %v", err)
	}
	second, _ := w.store.Load()
	issued := w.auth.Issued()
	if n, _, _ := w.auth.Counts(); n != 1 || len(issued) != 2 || second.AccessToken != issued[1] {
		t.Fatalf("refreshes %d, issued %v, saved %q", n, issued, second.AccessToken)
	}
	if second.RefreshToken == first.RefreshToken || second.RefreshToken == "" {
		t.Errorf("rotated refresh token not saved")
	}
	if want := w.clk.Now().Add(time.Hour); !second.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v (injected clock + expires_in)", second.Expiry, want)
	}
	// The old access token is no longer accepted: the login above used the new one.
	old := func(context.Context) (string, error) { return first.AccessToken, nil }
	if err := w.imapLogin(ctx, imapwatch.AuthOAuthBearer, old); !errors.Is(err, imapwatch.ErrAuth) {
		t.Errorf("old token: %v, want refused", err)
	}
}

// TestRevoked: a refresh the provider refuses is ErrRevoked, reported
// once (the provider is not asked again with the same token), turns
// /healthz unhealthy with the reason, and a new sign-in clears it.
func TestRevoked(t *testing.T) {
	ctx := ctxT(t)
	w := newWorld(t, oauthtest.Options{})
	seed(t, w)
	m := health.NewMetrics(w.clk)
	m.SessionUp(true)
	checker := &health.Checker{Session: m.Session, Clock: w.clk}
	revokedCalls := 0
	src := oauth.NewSource(oauth.SourceOptions{
		Client: w.client(config.GrantDevice), Store: w.store, Clock: w.clk,
		OnRevoked:  func(*oauth.RevokedError) { revokedCalls++; m.SetSignInProblem(oauth.HealthReason) },
		OnRestored: func() { m.SetSignInProblem("") },
	})
	w.auth.Revoke()
	w.clk.Advance(2 * time.Hour)
	for i := range 2 {
		_, err := src.AccessToken(ctx)
		var re *oauth.RevokedError
		if !errors.Is(err, oauth.ErrRevoked) || !errors.As(err, &re) || re.Code != "invalid_grant" || re.Fingerprint == "" {
			t.Fatalf("call %d: %v, want invalid_grant", i, err)
		}
		if !strings.Contains(err.Error(), "boundaryd login") {
			t.Errorf("the error does not say what to do: %v", err)
		}
	}
	if n, _, _ := w.auth.Counts(); n != 1 || revokedCalls != 1 {
		t.Errorf("refresh attempts %d, OnRevoked %d; want 1 and 1", n, revokedCalls)
	}
	// Through imapwatch too: the login fails as an authentication error.
	if err := w.imapLogin(ctx, imapwatch.AuthXOAuth2, src.AccessToken); !errors.Is(err, imapwatch.ErrAuth) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("imap login: %v", err)
	}
	rep := checker.Check()
	if rep.Healthy() || !strings.Contains(strings.Join(rep.Reasons, "|"), "revoked") {
		t.Fatalf("health while revoked: %+v", rep)
	}
	// The user signs in again; the running source picks it up.
	seed(t, w)
	if err := w.imapLogin(ctx, imapwatch.AuthXOAuth2, src.AccessToken); err != nil {
		t.Fatalf("after a new sign-in: %v", err)
	}
	if rep := checker.Check(); !rep.Healthy() {
		t.Errorf("health after a new sign-in: %+v", rep)
	}
}

// TestLoopbackTimesOut: nobody answers in the browser; the login gives up
// when the injected clock passes the timeout.
func TestLoopbackTimesOut(t *testing.T) {
	ctx := ctxT(t)
	w := newWorld(t, oauthtest.Options{})
	done := make(chan error, 1)
	go func() {
		_, err := oauth.Login(ctx, oauth.LoginOptions{Client: w.client(config.GrantLoopback), Store: w.store, Out: newLines(), Clock: w.clk, Timeout: time.Minute})
		done <- err
	}()
	if err := w.clk.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Minute)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "gave up waiting") {
		t.Fatalf("got %v", err)
	}
	if _, err := w.store.Load(); !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Errorf("a sign-in was saved: %v", err)
	}
}

// TestTokenFile: a token file others can read is refused; a save leaves
// no temporary file; a bare refresh token (a systemd credential) is read
// while the state directory has none.
func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	st := oauth.StoreFor(dir, "")
	if err := st.Save(oauth.Saved{ClientID: "c", RefreshToken: "rt-1"}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
	if sv, err := st.Load(); err != nil || sv.RefreshToken != "rt-1" {
		t.Fatalf("load: %+v %v", sv, err)
	}
	if err := os.Chmod(st.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a 0644 token file was read: %v", err)
	}
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, oauth.CredentialName), []byte("rt-from-systemd\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	cs := oauth.StoreFor(t.TempDir(), creds)
	if sv, err := cs.Load(); err != nil || sv.RefreshToken != "rt-from-systemd" {
		t.Errorf("credential: %+v %v", sv, err)
	}
	// The daemon saves the rotated token to the state dir: it wins over
	// the credential it descends from...
	sv, _ := cs.Load()
	sv.RefreshToken = "rt-rotated"
	if err := cs.Save(sv); err != nil {
		t.Fatal(err)
	}
	if sv, err := cs.Load(); err != nil || sv.RefreshToken != "rt-rotated" {
		t.Errorf("after rotation: %+v %v", sv, err)
	}
	// ...until a new sign-in replaces the credential.
	if err := os.Remove(filepath.Join(creds, oauth.CredentialName)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, oauth.CredentialName), []byte(`{"refresh_token":"rt-new-login"}`), 0o400); err != nil {
		t.Fatal(err)
	}
	if sv, err := cs.Load(); err != nil || sv.RefreshToken != "rt-new-login" {
		t.Errorf("after a new credential: %+v %v", sv, err)
	}
	if _, err := oauth.StoreFor(t.TempDir(), "").Load(); !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Errorf("empty state: %v", err)
	}
}

// TestClientFor: the built-in providers' endpoints, scopes and defaults.
func TestClientFor(t *testing.T) {
	for _, tc := range []struct {
		yaml, authURL, deviceURL, scope string
		grant                           config.OAuthGrant
	}{
		{"provider: google\n    client_id: g", "https://accounts.google.com/", "", "https://mail.google.com/", config.GrantLoopback},
		{"provider: microsoft\n    client_id: m", "https://login.microsoftonline.com/common/", "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode", "https://outlook.office.com/IMAP.AccessAsUser.All", config.GrantDevice},
		{"provider: microsoft\n    client_id: m\n    tenant: consumers", "https://login.microsoftonline.com/consumers/", "", "offline_access", config.GrantDevice},
	} {
		y := "imap:\n  host: h.example.org\n  username: u@example.org\n  auth: oauth2\n  oauth2:\n    " + tc.yaml +
			"\nsenders:\n  patients: [\"*\"]\nreading_windows:\n  schedule: [\"0 18 * * TUE\"]\n"
		cfg, probs, err := config.Parse("c.yaml", []byte(y))
		if err != nil {
			t.Fatal(probs.Lines())
		}
		c, err := oauth.ClientFor(cfg.IMAP)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.Endpoint.AuthURL, tc.authURL) || (tc.deviceURL != "" && c.Endpoint.DeviceAuthURL != tc.deviceURL) ||
			!strings.Contains(strings.Join(c.Scopes, " "), tc.scope) || c.Grant != tc.grant || c.Username != "u@example.org" {
			t.Errorf("%s: %+v", tc.yaml, c)
		}
	}
}
