package providers

import (
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

func TestBuiltinTable(t *testing.T) {
	tab, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tab.All()); n < 9 {
		t.Fatalf("%d profiles, want the 9 of the issue at least", n)
	}
}

func TestForAddress(t *testing.T) {
	tab := Builtin()
	cases := []struct {
		addr, id string
		imap     string
		smtp     string
		sec      netpolicy.Security
		login    Login
	}{
		{"dr.agostini@gmail.com", "gmail", "imap.gmail.com:993", "smtp.gmail.com:587", netpolicy.StartTLS, AppPasswordOrOAuth2},
		{"Dr.Agostini@GoogleMail.com", "gmail", "imap.gmail.com:993", "smtp.gmail.com:587", netpolicy.StartTLS, AppPasswordOrOAuth2},
		{"a@outlook.com", "microsoft", "outlook.office365.com:993", "smtp.office365.com:587", netpolicy.StartTLS, OAuth2},
		{"a@outlook.fr", "microsoft", "outlook.office365.com:993", "smtp.office365.com:587", netpolicy.StartTLS, OAuth2},
		{"a@hotmail.fr", "microsoft", "outlook.office365.com:993", "smtp.office365.com:587", netpolicy.StartTLS, OAuth2},
		{"a@hotmail.co.uk", "microsoft", "outlook.office365.com:993", "smtp.office365.com:587", netpolicy.StartTLS, OAuth2},
		{"a@live.fr", "microsoft", "outlook.office365.com:993", "smtp.office365.com:587", netpolicy.StartTLS, OAuth2},
		{"a@fastmail.com", "fastmail", "imap.fastmail.com:993", "smtp.fastmail.com:465", netpolicy.TLS, AppPassword},
		{"a@icloud.com", "icloud", "imap.mail.me.com:993", "smtp.mail.me.com:587", netpolicy.StartTLS, AppPassword},
		{"a@me.com", "icloud", "imap.mail.me.com:993", "smtp.mail.me.com:587", netpolicy.StartTLS, AppPassword},
		{"a@proton.me", "proton", "127.0.0.1:1143", "127.0.0.1:1025", netpolicy.StartTLS, BridgePassword},
		{"a@orange.fr", "orange", "imap.orange.fr:993", "smtp.orange.fr:465", netpolicy.TLS, Password},
		{"a@wanadoo.fr", "orange", "imap.orange.fr:993", "smtp.orange.fr:465", netpolicy.TLS, Password},
		{"a@free.fr", "free", "imap.free.fr:993", "smtp.free.fr:465", netpolicy.TLS, Password},
		{"a@sfr.fr", "sfr", "imap.sfr.fr:993", "smtp.sfr.fr:465", netpolicy.TLS, Password},
	}
	for _, c := range cases {
		p, ok := tab.ForAddress(c.addr)
		if !ok || p.ID != c.id {
			t.Errorf("ForAddress(%q) = %q, %v; want %q", c.addr, p.ID, ok, c.id)
			continue
		}
		if p.IMAP.Addr() != c.imap || p.SMTP.Addr() != c.smtp || p.SMTP.Security != c.sec || p.Login != c.login {
			t.Errorf("%s: imap %s smtp %s %s login %s; want %s %s %s %s", c.addr, p.IMAP.Addr(), p.SMTP.Addr(), p.SMTP.Security, p.Login, c.imap, c.smtp, c.sec, c.login)
		}
	}
	ovh, ok := tab.ByID("ovh")
	if !ok || ovh.IMAP.Addr() != "ssl0.ovh.net:993" || ovh.SMTP.Addr() != "ssl0.ovh.net:465" {
		t.Errorf("ovh: %+v %v", ovh, ok)
	}
}

// A custom domain cannot be known from the address: no guess, the user is asked.
func TestUnknownDomains(t *testing.T) {
	tab := Builtin()
	for _, addr := range []string{
		"dr@cabinet-agostini.fr", // Microsoft 365 or Google Workspace or OVH: cannot tell
		"dr@hotmail",             // no top-level domain
		"dr@nothotmail.fr",
		"dr@hotmail.a.b.c", // too deep to be a country's domain
		"dr@gmail.com.evil.example",
		"no-at-sign",
		"dr@",
	} {
		if p, ok := tab.ForAddress(addr); ok {
			t.Errorf("ForAddress(%q) = %s; want no match", addr, p.ID)
		}
	}
}

func TestNotes(t *testing.T) {
	tab := Builtin()
	g, _ := tab.ByID("gmail")
	if !strings.Contains(g.Note(locale.English), "All Mail") || !strings.Contains(g.Note(locale.French), "Tous les messages") {
		t.Errorf("gmail notes do not say where moved mail stays:\n%s\n%s", g.Note(locale.English), g.Note(locale.French))
	}
	m, _ := tab.ByID("microsoft")
	if m.Login.NeedsPassword() || !strings.Contains(m.Note(locale.English), "boundaryd login") {
		t.Errorf("microsoft: login %s, note %q", m.Login, m.Note(locale.English))
	}
	p, _ := tab.ByID("proton")
	if !p.SelfSigned || !netpolicy.IsLoopback(p.IMAP.Host) {
		t.Errorf("proton bridge: %+v", p)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"dup id":    "- {id: a, name: A, login: password, imap: {host: h, port: 1, security: tls}, smtp: {host: h, port: 1, security: tls}, notes: {en: x, fr: y}}\n- {id: a, name: B, login: password, imap: {host: h, port: 1, security: tls}, smtp: {host: h, port: 1, security: tls}, notes: {en: x, fr: y}}",
		"login":     "- {id: a, name: A, login: magic, imap: {host: h, port: 1, security: tls}, smtp: {host: h, port: 1, security: tls}, notes: {en: x, fr: y}}",
		"plaintext": "- {id: a, name: A, login: password, imap: {host: h, port: 1, security: insecure}, smtp: {host: h, port: 1, security: tls}, notes: {en: x, fr: y}}",
		"no french": "- {id: a, name: A, login: password, imap: {host: h, port: 1, security: tls}, smtp: {host: h, port: 1, security: tls}, notes: {en: x}}",
	} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
