package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/oauth"
	"github.com/boundaryd/boundaryd/internal/oauth/oauthtest"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// lineOut hands each printed line to a channel as it is printed.
type lineOut struct {
	mu  sync.Mutex
	buf string
	all strings.Builder
	ch  chan string
}

func (l *lineOut) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.buf += string(p)
	for {
		i := strings.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.ch <- l.buf[:i]
		l.buf = l.buf[i+1:]
	}
}

func (l *lineOut) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

func (l *lineOut) wait(t *testing.T, ctx context.Context, match func(string) bool) string {
	t.Helper()
	for {
		select {
		case s := <-l.ch:
			if match(s) {
				return s
			}
		case <-ctx.Done():
			t.Fatalf("not printed; got:\n%s", l.String())
		}
	}
}

// oauthSetup is a local authorization server, a memory IMAP server that
// accepts only the access tokens that server issued, and a configuration
// (provider custom) pointing at both.
func oauthSetup(t *testing.T, grant, mech string, expiresIn int) (*oauthtest.Server, *testimap.Mem, string) {
	t.Helper()
	mem := testimap.StartMem(t, testimap.MemOptions{OAuthToken: "not-issued"})
	auth := oauthtest.Start(t, oauthtest.Options{OnIssue: mem.SetOAuthToken, ExpiresIn: expiresIn})
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: %s
  auth: oauth2
  oauth2:
    provider: custom
    client_id: %s
    grant: %s
    mechanism: %s
    auth_url: %s
    token_url: %s
    device_url: %s
    scopes: [imap]
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
state_dir: %s
`, mem.Port(), mem.User(), auth.ClientID(), grant, mech, auth.AuthURL(), auth.TokenURL(), auth.DeviceURL(), filepath.Join(dir, "state"))
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return auth, mem, p
}

func runLogin(ctx context.Context, cfg string, out *lineOut) (chan int, *strings.Builder) {
	errb := &strings.Builder{}
	done := make(chan int, 1)
	go func() { done <- runCLI(ctx, []string{"login", "--config", cfg}, strings.NewReader(""), out, errb) }()
	return done, errb
}

func checkSignedIn(t *testing.T, cfg string, code int, out, errOut string) {
	t.Helper()
	if code != 0 {
		t.Fatalf("login: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("boundaryd login printed:\n%s", out)
	if !strings.Contains(out, "Signed in.") || !strings.Contains(out, "with the new token: ok") {
		t.Errorf("output:\n%s", out)
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(cfg), "state", oauth.TokenFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v %v", fi, err)
	}
}

// TestLoginLoopbackEndToEnd: `boundaryd login` with the loopback grant:
// the test opens the printed address as a browser would, the redirect
// comes back to boundaryd, and the IMAP server accepts the new token
// through XOAUTH2.
func TestLoginLoopbackEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	auth, _, cfg := oauthSetup(t, "loopback", "xoauth2", 0)
	out := &lineOut{ch: make(chan string, 256)}
	done, errb := runLogin(ctx, cfg, out)
	u := out.wait(t, ctx, func(s string) bool { return strings.HasPrefix(s, auth.AuthURL()+"?") })
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("browser: %s", resp.Status)
	}
	checkSignedIn(t, cfg, <-done, out.String(), errb.String())
}

// TestLoginDeviceEndToEnd: `boundaryd login` with the device grant: it
// prints the page and the code, waits while pending, and signs in once the
// test approves the code; the IMAP server accepts the token through
// OAUTHBEARER.
func TestLoginDeviceEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	auth, _, cfg := oauthSetup(t, "device", "oauthbearer", 0)
	deviceLogin(t, ctx, auth, cfg)
}

func deviceLogin(t *testing.T, ctx context.Context, auth *oauthtest.Server, cfg string) {
	t.Helper()
	out := &lineOut{ch: make(chan string, 256)}
	done, errb := runLogin(ctx, cfg, out)
	out.wait(t, ctx, func(s string) bool { return strings.TrimSpace(s) == auth.VerificationURI() })
	line := out.wait(t, ctx, func(s string) bool { return strings.Contains(s, "Type this code") })
	select {
	case <-auth.Polled():
	case <-ctx.Done():
		t.Fatal("never polled")
	}
	if !auth.Approve(strings.TrimSpace(line[strings.LastIndex(line, "  "):])) {
		t.Fatalf("code not found in %q", line)
	}
	checkSignedIn(t, cfg, <-done, out.String(), errb.String())
}

// TestLoginRefusesOtherAuth: login is for imap.auth: oauth2 only.
func TestLoginRefusesOtherAuth(t *testing.T) {
	m := testimap.StartMem(t, testimap.MemOptions{})
	cfg := writeConfig(t, m, "")
	code, _, errOut := cli(t, "", "login", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "login is for imap.auth: oauth2") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestRunWithRevokedSignIn: access tokens shorter-lived than the refresh
// margin are refreshed at every login; once the provider has revoked the
// sign-in, `boundaryd run` stops at its first login with exit 1 and says
// to run login again.
func TestRunWithRevokedSignIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	auth, _, cfg := oauthSetup(t, "device", "xoauth2", 60)
	deviceLogin(t, ctx, auth, cfg) // its IMAP check already refreshed once
	before, _, _ := auth.Counts()
	auth.Revoke()
	code, _, errOut := cli(t, "", "run", "--config", cfg)
	t.Logf("boundaryd run: exit %d; stderr ends: %s", code, errOut[strings.LastIndex(strings.TrimSpace(errOut), "\n")+1:])
	if code != 1 || !strings.Contains(errOut, "revoked") || !strings.Contains(errOut, "boundaryd login") {
		t.Errorf("run: exit %d\n%s", code, errOut)
	}
	if n, _, _ := auth.Counts(); before != 1 || n != 2 {
		t.Errorf("refresh attempts: %d at login, %d after run; want 1 and 2", before, n)
	}
}
