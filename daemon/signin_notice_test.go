package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/oauth"
	"github.com/boundaryd/boundaryd/internal/oauth/oauthtest"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/store"
)

// deliveredSignal is a slog handler that signals each "alert delivered"
// (logged after the delivery is recorded), so a test can stop the daemon
// knowing the outbox says sent.
type deliveredSignal struct {
	slog.Handler
	c chan struct{}
}

func (h deliveredSignal) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "alert delivered" {
		h.c <- struct{}{}
	}
	return h.Handler.Handle(ctx, r)
}
func (h deliveredSignal) WithAttrs(a []slog.Attr) slog.Handler {
	return deliveredSignal{h.Handler.WithAttrs(a), h.c}
}
func (h deliveredSignal) WithGroup(n string) slog.Handler {
	return deliveredSignal{h.Handler.WithGroup(n), h.c}
}

// TestRevokedSignInSendsOneNotice: the provider refuses the saved OAuth2
// sign-in (revoked at the local authorization server): /healthz turns
// unhealthy and one notice (kind notice, level concern, "run boundaryd
// login") reaches the webhook; asking again in the same run and a restart
// that meets the same refusal send no second one; the page-only channel
// gets it too.
func TestRevokedSignInSendsOneNotice(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Options{})
	hook := startWebhook(t)
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
emergency:
  alerts:
    - type: webhook
      url: %s
      levels: [page]
state_dir: %s
`, auth.ClientID(), auth.DeviceURL(), auth.TokenURL(), hook.url, state)
	cfg, probs, err := config.Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatal(probs.Lines())
	}
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	rt, at := auth.SignIn()
	// The access token has expired: the next login refreshes, and the
	// provider has revoked the sign-in since.
	if err := oauth.StoreFor(state, "").Save(oauth.Saved{ClientID: auth.ClientID(), RefreshToken: rt, AccessToken: at, Expiry: clk.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	auth.Revoke()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	delivered := make(chan struct{}, 10)
	run := func() (*Daemon, *health.Metrics, func()) {
		st, err := store.Open(state, store.Options{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		m := health.NewMetrics(clk)
		m.SessionUp(true)
		log := slog.New(deliveredSignal{slog.NewTextHandler(&syncBuffer{}, nil), delivered})
		d, err := New(cfg, st, Options{Clock: clk, Metrics: m, Logger: log, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		dctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.Dispatcher().Run(dctx) }()
		return d, m, func() {
			stop()
			<-done
			st.Close()
		}
	}

	d, m, stop := run()
	o := d.IMAPOptions()
	if _, err := o.Password(ctx); !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("password: %v, want ErrRevoked", err)
	}
	rep := (&health.Checker{Session: m.Session, Clock: clk}).Check()
	if rep.Healthy() || !strings.Contains(strings.Join(rep.Reasons, "|"), oauth.HealthReason) {
		t.Errorf("health after the refusal: %+v", rep)
	}
	var got map[string]any
	select {
	case got = <-hook.C:
	case <-ctx.Done():
		t.Fatal("no notice reached the webhook")
	}
	t.Logf("notice: %v", got)
	if got["kind"] != string(notify.KindNotice) || got["level"] != string(notify.LevelConcern) {
		t.Errorf("notice kind/level = %v/%v, want notice/concern", got["kind"], got["level"])
	}
	select {
	case <-delivered:
	case <-ctx.Done():
		t.Fatal("the delivery was not recorded")
	}
	if _, err := o.Password(ctx); !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("second password: %v, want ErrRevoked", err)
	}
	if _, depth := d.Dispatcher().Health(); depth != 0 {
		t.Errorf("asking again in the same run queued %d more", depth)
	}
	stop()

	// A restart meets the same refusal: nothing new is queued.
	d, _, stop = run()
	defer stop()
	if _, err := d.IMAPOptions().Password(ctx); !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("password after restart: %v, want ErrRevoked", err)
	}
	if _, depth := d.Dispatcher().Health(); depth != 0 {
		t.Errorf("the restart queued %d notices again", depth)
	}
	select {
	case again := <-hook.C:
		t.Errorf("a second notice arrived: %v", again)
	default:
	}
}
