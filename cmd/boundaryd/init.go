package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/layout"
	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/tlspin"
	"github.com/boundaryd/boundaryd/providers"
)

// The package's places (internal/layout); init writes there unless told otherwise.
const (
	packageConfig = layout.Config
	secretsName   = layout.SecretsName
	// The environment variables the secrets file sets for the service.
	envIMAPPassword = "BOUNDARY_IMAP_PASSWORD"
	envSMTPPassword = "BOUNDARY_SMTP_PASSWORD"
	// srvTimeout bounds the RFC 6186 look-up: it is a help, never needed.
	srvTimeout = 3 * time.Second
)

// otherProvider is the answer "none of these: I will type the servers".
const otherProvider = "other"

// initOptions are init's flags.
type initOptions struct {
	configPath, secretsPath string
	lang                    string
	answers                 string
	force                   bool
	noConnect               bool
	noLookup                bool
	// lookupSRV is the resolver (net.DefaultResolver's; tests give theirs).
	lookupSRV func(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
	// srvTimeout bounds the whole look-up (default srvTimeout).
	srvTimeout time.Duration
}

func cmdInit(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "init", "[--config FILE] [--answers FILE] [--lang en|fr]",
		"Sets boundaryd up by asking a few questions in plain words (English or French):\n"+
			"your address and mail provider, your password, when you read your patients' mail,\n"+
			"where alerts go, who is never held, and the acknowledgement to patients.\n"+
			"It tests the login, writes the configuration and a secrets file (mode 600) beside it,\n"+
			"and prints the command that starts the service. Nothing is written until the end:\n"+
			"Ctrl-C or the end of input at any question leaves every file as it was.\n"+
			"With --answers FILE, the same answers come from a YAML file (for scripts).")
	def := e.getenv("BOUNDARY_CONFIG")
	if def == "" {
		def = packageConfig
	}
	o := initOptions{lookupSRV: net.DefaultResolver.LookupSRV}
	fs.StringVar(&o.configPath, "config", def, "where to write the configuration `FILE` ($BOUNDARY_CONFIG when set)")
	fs.StringVar(&o.secretsPath, "secrets", "", "where to write the secrets `FILE` (default "+secretsName+" beside the configuration)")
	fs.StringVar(&o.answers, "answers", "", "read the answers from this YAML `FILE` instead of asking")
	fs.StringVar(&o.lang, "lang", "", "the language of the questions and of boundaryd's messages: en or fr (default: asked)")
	fs.BoolVar(&o.force, "force", false, "replace an existing configuration without asking")
	fs.BoolVar(&o.noConnect, "no-connect", false, "do not test the login (e.g. preparing a configuration away from the network)")
	fs.BoolVar(&o.noLookup, "no-lookup", false, "do not look the mail servers up in DNS (RFC 6186)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "boundaryd init: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if o.lang != "" {
		if _, err := locale.Parse(o.lang); err != nil {
			fmt.Fprintf(e.stderr, "boundaryd init: --lang: %v\n", err)
			return exitUsage
		}
	}
	if o.secretsPath == "" {
		o.secretsPath = filepath.Join(filepath.Dir(o.configPath), secretsName)
	}
	// Say at once, not after every question, that the files cannot be written.
	for _, p := range []string{o.configPath, o.secretsPath} {
		if err := checkWritable(filepath.Dir(p)); err != nil {
			fmt.Fprintf(e.stderr, "boundaryd init: %v (run it with sudo, or give --config a place of yours)\n", err)
			return exitFailure
		}
	}
	var s *setup
	var err error
	if o.answers != "" {
		s, err = setupFromAnswers(ctx, e, o)
	} else {
		s, err = setupInteractive(ctx, e, o)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd init: %v\n", err)
		return exitFailure
	}
	cfgText, secText := s.render(), s.secrets()
	// What is written is what check accepts: parse it with the config
	// package itself before anything touches the disk.
	if _, probs, err := config.Parse(o.configPath, cfgText); err != nil {
		printProblems(e.stderr, probs)
		fmt.Fprintf(e.stderr, "boundaryd init: the configuration would not be valid (a bug; nothing written): %v\n", err)
		return exitFailure
	}
	if err := writeAtomically(o.configPath, cfgText, 0o644, o.secretsPath, secText); err != nil {
		fmt.Fprintf(e.stderr, "boundaryd init: %v\n", err)
		return exitFailure
	}
	l := s.Lang
	fmt.Fprintf(e.stdout, "\n%s %s\n%s %s\n", locale.Pick(l, "Configuration written:", "Configuration écrite :"), o.configPath,
		locale.Pick(l, "Passwords written (readable by root only):", "Mots de passe écrits (lisibles par root seulement) :"), o.secretsPath)
	if s.OAuth {
		fmt.Fprintf(e.stdout, "%s\n    boundaryd login --config %s\n", locale.Pick(l,
			"Next, sign in with your provider's account (once):",
			"Ensuite, connectez-vous avec le compte de votre fournisseur (une fois) :"), o.configPath)
	}
	fmt.Fprintf(e.stdout, "%s\n    %s\n", locale.Pick(l, "To start boundaryd:", "Pour démarrer boundaryd :"), startCommand(o))
	return exitOK
}

// startCommand is the one command that starts the service for this
// configuration.
func startCommand(o initOptions) string {
	if o.configPath == packageConfig {
		return "sudo systemctl enable --now boundaryd"
	}
	return fmt.Sprintf("set -a && . %s && set +a && boundaryd run --config %s", shellQuote(o.secretsPath), shellQuote(o.configPath))
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// setup is everything init learned, checked, ready to be written.
type setup struct {
	Lang     locale.Lang
	Address  string
	Name     string
	Provider providers.Profile // zero ID: servers typed by the user
	IMAP     providers.Endpoint
	SMTP     providers.Endpoint
	// IMAPPin and SMTPPin pin a provider's self-signed local server
	// (pinSelfSigned); empty otherwise.
	IMAPPin, SMTPPin tlspin.Pin
	Username         string
	OAuth            bool
	// OAuthClientID is the client the therapist registered with the
	// provider (README: "Signing in with Google or Microsoft").
	OAuthClientID string
	Password      string // never printed
	Timezone      string
	Windows       []readingTime
	AlertMail     string
	AlertNtfy     string
	NeverHeld     []string
	Ack           bool
	// ConfigPath and Now are where and when the file is written (its header).
	ConfigPath string
	Now        time.Time
}

// hasSMTP: an OAuth-only provider refuses the password logins notify
// speaks, so there is no smtp section (alerts go by ntfy).
func (s *setup) hasSMTP() bool { return !s.OAuth }

// draft is the configuration as it will be written, with the password
// given in memory instead of the secrets file, for the live tests.
// Before the reading times are asked, a placeholder stands in for them:
// the login test needs only the servers.
func (s *setup) draft(path string) (*config.Config, error) {
	cp := *s
	if len(cp.Windows) == 0 {
		cp.Windows = []readingTime{{Day: "TUE", Hour: 18}}
	}
	cfg, _, err := config.Parse(path, cp.render())
	if err != nil {
		return nil, err
	}
	pw := config.Secret{Value: s.Password}
	cfg.IMAP.Secret = pw
	if cfg.SMTP != nil {
		cfg.SMTP.Secret = pw
	}
	return cfg, nil
}

// ---- checks shared by the questions and the answers file ----

func checkAddress(s string, l locale.Lang) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
		return "", errors.New(locale.Pick(l, `this is not an e-mail address; write it like "dr.agostini@example.org"`,
			`ce n'est pas une adresse e-mail ; écrivez-la comme « dr.agostini@exemple.fr »`))
	}
	return a.Address, nil
}

func checkHost(s string, l locale.Lang) error {
	if s == "" || strings.ContainsAny(s, " /:@") && !strings.HasPrefix(s, "[") {
		return errors.New(locale.Pick(l, `write the server's name, like "imap.example.org"`, `écrivez le nom du serveur, comme « imap.exemple.fr »`))
	}
	return nil
}

func checkPort(s string, l locale.Lang) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, errors.New(locale.Pick(l, "a port is a number from 1 to 65535 (usually 993 for IMAP, 587 or 465 for SMTP)",
			"un port est un nombre de 1 à 65535 (souvent 993 pour IMAP, 587 ou 465 pour SMTP)"))
	}
	return n, nil
}

func checkSecurity(s, host string, l locale.Lang) (netpolicy.Security, error) {
	sec, err := netpolicy.ParseSecurity(s)
	if err == nil {
		err = netpolicy.Check(sec, host)
	}
	if err != nil {
		return "", errors.New(locale.Pick(l,
			"write tls, starttls, or insecure (insecure only for a server on this same machine)",
			"écrivez tls, starttls, ou insecure (insecure seulement pour un serveur sur cette même machine)"))
	}
	return sec, nil
}

// defaultSecurity guesses the mode from the usual ports.
func defaultSecurity(port int) netpolicy.Security {
	switch port {
	case 143, 587, 25:
		return netpolicy.StartTLS
	}
	return netpolicy.TLS
}

func checkTimezone(s string, l locale.Lang) error {
	if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" {
		return errors.New(locale.Pick(l, `write it like "Europe/Paris" or "America/Montreal"`, `écrivez-le comme « Europe/Paris » ou « America/Montreal »`))
	}
	return nil
}

func checkAlertMail(s string, l locale.Lang) error {
	if s == "" {
		return nil
	}
	if _, err := checkAddress(s, l); err != nil {
		return errors.New(locale.Pick(l, `write one address, like "+33600000000@sms.example.net"`, `écrivez une adresse, comme « +33600000000@sms.exemple.fr »`))
	}
	return nil
}

func checkNtfy(s string, l locale.Lang) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err == nil && u.Host != "" {
		err = netpolicy.CheckURL(u)
	} else if err == nil {
		err = errors.New("no host")
	}
	if err != nil {
		return errors.New(locale.Pick(l, `write the topic's address, like "https://ntfy.sh/my-secret-topic-name"`,
			`écrivez l'adresse du sujet, comme « https://ntfy.sh/mon-sujet-secret »`))
	}
	return nil
}

func checkSenders(list []string, l locale.Lang) error {
	for _, s := range list {
		if err := classify.CheckSenderPattern(s); err != nil {
			return errors.New(locale.Pick(l,
				fmt.Sprintf(`%q: write addresses like "partner@example.org" or "*@hospital.example" for a whole domain, separated by commas`, s),
				fmt.Sprintf(`« %s » : écrivez des adresses comme « conjoint@exemple.fr » ou « *@hopital.fr » pour tout un domaine, séparées par des virgules`, s)))
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// detectTimezone is the machine's zone name when it can be known.
func detectTimezone(e *env, l locale.Lang) string {
	candidates := []string{e.getenv("TZ")}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(b)))
	}
	if t, err := os.Readlink("/etc/localtime"); err == nil {
		if _, zone, ok := strings.Cut(t, "zoneinfo/"); ok {
			candidates = append(candidates, zone)
		}
	}
	for _, c := range candidates {
		c = strings.TrimPrefix(c, ":")
		if c != "" && c != "UTC" && c != "Etc/UTC" && checkTimezone(c, l) == nil {
			return c
		}
	}
	return locale.Pick(l, "UTC", "Europe/Paris")
}

// lookupServers asks DNS for the domain's IMAP and submission servers
// (RFC 6186), briefly; no answer is an answer.
func lookupServers(ctx context.Context, o initOptions, domain string) (imap, smtp providers.Endpoint, ok bool) {
	if o.noLookup || o.lookupSRV == nil {
		return imap, smtp, false
	}
	timeout := o.srvTimeout
	if timeout <= 0 {
		timeout = srvTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	find := func(services ...string) (providers.Endpoint, bool) {
		for _, svc := range services {
			_, addrs, err := o.lookupSRV(ctx, svc, "tcp", domain)
			if err != nil || len(addrs) == 0 {
				continue
			}
			t := strings.TrimSuffix(addrs[0].Target, ".")
			if t == "" { // "." means the service is not offered
				continue
			}
			sec := netpolicy.TLS
			if svc == "imap" || svc == "submission" {
				sec = netpolicy.StartTLS
			}
			return providers.Endpoint{Host: t, Port: int(addrs[0].Port), Security: sec}, true
		}
		return providers.Endpoint{}, false
	}
	imap, ok1 := find("imaps", "imap")
	smtp, ok2 := find("submissions", "submission")
	return imap, smtp, ok1 && ok2
}

// ---- the answers file ----

// initAnswers is the --answers file: the same answers as the questions.
type initAnswers struct {
	Language string `yaml:"language"`
	Address  string `yaml:"address"`
	Name     string `yaml:"name"`
	// Provider is a profile id (gmail, fastmail, ...) or "other" with imap
	// and smtp; empty: recognised from the address.
	Provider        string      `yaml:"provider"`
	IMAP            *answerHost `yaml:"imap"`
	SMTP            *answerHost `yaml:"smtp"`
	Username        string      `yaml:"username"`
	Password        string      `yaml:"password"`
	PasswordFile    string      `yaml:"password_file"`
	OAuthClientID   string      `yaml:"oauth_client_id"`
	Timezone        string      `yaml:"timezone"`
	ReadingWindows  string      `yaml:"reading_windows"`
	AlertMail       string      `yaml:"alert_mail"`
	AlertNtfy       string      `yaml:"alert_ntfy"`
	NeverHeld       []string    `yaml:"never_held"`
	Acknowledgement bool        `yaml:"acknowledgement"`
}

type answerHost struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Security string `yaml:"security"`
}

func setupFromAnswers(ctx context.Context, e *env, o initOptions) (*setup, error) {
	b, err := os.ReadFile(o.answers)
	if err != nil {
		return nil, fmt.Errorf("answers: %w", err)
	}
	var a initAnswers
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("answers %s: %w", o.answers, err)
	}
	lang := a.Language
	if o.lang != "" {
		lang = o.lang
	}
	l := locale.Of(lang)
	s := &setup{Lang: l, Name: a.Name, Ack: a.Acknowledgement, ConfigPath: o.configPath, Now: e.clock.Now()}
	var errs []error
	bad := func(field string, err error) { errs = append(errs, fmt.Errorf("%s: %w", field, err)) }
	if s.Address, err = checkAddress(a.Address, l); err != nil {
		bad("address", err)
	}
	tab := providers.Builtin()
	switch a.Provider {
	case "":
		if p, ok := tab.ForAddress(s.Address); ok {
			s.Provider = p
		} else if im, sm, ok := lookupServers(ctx, o, domainOf(s.Address)); ok && a.IMAP == nil {
			s.IMAP, s.SMTP = im, sm
		} else if a.IMAP == nil {
			bad("provider", errors.New(locale.Pick(l,
				"the address's provider is not known: give provider (one of "+strings.Join(providerIDs(tab), ", ")+") or imap and smtp",
				"le fournisseur de l'adresse est inconnu : donnez provider (parmi "+strings.Join(providerIDs(tab), ", ")+") ou imap et smtp")))
		}
	case otherProvider:
	default:
		p, ok := tab.ByID(a.Provider)
		if !ok {
			bad("provider", fmt.Errorf("%q: want one of %s, or %s", a.Provider, strings.Join(providerIDs(tab), ", "), otherProvider))
		}
		s.Provider = p
	}
	if s.Provider.ID != "" {
		s.usePro(s.Provider)
	}
	for _, h := range []struct {
		name string
		in   *answerHost
		out  *providers.Endpoint
		def  int
	}{{"imap", a.IMAP, &s.IMAP, 993}, {"smtp", a.SMTP, &s.SMTP, 587}} {
		if h.in == nil {
			if s.Provider.ID == "" && s.IMAP.Host == "" {
				bad(h.name, errors.New("missing (host, port, security)"))
			}
			continue
		}
		if err := checkHost(h.in.Host, l); err != nil {
			bad(h.name+".host", err)
		}
		port := h.in.Port
		if port == 0 {
			port = h.def
		}
		secText := h.in.Security
		if secText == "" {
			secText = string(defaultSecurity(port))
		}
		sec, err := checkSecurity(secText, h.in.Host, l)
		if err != nil {
			bad(h.name+".security", err)
		}
		*h.out = providers.Endpoint{Host: h.in.Host, Port: port, Security: sec}
	}
	s.Username = a.Username
	if s.Username == "" {
		s.Username = s.Address
	}
	s.Password = a.Password
	if a.PasswordFile != "" {
		pb, err := os.ReadFile(a.PasswordFile)
		if err != nil {
			bad("password_file", err)
		}
		s.Password = strings.TrimRight(string(pb), "\r\n")
	}
	switch {
	case s.OAuth && s.Password != "":
		bad("password", errors.New(locale.Pick(l, "this provider takes no password: sign in with boundaryd login", "ce fournisseur ne prend pas de mot de passe : connectez-vous avec boundaryd login")))
	case !s.OAuth && s.Password == "" && s.Provider.Login != providers.AppPasswordOrOAuth2:
		bad("password", errors.New(locale.Pick(l, "missing", "manquant")))
	case !s.OAuth && s.Password == "":
		s.OAuth = true // Gmail without an app password: Google sign-in
	}
	s.OAuthClientID = strings.TrimSpace(a.OAuthClientID)
	if s.OAuth && s.OAuthClientID == "" {
		bad("oauth_client_id", errors.New(locale.Pick(l, "missing: the client ID you registered with your provider (see the README)",
			"manquant : l'identifiant client enregistré chez votre fournisseur (voir le README)")))
	}
	if s.OAuth && s.OAuthProvider() == "" {
		bad("provider", errors.New(locale.Pick(l, "boundaryd signs in with Google or Microsoft accounts only", "boundaryd ne se connecte qu'aux comptes Google ou Microsoft")))
	}
	s.Timezone = a.Timezone
	if s.Timezone == "" {
		s.Timezone = detectTimezone(e, l)
	}
	if err := checkTimezone(s.Timezone, l); err != nil {
		bad("timezone", err)
	}
	if s.Windows, err = parseReadingTimes(a.ReadingWindows, l); err != nil {
		bad("reading_windows", err)
	}
	if err := checkAlertMail(a.AlertMail, l); err != nil {
		bad("alert_mail", err)
	}
	if err := checkNtfy(a.AlertNtfy, l); err != nil {
		bad("alert_ntfy", err)
	}
	s.AlertMail, s.AlertNtfy = a.AlertMail, a.AlertNtfy
	if s.AlertMail == "" && s.AlertNtfy == "" {
		bad("alert_mail", errors.New(locale.Pick(l, "give alert_mail or alert_ntfy (or both): emergencies must reach you", "donnez alert_mail ou alert_ntfy (ou les deux) : les urgences doivent vous parvenir")))
	}
	if s.OAuth && (s.AlertMail != "" || s.Ack) {
		bad("alert_mail", errors.New(locale.Pick(l, "alerts by mail and the acknowledgement need a password login; with sign-in only, use alert_ntfy",
			"les alertes par mail et l'accusé de réception demandent une connexion par mot de passe ; avec la connexion par compte seulement, utilisez alert_ntfy")))
	}
	if err := checkSenders(a.NeverHeld, l); err != nil {
		bad("never_held", err)
	}
	s.NeverHeld = a.NeverHeld
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("answers %s:\n%w", o.answers, err)
	}
	if err := refuseOverwrite(o, nil); err != nil {
		return nil, err
	}
	if !o.noConnect && !s.OAuth {
		s.pinSelfSigned(ctx)
		cfg, err := s.draft(o.configPath)
		if err != nil {
			return nil, err
		}
		if checkConnect(ctx, e, cfg) != exitOK {
			return nil, errors.New(locale.Pick(l, "the login test failed (above); nothing written", "le test de connexion a échoué (ci-dessus) ; rien n'est écrit"))
		}
	}
	return s, nil
}

// usePro takes a profile's servers and login kind.
func (s *setup) usePro(p providers.Profile) {
	s.Provider, s.IMAP, s.SMTP = p, p.IMAP, p.SMTP
	s.OAuth = p.Login == providers.OAuth2
	if p.SelfSigned && netpolicy.IsLoopback(p.IMAP.Host) {
		// Until pinSelfSigned reads its certificate, this connection stays
		// on this machine, where plaintext is allowed.
		s.IMAP.Security, s.SMTP.Security = netpolicy.Insecure, netpolicy.Insecure
	}
}

func providerIDs(t *providers.Table) []string {
	var ids []string
	for _, p := range t.All() {
		ids = append(ids, p.ID)
	}
	return ids
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// refuseOverwrite stops init from replacing a configuration someone wrote,
// unless forced or (interactively) confirmed. The package's untouched
// example (imap.example.org) is replaced without asking.
func refuseOverwrite(o initOptions, confirm func() (bool, error)) error {
	b, err := os.ReadFile(o.configPath)
	if errors.Is(err, os.ErrNotExist) || o.force {
		return nil
	}
	if err == nil && isUntouchedExample(b) {
		return nil
	}
	if confirm != nil {
		ok, cerr := confirm()
		if cerr != nil {
			return cerr
		}
		if ok {
			return nil
		}
		return errAborted
	}
	return fmt.Errorf("%s already exists; give --force to replace it", o.configPath)
}

func isUntouchedExample(b []byte) bool {
	cfg, _, _ := config.Parse("example", b)
	return cfg != nil && cfg.IMAP.Host == "imap.example.org"
}

// checkWritable reports whether files can be created in dir, or in the
// nearest existing directory above it (init creates the rest), without
// creating anything.
func checkWritable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", d)
			}
			if err := unix.Access(d, unix.W_OK|unix.X_OK); err != nil {
				return fmt.Errorf("cannot write in %s: %w", d, err)
			}
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) || filepath.Dir(d) == d {
			return fmt.Errorf("cannot write in %s: %w", dir, err)
		}
	}
}

// OAuthProvider is imap.oauth2.provider for the chosen profile ("" when
// boundaryd cannot sign in there).
func (s *setup) OAuthProvider() config.OAuthProvider {
	switch s.Provider.ID {
	case "gmail":
		return config.ProviderGoogle
	case "microsoft":
		return config.ProviderMicrosoft
	}
	return ""
}
