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
	"github.com/boundaryd/boundaryd/internal/tlspin"
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
	// DefaultRepeatAfter is emergency.repeat_after.
	DefaultRepeatAfter = 15 * time.Minute
	// MinRepeatAfter is the shortest emergency.repeat_after allowed.
	MinRepeatAfter = 10 * time.Second
	// DefaultRepeat is emergency.repeat.
	DefaultRepeat = 2
	// DefaultGroupWait is emergency.group_wait.
	DefaultGroupWait = 2 * time.Minute
	// DefaultMaxPagesPerHour is emergency.max_pages_per_hour.
	DefaultMaxPagesPerHour = 6
)

// DefaultReview is emergency.review: early-look notices at 08:00 and 19:00.
func DefaultReview() []string { return []string{"0 8 * * *", "0 19 * * *"} }

// ChannelList is one list of alert channels in the file: emergency.alerts,
// emergency.backup or one pause's cover.
type ChannelList struct {
	// Key is where the list is written, e.g. "reading_windows.pauses[0].cover".
	Key string
	// Channels are the list's entries; changes through it change the Config.
	Channels []Alert
	// namePrefix starts the default names ("" for emergency.alerts, whose
	// names TYPE:INDEX predate the other lists and key pending alerts).
	namePrefix string
}

// ChannelLists returns every list of alert channels, in file order:
// emergency.alerts, emergency.backup, then each pause's cover.
func (c *Config) ChannelLists() []ChannelList {
	out := []ChannelList{
		{Key: "emergency.alerts", Channels: c.Emergency.Alerts},
		{Key: "emergency.backup", Channels: c.Emergency.Backup, namePrefix: "backup:"},
	}
	for i, p := range c.ReadingWindows.Pauses {
		out = append(out, ChannelList{Key: fmt.Sprintf("reading_windows.pauses[%d].cover", i), Channels: p.Cover, namePrefix: fmt.Sprintf("cover%d:", i)})
	}
	return out
}

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
	for _, l := range c.ChannelLists() {
		for i := range l.Channels {
			a := &l.Channels[i]
			if a.Name == "" {
				a.Name = fmt.Sprintf("%s%s:%d", l.namePrefix, a.Type, i)
			}
			if a.Type == AlertWebhook && a.Format == "" {
				a.Format = WebhookJSON
			}
			if !c.present(fmt.Sprintf("%s[%d].levels", l.Key, i)) {
				a.Levels = DefaultLevels(a.Type)
			}
		}
	}
	e := &c.Emergency
	if !c.present("emergency.review") {
		e.Review = DefaultReview()
	}
	if !c.present("emergency.repeat_after") {
		e.RepeatAfter = Duration(DefaultRepeatAfter)
	}
	if !c.present("emergency.repeat") {
		e.Repeat = DefaultRepeat
	}
	if !c.present("emergency.group_wait") {
		e.GroupWait = Duration(DefaultGroupWait)
	}
	if !c.present("emergency.max_pages_per_hour") {
		e.MaxPagesPerHour = DefaultMaxPagesPerHour
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
	if c.HTTP.PublicURL != "" {
		u, err := url.Parse(c.HTTP.PublicURL)
		switch {
		case err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
			p.add(c.Line("http.public_url"), "http.public_url: not a plain URL such as https://boundaryd.example.net")
		case c.HTTP.Listen == "":
			p.add(c.Line("http.public_url"), "http.public_url: needs http.listen (the server the links reach)")
		default:
			if err := netpolicy.CheckURL(u); err != nil {
				p.add(c.Line("http.public_url"), "http.public_url: %v", err)
			}
		}
	}
}

// ActionURL is the public link for one page's or notice's action ("ack" or
// "release"), or "" when http.public_url is not set.
func (c *Config) ActionURL(action, token string) string {
	if c.HTTP.PublicURL == "" || token == "" {
		return ""
	}
	return strings.TrimRight(c.HTTP.PublicURL, "/") + "/" + action + "/" + token
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
	c.checkPin(p, "imap", m.Security, m.TLSPin)
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
	needs, line := c.AutoReply.Enabled, c.Line("auto_reply.enabled")
	for _, l := range c.ChannelLists() {
		for _, a := range l.Channels {
			if a.Type == AlertSMTP && !needs {
				needs, line = true, c.Line(l.Key)
			}
		}
	}
	if c.SMTP == nil {
		if needs {
			p.add(line, "smtp: missing, but an smtp alert or auto_reply needs it")
		}
		return
	}
	s := c.SMTP
	required(p, c, "smtp.host", s.Host)
	port(p, c, "smtp.port", s.Port)
	c.checkSecurity(p, "smtp", s.Security, s.Host)
	c.checkPin(p, "smtp", s.Security, s.TLSPin)
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
	chNames := map[string]int{}
	for _, l := range c.ChannelLists() {
		for i := range l.Channels {
			key := fmt.Sprintf("%s[%d]", l.Key, i)
			c.validateAlert(p, key, &l.Channels[i])
			name := l.Channels[i].Name
			if first, dup := chNames[name]; dup {
				p.add(c.Line(key), "%s: channel name %q already used on line %d; give each channel its own name:", key, name, first)
			} else {
				chNames[name] = c.Line(key)
			}
		}
	}
	c.validateRepeat(p)
}

// validateRepeat checks the keys of the safety net: review times, repeats,
// grouping and the hourly cap.
func (c *Config) validateRepeat(p *Problems) {
	e := &c.Emergency
	if c.present("emergency.review") && len(e.Review) == 0 {
		p.add(c.Line("emergency.review"), "emergency.review: empty, so concerns would wait for the reading window in silence; give at least one time, e.g. \"0 8 * * *\"")
	}
	for i, expr := range e.Review {
		if err := schedule.CheckSpec(expr, c.Location); err != nil {
			p.add(c.Line(fmt.Sprintf("emergency.review[%d]", i)), "emergency.review: %q: %v", expr, err)
		}
	}
	if e.RepeatAfter.D() < MinRepeatAfter {
		p.add(c.Line("emergency.repeat_after"), "emergency.repeat_after: %s is too short; use %s or more", e.RepeatAfter.D(), MinRepeatAfter)
	}
	if e.Repeat < 0 {
		p.add(c.Line("emergency.repeat"), "emergency.repeat: %d: write 0 (no repeat) or more", e.Repeat)
	}
	if e.MaxPagesPerHour < 1 {
		p.add(c.Line("emergency.max_pages_per_hour"), "emergency.max_pages_per_hour: %d: write 1 or more (beyond it one summary page is sent)", e.MaxPagesPerHour)
	}
	if c.present("emergency.group_wait") && e.GroupWait.D() > e.RepeatAfter.D() && e.RepeatAfter.D() >= MinRepeatAfter {
		p.warn(c.Line("emergency.group_wait"), "emergency.group_wait: %s is longer than emergency.repeat_after (%s); a page would be repeated before its group is complete", e.GroupWait.D(), e.RepeatAfter.D())
	}
}

func (c *Config) validateAlert(p *Problems, key string, a *Alert) {
	if c.present(key+".levels") && len(a.Levels) == 0 {
		p.add(c.Line(key+".levels"), "%s.levels: empty, so this channel would get nothing; write [page], [concern] or [page, concern]", key)
	}
	a.Levels = uniqueLevels(a.Levels)
	if c.present(key + ".click") {
		c.validateClick(p, key, a)
	}
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

// validateClick checks an ntfy channel's click link: https only, since the
// phone opens it as it is.
func (c *Config) validateClick(p *Problems, key string, a *Alert) {
	line := c.Line(key + ".click")
	if a.Type != AlertWebhook || a.Format != WebhookNtfy {
		p.add(line, "%s.click: only for a webhook with format: ntfy", key)
		return
	}
	u, err := url.Parse(a.Click)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		p.add(line, "%s.click: not a link like https://mail.example.org/ (https only)", key)
	}
}

func uniqueLevels(in []AlertLevel) []AlertLevel {
	var out []AlertLevel
	for _, l := range in {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
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

// checkPin refuses a certificate pin on a connection without TLS, where it
// would silently pin nothing.
func (c *Config) checkPin(p *Problems, section string, sec netpolicy.Security, pin tlspin.Pin) {
	if pin != "" && sec == netpolicy.Insecure {
		p.add(c.Line(section+".tls_pin"), "%s.tls_pin: a pinned certificate needs %s.security tls or starttls, not insecure", section, section)
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
	for _, l := range c.ChannelLists() {
		for i, a := range l.Channels {
			try(fmt.Sprintf("%s[%d]", l.Key, i), "token", a.Secret)
		}
	}
}
