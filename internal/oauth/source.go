package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/boundaryd/boundaryd/clock"
)

// DefaultRefreshMargin is how long before its expiry an access token is
// replaced: a login never presents a token about to lapse mid-session.
const DefaultRefreshMargin = 5 * time.Minute

// SourceOptions configures a Source.
type SourceOptions struct {
	Client Client
	Store  Store
	Clock  clock.Clock // nil: clock.System()
	// Margin is DefaultRefreshMargin when zero.
	Margin time.Duration
	Logger *slog.Logger
	// OnRevoked is called once when the provider refuses the saved
	// sign-in for good, and again only after a sign-in worked in between.
	OnRevoked func(err *RevokedError)
	// OnRestored is called when a token is handed out after OnRevoked.
	OnRestored func()
}

// Source hands out access tokens for IMAP logins. It re-reads the saved
// sign-in at each call, so a `boundaryd login` while the daemon runs is
// picked up at its next login.
type Source struct {
	o SourceOptions

	mu sync.Mutex
	// revokedRT is the refresh token the provider refused, and revoked
	// the refusal: not tried again until the saved sign-in changes.
	revokedRT string
	revoked   *RevokedError
	// stale is the access token the server refused (Invalidate): the
	// next call refreshes even though it has not expired.
	stale string
}

// Invalidate says the IMAP server refused the last access token (revoked
// early, or the clocks disagree): the next AccessToken refreshes.
func (s *Source) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, err := s.o.Store.Load(); err == nil {
		s.stale = sv.AccessToken
	}
}

// NewSource returns a Source.
func NewSource(o SourceOptions) *Source {
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	if o.Margin <= 0 {
		o.Margin = DefaultRefreshMargin
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Source{o: o}
}

// AccessToken returns a valid access token: the saved one while it has
// more than Margin left, else a refreshed one (saved with any rotated
// refresh token). A refusal for good is a *RevokedError (errors.Is
// ErrRevoked); no saved sign-in wraps ErrNotSignedIn.
func (s *Source) AccessToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, err := s.o.Store.Load()
	if err != nil {
		return "", err
	}
	if sv.ClientID != "" && sv.ClientID != s.o.Client.ClientID {
		return "", fmt.Errorf("the saved sign-in is for another client ID than imap.oauth2.client_id; run `boundaryd login --config FILE` again")
	}
	if s.revoked != nil && sv.RefreshToken == s.revokedRT {
		return "", s.revoked
	}
	now := s.o.Clock.Now()
	if sv.AccessToken != "" && sv.AccessToken != s.stale && now.Before(sv.Expiry.Add(-s.o.Margin)) {
		s.restored()
		return sv.AccessToken, nil
	}
	tok, err := s.refresh(ctx, sv.RefreshToken)
	if err != nil {
		if re, ok := asRevoked(err); ok {
			re.Fingerprint = fingerprint(sv.RefreshToken)
			s.revokedRT, s.revoked = sv.RefreshToken, re
			s.o.Logger.Error("the OAuth2 sign-in was refused by the provider; IMAP cannot log in until `boundaryd login` is run again",
				"code", re.Code, "token_file", s.o.Store.Path)
			if s.o.OnRevoked != nil {
				s.o.OnRevoked(re)
			}
			return "", re
		}
		return "", fmt.Errorf("refreshing the OAuth2 access token: %w", err)
	}
	rotated := tok.RefreshToken != "" && tok.RefreshToken != sv.RefreshToken
	used := sv.RefreshToken
	sv = savedFrom(sv, tok, now)
	sv.Refreshed = now
	if err := s.saveUnlessReplaced(used, sv); err != nil {
		// The access token works for this login; the old refresh token may
		// too (Google keeps it). Say so loudly: a rotated token not kept
		// means signing in again after this one expires.
		s.o.Logger.Error("cannot save the refreshed OAuth2 sign-in", "token_file", s.o.Store.Path, "rotated", rotated, "err", err)
	}
	s.o.Logger.Debug("OAuth2 access token refreshed", "expires", sv.Expiry, "rotated", rotated)
	s.restored()
	return sv.AccessToken, nil
}

func (s *Source) restored() {
	if s.revoked == nil {
		return
	}
	s.revoked, s.revokedRT = nil, ""
	s.o.Logger.Info("the OAuth2 sign-in works again")
	if s.o.OnRestored != nil {
		s.o.OnRestored()
	}
}

// saveUnlessReplaced saves sv unless the file no longer holds the refresh
// token used (a `boundaryd login` ran meanwhile: its sign-in wins).
func (s *Source) saveUnlessReplaced(used string, sv Saved) error {
	if cur, err := s.o.Store.Load(); err == nil && cur.RefreshToken != used {
		return nil
	}
	return s.o.Store.Save(sv)
}

// refresh trades the refresh token for a new access token.
func (s *Source) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	conf, err := s.o.Client.config(ctx, "")
	if err != nil {
		return nil, err
	}
	// The token has no access token, so x/oauth2 refreshes at once; its
	// own expiry reckoning (the real clock) is never consulted: Saved's
	// Expiry is set from expires_in by the injected clock.
	return conf.TokenSource(s.o.Client.withHTTP(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// savedFrom updates sv with a token the provider issued at now.
func savedFrom(sv Saved, tok *oauth2.Token, now time.Time) Saved {
	sv.AccessToken = tok.AccessToken
	sv.TokenType = tok.TokenType
	if tok.RefreshToken != "" {
		sv.RefreshToken = tok.RefreshToken
	}
	sv.Expiry = time.Time{} // unknown: refreshed at the next login
	if tok.ExpiresIn > 0 {
		sv.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return sv
}
