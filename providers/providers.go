// Package providers is boundaryd's table of the mail providers therapists
// use: their IMAP and SMTP endpoints, how one logs in there, and what the
// user must know, in plain words, in each language. The table is embedded
// (providers.yaml); a profile is found by the
// domain of an address or by its id.
package providers

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

//go:embed providers.yaml
var data []byte

// Login is how the user signs in at a provider.
type Login string

// The login kinds.
const (
	// Password is the account's usual password.
	Password Login = "password"
	// AppPassword is a password made for one application in the
	// provider's account settings; the usual password is refused.
	AppPassword Login = "app_password"
	// AppPasswordOrOAuth2 accepts an app password or an OAuth2 sign-in.
	AppPasswordOrOAuth2 Login = "app_password_or_oauth2"
	// OAuth2 is an OAuth2 sign-in only (`boundaryd login`); no password.
	OAuth2 Login = "oauth2"
	// BridgePassword is the password a local bridge shows (Proton).
	BridgePassword Login = "bridge_password"
)

// Choices lists the login kinds.
func (Login) Choices() []string {
	return []string{string(Password), string(AppPassword), string(AppPasswordOrOAuth2), string(OAuth2), string(BridgePassword)}
}

// NeedsPassword reports whether setup asks for a password (an app
// password or a bridge password counts); OAuth2-only logins do not.
func (l Login) NeedsPassword() bool { return l != OAuth2 }

// Endpoint is one server.
type Endpoint struct {
	Host     string             `yaml:"host"`
	Port     int                `yaml:"port"`
	Security netpolicy.Security `yaml:"security"`
}

// Addr is host:port.
func (e Endpoint) Addr() string { return netpolicy.Addr(e.Host, e.Port) }

// Profile is one provider.
type Profile struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Domains []string `yaml:"domains"`
	IMAP    Endpoint `yaml:"imap"`
	SMTP    Endpoint `yaml:"smtp"`
	Login   Login    `yaml:"login"`
	// SelfSigned means the server presents its own certificate that no
	// public authority signed (a local bridge); it runs on this machine.
	SelfSigned bool `yaml:"self_signed"`
	// Notes are what the user must know, by language tag ("en", "fr").
	Notes map[string]string `yaml:"notes"`
}

// Note returns the profile's note in l (English when l has none).
func (p Profile) Note(l locale.Lang) string {
	if n, ok := p.Notes[l.String()]; ok {
		return n
	}
	return p.Notes[locale.English.String()]
}

// Table is the parsed list of profiles.
type Table struct{ list []Profile }

// Builtin returns the embedded table, parsed anew (it is a few dozen lines;
// nothing is shared). It panics when the embedded data is broken, which
// TestBuiltinTable rules out.
func Builtin() *Table {
	t, err := Parse(data)
	if err != nil {
		panic(err)
	}
	return t
}

// Parse reads a table and checks every profile.
func Parse(b []byte) (*Table, error) {
	var list []Profile
	if err := yaml.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("providers: %w", err)
	}
	seen := map[string]bool{}
	domains := map[string]string{}
	for _, p := range list {
		if p.ID == "" || p.Name == "" {
			return nil, fmt.Errorf("providers: a profile lacks an id or a name")
		}
		if seen[p.ID] {
			return nil, fmt.Errorf("providers: two profiles with id %q", p.ID)
		}
		seen[p.ID] = true
		if !slices.Contains(Login("").Choices(), string(p.Login)) {
			return nil, fmt.Errorf("providers: %s: login %q is not one of %s", p.ID, p.Login, strings.Join(Login("").Choices(), ", "))
		}
		for _, e := range []struct {
			what string
			ep   Endpoint
		}{{"imap", p.IMAP}, {"smtp", p.SMTP}} {
			if e.ep.Host == "" || e.ep.Port <= 0 || e.ep.Port > 65535 {
				return nil, fmt.Errorf("providers: %s: %s needs a host and a port", p.ID, e.what)
			}
			if err := netpolicy.Check(e.ep.Security, e.ep.Host); err != nil {
				return nil, fmt.Errorf("providers: %s: %s: %w", p.ID, e.what, err)
			}
		}
		for _, l := range locale.All() {
			if strings.TrimSpace(p.Notes[l.String()]) == "" {
				return nil, fmt.Errorf("providers: %s: no note in %s", p.ID, l)
			}
		}
		for _, d := range p.Domains {
			d = strings.ToLower(d)
			if other, dup := domains[d]; dup {
				return nil, fmt.Errorf("providers: domain %q in both %s and %s", d, other, p.ID)
			}
			domains[d] = p.ID
		}
	}
	return &Table{list: list}, nil
}

// All returns every profile, in the table's order.
func (t *Table) All() []Profile { return slices.Clone(t.list) }

// ByID returns the profile with that id.
func (t *Table) ByID(id string) (Profile, bool) {
	for _, p := range t.list {
		if p.ID == id {
			return p, true
		}
	}
	return Profile{}, false
}

// ForAddress returns the profile whose domains match the address's domain
// (case-insensitive). A domain "hotmail.*" matches hotmail under any
// top-level domain, one or two labels long (hotmail.fr, hotmail.co.uk).
// A custom domain (Microsoft 365, Google Workspace, OVH) matches nothing:
// the caller asks the user.
func (t *Table) ForAddress(addr string) (Profile, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return Profile{}, false
	}
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[at+1:]), "."))
	if domain == "" {
		return Profile{}, false
	}
	for _, p := range t.list {
		for _, d := range p.Domains {
			if matchDomain(strings.ToLower(d), domain) {
				return p, true
			}
		}
	}
	return Profile{}, false
}

func matchDomain(pattern, domain string) bool {
	base, wild := strings.CutSuffix(pattern, ".*")
	if !wild {
		return pattern == domain
	}
	rest, ok := strings.CutPrefix(domain, base+".")
	if !ok || rest == "" {
		return false
	}
	labels := strings.Split(rest, ".")
	if len(labels) > 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}
