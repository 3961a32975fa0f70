package config

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/schedule"
)

func reflectValue(c *Config) reflect.Value { return reflect.ValueOf(c).Elem() }

// Defaults for keys the user may leave out.
const (
	DefaultInbox        = "INBOX"
	DefaultHoldFolder   = "Boundary/Held"
	DefaultPollInterval = 2 * time.Minute
	DefaultOncePer      = 72 * time.Hour
	DefaultStateDir     = "/var/lib/boundaryd"
)

func (c *Config) applyDefaults() {
	if c.IMAP.Security == "" {
		c.IMAP.Security = netpolicy.DefaultIMAPSecurity
	}
	if c.IMAP.Port == 0 {
		c.IMAP.Port = c.IMAP.Security.IMAPPort()
	}
	if c.IMAP.Auth == "" {
		c.IMAP.Auth = AuthPlain
	}
	if c.IMAP.Inbox == "" {
		c.IMAP.Inbox = DefaultInbox
	}
	if c.IMAP.HoldFolder == "" {
		c.IMAP.HoldFolder = DefaultHoldFolder
	}
	if c.IMAP.PollInterval == 0 {
		c.IMAP.PollInterval = Duration(DefaultPollInterval)
	}
	if c.IMAP.Backlog == "" {
		c.IMAP.Backlog = BacklogNew
	}
	if c.SMTP != nil {
		if c.SMTP.Security == "" {
			c.SMTP.Security = netpolicy.DefaultSMTPSecurity
		}
		if c.SMTP.Port == 0 {
			c.SMTP.Port = c.SMTP.Security.SMTPPort()
		}
	}
	if c.ReadingWindows.Delivery == "" {
		c.ReadingWindows.Delivery = DeliveryDigestAndRelease
	}
	if !c.present("emergency.builtin") {
		c.Emergency.Builtin = classify.BuiltinSets()
	}
	for i := range c.Emergency.Alerts {
		a := &c.Emergency.Alerts[i]
		if a.Name == "" {
			a.Name = fmt.Sprintf("%s:%d", a.Type, i)
		}
		if a.Type == AlertWebhook && a.Format == "" {
			a.Format = WebhookJSON
		}
	}
	if c.AutoReply.OncePer == 0 {
		c.AutoReply.OncePer = Duration(DefaultOncePer)
	}
	// An empty auto_reply.subject means autoreply.DefaultSubject: words of
	// the therapist's, nothing reflected from the patient's message.
	if c.Language == "" {
		c.Language = English
	}
	if c.StateDir == "" {
		// systemd's StateDirectory= sets this; otherwise the FHS place.
		if d := os.Getenv("STATE_DIRECTORY"); d != "" {
			c.StateDir = d
		} else {
			c.StateDir = DefaultStateDir
		}
	}
	if c.Log.Level == "" {
		c.Log.Level = LogInfo
	}
	if c.Log.Format == "" {
		c.Log.Format = LogText
	}
}

func (c *Config) validate(p *Problems) {
	c.validateIMAP(p)
	c.validateSMTP(p)
	c.validateSenders(p)
	c.validateWindows(p)
	c.validateEmergency(p)
	c.validateAutoReply(p)
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			p.add(c.Line("http.listen"), "http.listen: %q is not HOST:PORT (e.g. 127.0.0.1:9842)", c.HTTP.Listen)
		}
	}
}

func (c *Config) validateIMAP(p *Problems) {
	m := &c.IMAP
	if !c.present("imap") {
		p.add(1, "imap: missing; say which mailbox to watch (host, username, a password source)")
		return
	}
	required(p, c, "imap.host", m.Host)
	required(p, c, "imap.username", m.Username)
	c.checkSecurity(p, "imap", m.Security, m.Host)
	port(p, c, "imap.port", m.Port)
	m.Secret = secretFrom(p, c, "imap", "password", m.Password, m.PasswordEnv, m.PasswordFile, m.PasswordCommand, m.Auth != AuthOAuth2)
	c.validateOAuth2(p)
	required(p, c, "imap.inbox", m.Inbox)
	required(p, c, "imap.hold_folder", m.HoldFolder)
	if strings.EqualFold(m.HoldFolder, m.Inbox) {
		p.add(c.Line("imap.hold_folder"), "imap.hold_folder: must differ from imap.inbox")
	}
	if m.PollInterval.D() < 10*time.Second {
		p.add(c.Line("imap.poll_interval"), "imap.poll_interval: %s is too short; use 10s or more", m.PollInterval.D())
	}
}

func (c *Config) validateSMTP(p *Problems) {
	needs := c.AutoReply.Enabled
	for _, a := range c.Emergency.Alerts {
		if a.Type == AlertSMTP {
			needs = true
		}
	}
	if c.SMTP == nil {
		if needs {
			line := c.Line("auto_reply.enabled")
			if !c.AutoReply.Enabled {
				line = c.Line("emergency.alerts")
			}
			p.add(line, "smtp: missing, but an smtp alert or auto_reply needs it")
		}
		return
	}
	s := c.SMTP
	required(p, c, "smtp.host", s.Host)
	port(p, c, "smtp.port", s.Port)
	c.checkSecurity(p, "smtp", s.Security, s.Host)
	if required(p, c, "smtp.from", s.From) {
		if _, err := mail.ParseAddress(s.From); err != nil {
			p.add(c.Line("smtp.from"), "smtp.from: %q is not an address (%v)", s.From, err)
		}
	}
	// No username means no AUTH (a local relay): a password is optional then.
	s.Secret = secretFrom(p, c, "smtp", "password", s.Password, s.PasswordEnv, s.PasswordFile, s.PasswordCommand, s.Username != "")
}

func (c *Config) validateSenders(p *Problems) {
	if !c.present("senders") {
		p.add(1, "senders: missing; say whose mail is held (patients) and whose never is (allow)")
		return
	}
	check := func(key string, list []string) {
		for i, pat := range list {
			if err := classify.CheckSenderPattern(pat); err != nil {
				p.add(c.Line(fmt.Sprintf("%s[%d]", key, i)), "%s: %q: %v", key, pat, err)
			}
		}
	}
	check("senders.allow", c.Senders.Allow)
	check("senders.patients", c.Senders.Patients)
	for i, a := range c.Senders.Self {
		if _, err := mail.ParseAddress(a); err != nil {
			p.add(c.Line(fmt.Sprintf("senders.self[%d]", i)), "senders.self: %q is not an address", a)
		}
	}
	if len(c.Senders.Patients) == 0 {
		p.warn(c.Line("senders"), "senders.patients: empty, so no mail will be held (write [\"*\"] for everyone not allowed)")
	}
}

func (c *Config) validateWindows(p *Problems) {
	rw := &c.ReadingWindows
	c.Location = time.Local
	if rw.Timezone != "" {
		loc, err := time.LoadLocation(rw.Timezone)
		if err != nil {
			p.add(c.Line("reading_windows.timezone"), "reading_windows.timezone: unknown timezone %q (write it like Europe/Paris)", rw.Timezone)
		} else {
			c.Location = loc
		}
	}
	if len(rw.Schedule) == 0 {
		p.add(c.Line("reading_windows"), "reading_windows.schedule: missing; give at least one cron expression, e.g. \"0 18 * * TUE\"")
	}
	for i, expr := range rw.Schedule {
		if err := schedule.CheckSpec(expr, c.Location); err != nil {
			p.add(c.Line(fmt.Sprintf("reading_windows.schedule[%d]", i)), "reading_windows.schedule: %q: %v", expr, err)
		}
	}
	for i, ps := range rw.Pauses {
		key := fmt.Sprintf("reading_windows.pauses[%d]", i)
		from, errF := schedule.ParseDate(ps.From)
		if errF != nil {
			p.add(c.Line(key+".from"), "%s.from: %q is not a date like 2026-12-20", key, ps.From)
		}
		to, errT := schedule.ParseDate(ps.To)
		if errT != nil {
			p.add(c.Line(key+".to"), "%s.to: %q is not a date like 2027-01-04", key, ps.To)
		}
		if errF == nil && errT == nil && to.Before(from) {
			p.add(c.Line(key), "%s: ends (%s) before it starts (%s)", key, ps.To, ps.From)
		}
	}
}

func (c *Config) validateEmergency(p *Problems) {
	e := &c.Emergency
	sets := classify.BuiltinSets()
	for i, b := range e.Builtin {
		if !slices.Contains(sets, b) {
			p.add(c.Line(fmt.Sprintf("emergency.builtin[%d]", i)), "emergency.builtin: no built-in rule set %q (there are: %s)", b, strings.Join(sets, ", "))
		}
	}
	names := map[string]int{}
	for i, r := range e.Rules {
		key := fmt.Sprintf("emergency.rules[%d]", i)
		line := c.Line(key)
		if strings.TrimSpace(r.Name) == "" {
			p.add(line, "%s: every rule needs a name", key)
		} else if first, dup := names[r.Name]; dup {
			p.add(c.Line(key+".name"), "%s: rule name %q already used on line %d", key, r.Name, first)
		} else {
			names[r.Name] = c.Line(key + ".name")
		}
		if !r.Disabled && len(r.Phrases) == 0 && len(r.Regex) == 0 {
			p.add(line, "%s: rule %q has neither phrases nor regex", key, r.Name)
		}
		for j, ph := range r.Phrases {
			if err := classify.CheckPhrase(ph); err != nil {
				p.add(c.Line(fmt.Sprintf("%s.phrases[%d]", key, j)), "%s.phrases: %q: %v", key, ph, err)
			}
		}
		for j, re := range r.Regex {
			if err := classify.CheckRegex(re); err != nil {
				p.add(c.Line(fmt.Sprintf("%s.regex[%d]", key, j)), "%s.regex: %q: %v", key, re, err)
			}
		}
		for j, f := range r.Fields {
			if f != "subject" && f != "body" {
				p.add(c.Line(fmt.Sprintf("%s.fields[%d]", key, j)), "%s.fields: %q is not a field; use subject and/or body", key, f)
			}
		}
	}
	if len(e.Alerts) == 0 {
		p.warn(c.Line("emergency"), "emergency.alerts: none configured, so an emergency is only flagged in the inbox and nobody is called")
	}
	for i := range e.Alerts {
		c.validateAlert(p, i, &e.Alerts[i])
	}
}

func (c *Config) validateAlert(p *Problems, i int, a *Alert) {
	key := fmt.Sprintf("emergency.alerts[%d]", i)
	switch a.Type {
	case AlertSMTP:
		if len(a.To) == 0 {
			p.add(c.Line(key), "%s: an smtp alert needs to: [addresses]", key)
		}
		for j, to := range a.To {
			if _, err := mail.ParseAddress(to); err != nil {
				p.add(c.Line(fmt.Sprintf("%s.to[%d]", key, j)), "%s.to: %q is not an address", key, to)
			}
		}
	case AlertWebhook:
		// The URL is never quoted back: it often carries a token.
		u, err := url.Parse(a.URL)
		switch {
		case a.URL == "":
			p.add(c.Line(key), "%s: a webhook alert needs url:", key)
		case err != nil || u.Host == "":
			p.add(c.Line(key+".url"), "%s.url: not an address like https://ntfy.example.net/topic", key)
		default:
			if err := netpolicy.CheckURL(u); err != nil {
				p.add(c.Line(key+".url"), "%s.url: %v", key, err)
			}
		}
		a.Secret = secretFrom(p, c, key, "token", a.Token, a.TokenEnv, a.TokenFile, a.TokenCommand, false)
	default:
		// An unknown type was already refused where it was written.
		if !c.present(key + ".type") {
			p.add(c.Line(key), "%s: missing type: (smtp or webhook)", key)
		}
	}
}

// TemplateData is what auto_reply's subject and body may use.
type TemplateData struct {
	NextWindow string
	SenderName string
	Subject    string
}

func (c *Config) validateAutoReply(p *Problems) {
	ar := &c.AutoReply
	if ar.Enabled && strings.TrimSpace(ar.Body) == "" {
		p.add(c.Line("auto_reply"), "auto_reply.body: missing; write the acknowledgement text")
	}
	for _, f := range []struct{ key, text string }{{"auto_reply.subject", ar.Subject}, {"auto_reply.body", ar.Body}} {
		t, err := template.New(f.key).Option("missingkey=error").Parse(f.text)
		if err == nil {
			err = t.Execute(discard{}, TemplateData{})
		}
		if err != nil {
			p.add(c.Line(f.key), "%s: %v (available: {{.NextWindow}}, {{.SenderName}}, {{.Subject}})", f.key, cleanTemplateErr(err))
		}
	}
	if ar.OncePer.D() < time.Hour && c.present("auto_reply.once_per") {
		p.add(c.Line("auto_reply.once_per"), "auto_reply.once_per: %s is too short; use 1h or more so patients are not flooded", ar.OncePer.D())
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func cleanTemplateErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": executing"); i >= 0 {
		s = s[i+2:]
	}
	return strings.TrimPrefix(s, "template: ")
}

func required(p *Problems, c *Config, key, v string) bool {
	if strings.TrimSpace(v) == "" {
		p.add(c.Line(key), "%s: missing (required)", key)
		return false
	}
	return true
}

// checkSecurity refuses plaintext towards anything but this machine, by
// the program's one rule (netpolicy), so check refuses what run would.
func (c *Config) checkSecurity(p *Problems, section string, sec netpolicy.Security, host string) {
	if host == "" {
		return
	}
	if err := netpolicy.Check(sec, host); err != nil {
		p.add(c.Line(section+".security"), "%s.security: %v", section, err)
	}
}

func port(p *Problems, c *Config, key string, v int) {
	if v < 1 || v > 65535 {
		p.add(c.Line(key), "%s: %d is not a port number (1-65535)", key, v)
	}
}

// secretFrom builds a Secret from the four mutually exclusive keys PREFIX.NAME,
// PREFIX.NAME_env, PREFIX.NAME_file and PREFIX.NAME_command.
func secretFrom(p *Problems, c *Config, section, name, value, env, file, command string, need bool) Secret {
	s := Secret{Value: value, Env: env, File: file, Command: command}
	var set []string
	for _, k := range []struct{ key, v string }{{name, value}, {name + "_env", env}, {name + "_file", file}, {name + "_command", command}} {
		if k.v != "" {
			set = append(set, section+"."+k.key)
		}
	}
	switch {
	case len(set) > 1:
		p.add(c.Line(set[1]), "%s: only one of %s, %s_env, %s_file, %s_command may be set (found %s)", section, name, name, name, name, strings.Join(set, " and "))
	case len(set) == 0 && need:
		p.add(c.Line(section), "%s: no %s source; set one of %s_env, %s_file, %s_command or %s", section, name, name, name, name, name)
	}
	if file != "" {
		if fi, err := os.Stat(file); err == nil && fi.Mode().Perm()&0o044 != 0 {
			p.warn(c.Line(section+"."+name+"_file"), "%s.%s_file: %s is readable by other users; run chmod 600 %s", section, name, file, file)
		}
	}
	if value != "" {
		p.warn(c.Line(section+"."+name), "%s.%s: a password written in the file; prefer %s_env or %s_file", section, name, name, name)
	}
	return s
}

// CheckSecrets resolves every configured secret once (env set, file
// readable, command succeeds), reporting problems with their lines. It is
// separate from Load because explain never needs the passwords.
func (c *Config) CheckSecrets(p *Problems, runCommands bool) {
	try := func(section, name string, s Secret) {
		if !s.IsSet() || (s.Command != "" && !runCommands) {
			return
		}
		key := section + "." + name
		switch {
		case s.Env != "":
			key += "_env"
		case s.File != "":
			key += "_file"
		case s.Command != "":
			key += "_command"
		}
		if _, err := s.Resolve(context.Background()); err != nil {
			p.add(c.Line(key), "%s: %v", key, err)
		}
	}
	try("imap", "password", c.IMAP.Secret)
	if o := c.IMAP.OAuth2; o != nil {
		try("imap.oauth2", "client_secret", o.Secret)
	}
	if c.SMTP != nil {
		try("smtp", "password", c.SMTP.Secret)
	}
	for i, a := range c.Emergency.Alerts {
		try(fmt.Sprintf("emergency.alerts[%d]", i), "token", a.Secret)
	}
}
