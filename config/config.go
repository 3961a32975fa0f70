// Package config reads boundaryd's YAML configuration into typed values with
// defaults, and validates it so that every problem is reported at once as
// FILE:LINE: message. It knows nothing of IMAP or SMTP; it only describes them.
package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/tlspin"
)

// Config is the whole configuration file. Field tags are the contract's keys.
type Config struct {
	IMAP           IMAP           `yaml:"imap"`
	SMTP           *SMTP          `yaml:"smtp"`
	Senders        Senders        `yaml:"senders"`
	ReadingWindows ReadingWindows `yaml:"reading_windows"`
	Emergency      Emergency      `yaml:"emergency"`
	AutoReply      AutoReply      `yaml:"auto_reply"`
	Language       Language       `yaml:"language"`
	StateDir       string         `yaml:"state_dir"`
	Log            Log            `yaml:"log"`
	HTTP           HTTP           `yaml:"http"`

	// File is the path the configuration was read from, for messages.
	File string `yaml:"-"`
	// Location is reading_windows.timezone, loaded.
	Location *time.Location `yaml:"-"`

	lines map[string]int
}

// IMAP is the mailbox boundaryd watches.
type IMAP struct {
	Host     string             `yaml:"host"`
	Port     int                `yaml:"port"`
	Security netpolicy.Security `yaml:"security"`
	// TLSPin, when set, trusts exactly the server certificate with this
	// SHA-256 fingerprint instead of the CA chain and host name (a local
	// server with its own certificate, such as Proton Mail Bridge).
	TLSPin   tlspin.Pin `yaml:"tls_pin"`
	Username string     `yaml:"username"`
	// Auth is the login mechanism (see IMAPAuth's values).
	Auth            IMAPAuth `yaml:"auth"`
	Password        string   `yaml:"password"`
	PasswordEnv     string   `yaml:"password_env"`
	PasswordFile    string   `yaml:"password_file"`
	PasswordCommand string   `yaml:"password_command"`
	Inbox           string   `yaml:"inbox"`
	HoldFolder      string   `yaml:"hold_folder"`
	PollInterval    Duration `yaml:"poll_interval"`
	Backlog         Backlog  `yaml:"backlog"`
	// OAuth2 is the sign-in used with auth: oauth2.
	OAuth2 *OAuth2 `yaml:"oauth2"`
	// Secret is built from the password_* keys during validation.
	Secret Secret `yaml:"-"`
}

// SMTP is the relay used for alert mail and acknowledgements.
type SMTP struct {
	Host            string             `yaml:"host"`
	Port            int                `yaml:"port"`
	Security        netpolicy.Security `yaml:"security"`
	TLSPin          tlspin.Pin         `yaml:"tls_pin"` // as imap.tls_pin
	Username        string             `yaml:"username"`
	Password        string             `yaml:"password"`
	PasswordEnv     string             `yaml:"password_env"`
	PasswordFile    string             `yaml:"password_file"`
	PasswordCommand string             `yaml:"password_command"`
	From            string             `yaml:"from"`
	Secret          Secret             `yaml:"-"`
}

// Senders routes mail by its From address.
type Senders struct {
	Allow    []string `yaml:"allow"`
	Patients []string `yaml:"patients"`
	// Self lists the therapist's own addresses (never acknowledged). The IMAP
	// username and SMTP from address are always included.
	Self []string `yaml:"self"`
}

// ReadingWindows says when held mail is read.
type ReadingWindows struct {
	Timezone string   `yaml:"timezone"`
	Schedule []string `yaml:"schedule"`
	Delivery Delivery `yaml:"delivery"`
	Pauses   []Pause  `yaml:"pauses"`
}

// Pause is a holiday: no reading window fires from From to To, inclusive.
type Pause struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
	// Cover lists channels (a colleague covering the holidays) that get
	// pages too during the pause, as the daemon decides.
	Cover []Alert `yaml:"cover"`
}

// Emergency holds the crisis rules and where alerts go.
type Emergency struct {
	Builtin        []string            `yaml:"builtin"`
	Rules          []classify.RuleSpec `yaml:"rules"`
	Alerts         []Alert             `yaml:"alerts"`
	IncludeExcerpt bool                `yaml:"include_excerpt"`
	// Review lists when early-look notices for concerns go out (cron, in
	// reading_windows.timezone).
	Review []string `yaml:"review"`
	// RepeatAfter is how long a page may stay unacknowledged before it is
	// sent again.
	RepeatAfter Duration `yaml:"repeat_after"`
	// Repeat is how many times a page is sent again before the backup
	// channels get it; 0 means no repeat.
	Repeat int `yaml:"repeat"`
	// Backup lists channels (a colleague on call) for pages still
	// unacknowledged after the repeats.
	Backup []Alert `yaml:"backup"`
	// GroupWait folds pages for one sender within this time into one.
	GroupWait Duration `yaml:"group_wait"`
	// MaxPagesPerHour caps the pages per channel per hour; beyond it one
	// summary page says how many more are flagged.
	MaxPagesPerHour int `yaml:"max_pages_per_hour"`
}

// Alert is one alert channel.
type Alert struct {
	Type AlertType `yaml:"type"`
	// Name identifies the channel in logs, metrics and the outbox; it
	// defaults to TYPE:INDEX. Renaming a channel re-sends pending alerts.
	Name string   `yaml:"name"`
	To   []string `yaml:"to"`
	URL  string   `yaml:"url"`
	// Format is the webhook body, json (default) or ntfy.
	Format WebhookFormat `yaml:"format"`
	// Levels are the alerts this channel takes (DefaultLevels when left
	// out), without duplicates after Parse.
	Levels []AlertLevel `yaml:"levels"`
	// Click is the https link an ntfy notification opens when tapped
	// (format: ntfy only).
	Click string `yaml:"click"`
	// Token is sent as "Authorization: Bearer TOKEN" (webhooks).
	Token        string `yaml:"token"`
	TokenEnv     string `yaml:"token_env"`
	TokenFile    string `yaml:"token_file"`
	TokenCommand string `yaml:"token_command"`
	Secret       Secret `yaml:"-"`
}

// AutoReply is the patients' acknowledgement.
type AutoReply struct {
	Enabled bool     `yaml:"enabled"`
	OncePer Duration `yaml:"once_per"`
	Subject string   `yaml:"subject"`
	Body    string   `yaml:"body"`
	// ReplyToEscalated also acknowledges escalated messages (off by default:
	// a person in crisis should not get a form letter).
	ReplyToEscalated bool `yaml:"reply_to_escalated"`
}

// Log configures log/slog output on stderr.
type Log struct {
	Level  LogLevel  `yaml:"level"`
	Format LogFormat `yaml:"format"`
}

// HTTP is the optional health and metrics listener.
type HTTP struct {
	Listen string `yaml:"listen"`
	// PublicURL is where the phone can reach this server (https, e.g.
	// through a reverse proxy or a private network): when set, pages carry
	// an "Acknowledge" action and concern notices a "Release to inbox"
	// action (ntfy buttons, webhook JSON ack_url / release_url).
	PublicURL string `yaml:"public_url"`
}

// Problem is one thing wrong (or worth a warning) in the file.
type Problem struct {
	Line    int
	Msg     string
	Warning bool
}

// Problems collects every problem found while loading.
type Problems struct {
	File  string
	List  []Problem
	warns bool
}

func (p *Problems) add(line int, format string, args ...any) {
	p.List = append(p.List, Problem{Line: line, Msg: fmt.Sprintf(format, args...), Warning: p.warns})
}

func (p *Problems) warn(line int, format string, args ...any) {
	p.List = append(p.List, Problem{Line: line, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// Errors reports whether any problem is an error (not a warning).
func (p *Problems) Errors() bool {
	for _, pr := range p.List {
		if !pr.Warning {
			return true
		}
	}
	return false
}

// Lines renders every problem as "FILE:LINE: message", sorted by line.
func (p *Problems) Lines() []string {
	list := append([]Problem(nil), p.List...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Line < list[j].Line })
	out := make([]string, 0, len(list))
	for _, pr := range list {
		msg := pr.Msg
		if pr.Warning {
			msg = "warning: " + msg
		}
		out = append(out, fmt.Sprintf("%s:%d: %s", p.File, pr.Line, msg))
	}
	return out
}

// Error makes Problems usable as an error when it holds errors.
func (p *Problems) Error() string { return strings.Join(p.Lines(), "\n") }

// ErrInvalid is wrapped by Load's error when the file has problems.
var ErrInvalid = errors.New("invalid configuration")

// Load reads and validates the file. It returns the configuration (usable as
// far as it could be read), every problem found, and an error when the file
// cannot be read or has at least one error-level problem.
func Load(path string) (*Config, *Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading configuration: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; name is used in messages.
func Parse(name string, data []byte) (*Config, *Problems, error) {
	probs := &Problems{File: name}
	cfg := &Config{File: name, lines: map[string]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := yamlErrorLine(err)
		probs.add(line, "%s", msg)
		return cfg, probs, fmt.Errorf("%w: %s", ErrInvalid, probs.Error())
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		probs.add(1, "the file is empty; start from config.example.yaml")
		return cfg, probs, fmt.Errorf("%w: %s", ErrInvalid, probs.Error())
	}
	d := &decoder{problems: probs, lines: cfg.lines}
	d.decode(root.Content[0], reflectValue(cfg), "", 1)
	cfg.applyDefaults()
	cfg.validate(probs)
	if probs.Errors() {
		return cfg, probs, fmt.Errorf("%w: %s", ErrInvalid, probs.Error())
	}
	return cfg, probs, nil
}

// Line returns the line where a dotted key path ("imap.host",
// "emergency.alerts[1].url") was written, or the nearest written parent's.
func (c *Config) Line(path string) int {
	for path != "" {
		if l, ok := c.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

func (c *Config) present(path string) bool {
	_, ok := c.lines[path]
	return ok
}

// yamlErrorLine pulls "line N: msg" out of a yaml.v3 syntax error.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		_, rest, _ := strings.Cut(msg, ":")
		return line, "YAML syntax: " + strings.TrimSpace(rest)
	}
	return 1, "YAML syntax: " + msg
}

// ClassifyOptions maps the configuration to the classifier's options; run
// and explain both use it, so explain says what the daemon would do.
func (c *Config) ClassifyOptions() classify.Options {
	return classify.Options{
		Allow:    c.Senders.Allow,
		Patients: c.Senders.Patients,
		Builtin:  c.Emergency.Builtin,
		Rules:    c.Emergency.Rules,
	}
}
