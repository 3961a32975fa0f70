package config

import (
	"strings"
	"testing"
)

// oauthBase is base with imap.auth: oauth2 and no password source.
func oauthBase(t *testing.T, section string) string {
	t.Helper()
	y := replace(t, "  password_env: BD_TEST_PW\n", "  auth: oauth2\n"+section)
	return y
}

// TestOAuth2Section: defaults by provider, and every mistake reported on
// its line.
func TestOAuth2Section(t *testing.T) {
	for _, tc := range []struct {
		name, section string
		grant         OAuthGrant
		mech          OAuthMechanism
	}{
		{"google", "  oauth2:\n    provider: google\n    client_id: 123.apps.googleusercontent.com\n    client_secret_env: BD_CS\n", GrantLoopback, MechanismXOAuth2},
		{"microsoft", "  oauth2:\n    provider: microsoft\n    client_id: 00000000-0000-0000-0000-000000000000\n    tenant: consumers\n", GrantDevice, MechanismXOAuth2},
		{"custom device", "  oauth2:\n    provider: custom\n    client_id: c\n    token_url: https://id.example.org/token\n    device_url: https://id.example.org/device\n    scopes: [imap]\n", GrantDevice, MechanismOAuthBearer},
		{"custom loopback", "  oauth2:\n    provider: custom\n    client_id: c\n    auth_url: http://127.0.0.1:9/a\n    token_url: http://127.0.0.1:9/t\n    scopes: [imap]\n    mechanism: xoauth2\n", GrantLoopback, MechanismXOAuth2},
	} {
		cfg, probs, err := Parse("c.yaml", []byte(oauthBase(t, tc.section)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, probs.Lines())
			continue
		}
		o := cfg.IMAP.OAuth2
		if o.Grant != tc.grant || o.Mechanism != tc.mech {
			t.Errorf("%s: grant %s mechanism %s, want %s %s", tc.name, o.Grant, o.Mechanism, tc.grant, tc.mech)
		}
		if tc.name == "google" && o.Secret.Env != "BD_CS" {
			t.Errorf("client secret source: %v", o.Secret)
		}
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"no section", oauthBase(t, ""), "c.yaml:4: imap.oauth2: missing"},
		{"no provider", oauthBase(t, "  oauth2:\n    client_id: c\n"), "c.yaml:5: imap.oauth2.provider: missing"},
		{"bad provider", oauthBase(t, "  oauth2:\n    provider: gogle\n    client_id: c\n"), `c.yaml:6: imap.oauth2.provider: "gogle" is not one of google, microsoft, custom (did you mean "google"?)`},
		{"no client_id", oauthBase(t, "  oauth2:\n    provider: google\n"), "c.yaml:5: imap.oauth2.client_id: missing"},
		{"url for google", oauthBase(t, "  oauth2:\n    provider: google\n    client_id: c\n    token_url: https://x.example/t\n"), "c.yaml:8: imap.oauth2.token_url: google's address is built in"},
		{"google device", oauthBase(t, "  oauth2:\n    provider: google\n    client_id: c\n    grant: device\n"), "c.yaml:8: imap.oauth2.grant: Google does not allow"},
		{"tenant for google", oauthBase(t, "  oauth2:\n    provider: google\n    client_id: c\n    tenant: x\n"), "c.yaml:8: imap.oauth2.tenant: used only with provider: microsoft"},
		{"custom without urls", oauthBase(t, "  oauth2:\n    provider: custom\n    client_id: c\n    scopes: [imap]\n"), "c.yaml:5: imap.oauth2.token_url: missing"},
		{"custom plain http", oauthBase(t, "  oauth2:\n    provider: custom\n    client_id: c\n    auth_url: http://id.example.org/a\n    token_url: https://id.example.org/t\n    scopes: [imap]\n"), "c.yaml:8: imap.oauth2.auth_url: plain http"},
		{"custom no scopes", oauthBase(t, "  oauth2:\n    provider: custom\n    client_id: c\n    auth_url: https://id.example.org/a\n    token_url: https://id.example.org/t\n"), "imap.oauth2.scopes: missing"},
		{"two secrets", oauthBase(t, "  oauth2:\n    provider: google\n    client_id: c\n    client_secret_env: A\n    client_secret_file: /x\n"), "c.yaml:9: imap.oauth2: only one of client_secret"},
		{"oauth2 without auth", replace(t, "  password_env: BD_TEST_PW\n", "  password_env: BD_TEST_PW\n  oauth2:\n    provider: google\n"), "c.yaml:5: imap.oauth2: used only with imap.auth: oauth2"},
	} {
		_, probs, err := Parse("c.yaml", []byte(tc.yaml))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(probs.Error(), tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, probs.Lines(), tc.want)
		}
	}
	// A password source with oauth2 is not an error, but it is said.
	_, probs, err := Parse("c.yaml", []byte(replace(t, "  password_env: BD_TEST_PW\n", "  password_env: BD_TEST_PW\n  auth: oauth2\n  oauth2:\n    provider: google\n    client_id: c\n")))
	if err != nil || !strings.Contains(probs.Error(), "warning: imap: the password source is not used") {
		t.Errorf("password with oauth2: %v %v", err, probs.Lines())
	}
}
