package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/oauth"
	"github.com/boundaryd/boundaryd/internal/oauth/oauthtest"
)

// TestIMAPOptionsOAuth2Revoked: with imap.auth: oauth2 the password source
// is the saved sign-in; a refresh token the provider refuses makes the
// login fail with ErrRevoked and /healthz unhealthy with the reason.
func TestIMAPOptionsOAuth2Revoked(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Options{})
	cfg, state := oauthConfig(t, auth)
	// A sign-in the provider no longer knows (revoked).
	if err := oauth.StoreFor(state, "").Save(oauth.Saved{ClientID: auth.ClientID(), RefreshToken: "rt-revoked"}); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	m := health.NewMetrics(clk)
	m.SessionUp(true)
	o := IMAPOptionsFor(cfg, Options{Metrics: m, Clock: clk})
	if o.Auth != imapwatch.AuthOAuthBearer {
		t.Errorf("auth %s, want oauthbearer (custom's default)", o.Auth)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := o.Password(ctx); !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("password: %v, want ErrRevoked", err)
	}
	rep := (&health.Checker{Session: m.Session, Clock: clk}).Check()
	if rep.Healthy() || !strings.Contains(strings.Join(rep.Reasons, "|"), oauth.HealthReason) {
		t.Errorf("health: %+v", rep)
	}
}

// TestIMAPOptionsOAuth2RefusedTokenRefreshed: when the IMAP server refuses
// an access token that has not expired (revoked early), the next login
// gets a refreshed one.
func TestIMAPOptionsOAuth2RefusedTokenRefreshed(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Options{})
	cfg, state := oauthConfig(t, auth)
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	rt, at := auth.SignIn()
	if err := oauth.StoreFor(state, "").Save(oauth.Saved{ClientID: auth.ClientID(), RefreshToken: rt, AccessToken: at, Expiry: clk.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	o := IMAPOptionsFor(cfg, Options{Clock: clk})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got, err := o.Password(ctx); err != nil || got != at {
		t.Fatalf("first login: %q %v, want the saved token", got, err)
	}
	o.OnDisconnect(fmt.Errorf("%w for dr@example.org: Invalid token", imapwatch.ErrAuth))
	got, err := o.Password(ctx)
	if issued := auth.Issued(); err != nil || got == at || got != issued[len(issued)-1] {
		t.Fatalf("after a refused token: %q %v, issued %v", got, err, issued)
	}
}

func oauthConfig(t *testing.T, auth *oauthtest.Server) (*config.Config, string) {
	t.Helper()
	state := t.TempDir()
	y := fmt.Sprintf(`imap:
  host: imap.example.org
  username: dr@example.org
  auth: oauth2
  oauth2:
    provider: custom
    client_id: %s
    device_url: %s
    token_url: %s
    scopes: [imap]
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
state_dir: %s
`, auth.ClientID(), auth.DeviceURL(), auth.TokenURL(), state)
	cfg, probs, err := config.Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatal(probs.Lines())
	}
	return cfg, state
}
