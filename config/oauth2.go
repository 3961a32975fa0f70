package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

// OAuth2 is imap.oauth2: boundaryd's own OAuth2 sign-in, used with
// imap.auth: oauth2. `boundaryd login` signs in once with the user's own
// registered client; the refresh token is kept in state_dir and every IMAP
// login takes a fresh access token from it.
type OAuth2 struct {
	Provider OAuthProvider `yaml:"provider"`
	ClientID string        `yaml:"client_id"`
	// The client secret is optional (Microsoft's public clients have none;
	// Google's "Desktop app" clients have one that is not really secret).
	ClientSecret        string `yaml:"client_secret"`
	ClientSecretEnv     string `yaml:"client_secret_env"`
	ClientSecretFile    string `yaml:"client_secret_file"`
	ClientSecretCommand string `yaml:"client_secret_command"`
	// Tenant is Microsoft's directory: common (default), organizations,
	// consumers, or the tenant's ID or domain.
	Tenant string `yaml:"tenant"`
	// Grant is how `boundaryd login` signs in; default by provider.
	Grant OAuthGrant `yaml:"grant"`
	// Mechanism is the IMAP SASL mechanism; default by provider.
	Mechanism OAuthMechanism `yaml:"mechanism"`
	// AuthURL, TokenURL and DeviceURL are the provider's endpoints (custom
	// only; google and microsoft have theirs built in).
	AuthURL   string `yaml:"auth_url"`
	TokenURL  string `yaml:"token_url"`
	DeviceURL string `yaml:"device_url"`
	// Scopes replace the provider's (required for custom).
	Scopes []string `yaml:"scopes"`

	// Secret is built from the client_secret* keys during validation.
	Secret Secret `yaml:"-"`
}

// OAuthProvider is imap.oauth2.provider.
type OAuthProvider string

// The providers.
const (
	ProviderGoogle    OAuthProvider = "google"
	ProviderMicrosoft OAuthProvider = "microsoft"
	ProviderCustom    OAuthProvider = "custom"
)

// Choices lists the providers.
func (OAuthProvider) Choices() []string {
	return []string{string(ProviderGoogle), string(ProviderMicrosoft), string(ProviderCustom)}
}

// OAuthGrant is imap.oauth2.grant: how `boundaryd login` signs in.
type OAuthGrant string

// The grants.
const (
	// GrantDevice is the device authorization grant (RFC 8628): a code to
	// type at the provider's page, from any device. Microsoft's default.
	GrantDevice OAuthGrant = "device"
	// GrantLoopback is the authorization code grant with PKCE and a
	// redirect to 127.0.0.1 (RFC 8252). Google's default.
	GrantLoopback OAuthGrant = "loopback"
)

// Choices lists the grants.
func (OAuthGrant) Choices() []string { return []string{string(GrantDevice), string(GrantLoopback)} }

// OAuthMechanism is imap.oauth2.mechanism: the SASL mechanism carrying the
// access token.
type OAuthMechanism string

// The mechanisms.
const (
	MechanismXOAuth2     OAuthMechanism = "xoauth2"
	MechanismOAuthBearer OAuthMechanism = "oauthbearer"
)

// Choices lists the mechanisms.
func (OAuthMechanism) Choices() []string {
	return []string{string(MechanismXOAuth2), string(MechanismOAuthBearer)}
}

// oauthDefaults are the grant and mechanism each provider works with:
// Google refuses its mail scope to the device grant, and Microsoft's IMAP
// speaks XOAUTH2 only.
var oauthDefaults = map[OAuthProvider]struct {
	grant OAuthGrant
	mech  OAuthMechanism
}{
	ProviderGoogle:    {GrantLoopback, MechanismXOAuth2},
	ProviderMicrosoft: {GrantDevice, MechanismXOAuth2},
	ProviderCustom:    {GrantLoopback, MechanismOAuthBearer},
}

// validateOAuth2 checks imap.oauth2 against imap.auth and fills its
// defaults.
func (c *Config) validateOAuth2(p *Problems) {
	m := &c.IMAP
	o := m.OAuth2
	if m.Auth != AuthOAuth2 {
		if o != nil {
			p.add(c.Line("imap.oauth2"), "imap.oauth2: used only with imap.auth: oauth2 (imap.auth is %s)", m.Auth)
		}
		return
	}
	if o == nil {
		p.add(c.Line("imap.auth"), "imap.oauth2: missing; imap.auth: oauth2 needs provider (google, microsoft or custom) and client_id")
		return
	}
	if m.Secret.IsSet() {
		p.warn(c.Line("imap"), "imap: the password source is not used with imap.auth: oauth2 (the token comes from `boundaryd login`)")
	}
	if !c.present("imap.oauth2.provider") {
		p.add(c.Line("imap.oauth2"), "imap.oauth2.provider: missing; write google, microsoft or custom")
		return
	}
	required(p, c, "imap.oauth2.client_id", o.ClientID)
	o.Secret = secretFrom(p, c, "imap.oauth2", "client_secret", o.ClientSecret, o.ClientSecretEnv, o.ClientSecretFile, o.ClientSecretCommand, false)
	def := oauthDefaults[o.Provider]
	if o.Grant == "" {
		o.Grant = def.grant
		if o.Provider == ProviderCustom && o.DeviceURL != "" && o.AuthURL == "" {
			o.Grant = GrantDevice
		}
	}
	if o.Mechanism == "" {
		o.Mechanism = def.mech
	}
	if o.Tenant != "" && o.Provider != ProviderMicrosoft {
		p.add(c.Line("imap.oauth2.tenant"), "imap.oauth2.tenant: used only with provider: microsoft")
	}
	if strings.ContainsAny(o.Tenant, "/?#") {
		p.add(c.Line("imap.oauth2.tenant"), "imap.oauth2.tenant: %q is not a tenant (common, organizations, consumers, an ID or a domain)", o.Tenant)
	}
	for i, s := range o.Scopes {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\"\\") {
			p.add(c.Line(fmt.Sprintf("imap.oauth2.scopes[%d]", i)), "imap.oauth2.scopes: %q is not one scope", s)
		}
	}
	urls := []struct{ key, v string }{{"auth_url", o.AuthURL}, {"token_url", o.TokenURL}, {"device_url", o.DeviceURL}}
	if o.Provider != ProviderCustom {
		for _, u := range urls {
			if u.v != "" {
				p.add(c.Line("imap.oauth2."+u.key), "imap.oauth2.%s: %s's address is built in; set it only with provider: custom", u.key, o.Provider)
			}
		}
		if o.Provider == ProviderGoogle && o.Grant == GrantDevice {
			p.add(c.Line("imap.oauth2.grant"), "imap.oauth2.grant: Google does not allow mail access through the device grant; use loopback")
		}
		return
	}
	need := map[string]bool{"token_url": true, "auth_url": o.Grant == GrantLoopback, "device_url": o.Grant == GrantDevice}
	for _, u := range urls {
		key := "imap.oauth2." + u.key
		if u.v == "" {
			if need[u.key] {
				p.add(c.Line("imap.oauth2"), "%s: missing; provider custom with grant %s needs it", key, o.Grant)
			}
			continue
		}
		pu, err := url.Parse(u.v)
		if err != nil || pu.Host == "" {
			p.add(c.Line(key), "%s: %q is not an address like https://login.example.org/token", key, u.v)
			continue
		}
		if err := netpolicy.CheckURL(pu); err != nil {
			p.add(c.Line(key), "%s: %v", key, err)
		}
	}
	if len(o.Scopes) == 0 {
		p.add(c.Line("imap.oauth2"), "imap.oauth2.scopes: missing; provider custom needs the scopes that grant IMAP access")
	}
}
