// Package oauth is boundaryd's built-in OAuth2 sign-in for IMAP (imap.auth:
// oauth2). It runs the two grants a person at a terminal can complete with
// the user's own registered client (golang.org/x/oauth2 does the protocol):
//
//   - the device authorization grant (RFC 8628, Microsoft's default): a
//     code to type at the provider's page, from any device;
//   - the authorization code grant with PKCE and a loopback redirect
//     (RFC 7636, RFC 8252, Google's default): a URL to open, answered on
//     127.0.0.1.
//
// The refresh token is kept in a 0600 file in the state directory (a file
// others can read is refused), written atomically. Source hands out an
// access token at each IMAP login, refreshing it shortly before it expires
// (by the injected clock) and saving a rotated refresh token; a refresh the
// provider refuses (invalid_grant: revoked, expired, password changed) is a
// *RevokedError, which the daemon surfaces in /healthz.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/safetext"
)

// The providers' IMAP scopes. Microsoft needs offline_access for a refresh
// token; Google gives one with access_type=offline.
var (
	GoogleScopes    = []string{"https://mail.google.com/"}
	MicrosoftScopes = []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"}
)

// DefaultHTTPTimeout bounds each request to the provider.
const DefaultHTTPTimeout = 30 * time.Second

// Client is one registered OAuth2 client and the provider it talks to.
type Client struct {
	Provider config.OAuthProvider
	Grant    config.OAuthGrant
	ClientID string
	// ClientSecret, when set, yields the client secret (Google's desktop
	// clients); nil for a public client.
	ClientSecret func(context.Context) (string, error)
	Endpoint     oauth2.Endpoint
	Scopes       []string
	// Username is the mailbox signed in to (a login hint for the provider).
	Username string
	// HTTP is the client for the provider's endpoints (nil: one with
	// DefaultHTTPTimeout).
	HTTP *http.Client
}

// ClientFor maps the imap section (auth: oauth2) to a Client.
func ClientFor(m config.IMAP) (Client, error) {
	o := m.OAuth2
	if o == nil {
		return Client{}, errors.New("imap.oauth2 is not configured")
	}
	c := Client{Provider: o.Provider, Grant: o.Grant, ClientID: o.ClientID, Username: m.Username, Scopes: o.Scopes}
	if o.Secret.IsSet() {
		c.ClientSecret = o.Secret.Func()
	}
	switch o.Provider {
	case config.ProviderGoogle:
		c.Endpoint = endpoints.Google
		if len(c.Scopes) == 0 {
			c.Scopes = GoogleScopes
		}
	case config.ProviderMicrosoft:
		c.Endpoint = endpoints.AzureAD(o.Tenant)
		if len(c.Scopes) == 0 {
			c.Scopes = MicrosoftScopes
		}
	case config.ProviderCustom:
		c.Endpoint = oauth2.Endpoint{AuthURL: o.AuthURL, TokenURL: o.TokenURL, DeviceAuthURL: o.DeviceURL}
	default:
		return Client{}, fmt.Errorf("imap.oauth2.provider %q: want google, microsoft or custom", o.Provider)
	}
	// Client credentials go in the form body: what public and desktop
	// clients use, and no probing of the other style on failure.
	c.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	return c, nil
}

// config builds the x/oauth2 configuration, resolving the client secret.
func (c Client) config(ctx context.Context, redirect string) (*oauth2.Config, error) {
	conf := &oauth2.Config{ClientID: c.ClientID, Endpoint: c.Endpoint, Scopes: c.Scopes, RedirectURL: redirect}
	if c.ClientSecret != nil {
		s, err := c.ClientSecret(ctx)
		if err != nil {
			return nil, fmt.Errorf("imap.oauth2 client secret: %w", err)
		}
		conf.ClientSecret = s
	}
	return conf, nil
}

// withHTTP puts the HTTP client where x/oauth2 looks for it.
func (c Client) withHTTP(ctx context.Context) context.Context {
	h := c.HTTP
	if h == nil {
		h = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, h)
}

// ErrRevoked is matched (errors.Is) by every *RevokedError.
var ErrRevoked = errors.New("the OAuth2 sign-in was revoked or has expired")

// ErrNotSignedIn means there is no saved sign-in yet.
var ErrNotSignedIn = errors.New("not signed in")

// RevokedError is a refresh the provider refused for good: the refresh
// token was revoked, expired, or the client was deleted. Only a new
// `boundaryd login` helps.
type RevokedError struct {
	Code        string // invalid_grant, invalid_client, unauthorized_client
	Description string // the provider's words (no secret in them)
	// Fingerprint names the refused refresh token without revealing it:
	// a key for telling the user once per revocation.
	Fingerprint string
}

func (e *RevokedError) Error() string {
	msg := fmt.Sprintf("%v (the provider answered %s", ErrRevoked, e.Code)
	if e.Description != "" {
		msg += ": " + safetext.OneLine(e.Description, 200)
	}
	return msg + "); run `boundaryd login --config FILE` again"
}

// Is makes errors.Is(err, ErrRevoked) true.
func (e *RevokedError) Is(target error) bool { return target == ErrRevoked }

// HealthReason is the fixed text /healthz shows while revoked.
const HealthReason = "IMAP sign-in (OAuth2) revoked or expired: incoming mail is not being watched; run boundaryd login"

// asRevoked recognises the token endpoint's final refusals.
func asRevoked(err error) (*RevokedError, bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return nil, false
	}
	switch re.ErrorCode {
	case "invalid_grant", "invalid_client", "unauthorized_client":
		return &RevokedError{Code: re.ErrorCode, Description: re.ErrorDescription}, true
	}
	return nil, false
}
