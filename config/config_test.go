package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

// base is a valid configuration; tests patch it with replace() so each case
// shows only what it changes, and line numbers stay predictable.
const base = `imap:
  host: imap.example.org
  username: dr@example.org
  password_env: BD_TEST_PW
senders:
  allow: ["partner@example.org"]
  patients: ["*"]
reading_windows:
  timezone: Europe/Paris
  schedule: ["0 18 * * TUE"]
emergency:
  alerts:
    - type: webhook
      url: https://ntfy.example.net/t
`

func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

func TestBaseIsValid(t *testing.T) {
	cfg, probs, err := Parse("c.yaml", []byte(base))
	if err != nil {
		t.Fatalf("base config invalid: %v", err)
	}
	if probs.Errors() {
		t.Fatalf("problems: %v", probs.Lines())
	}
	if cfg.IMAP.Port != 993 || cfg.IMAP.Security != "tls" || cfg.IMAP.HoldFolder != DefaultHoldFolder || cfg.IMAP.Backlog != "new" {
		t.Errorf("defaults not applied: %+v", cfg.IMAP)
	}
	if cfg.IMAP.PollInterval.D() != DefaultPollInterval || cfg.ReadingWindows.Delivery != "digest_and_release" || cfg.Language != "en" {
		t.Errorf("defaults not applied: %+v %+v", cfg.IMAP.PollInterval, cfg.ReadingWindows)
	}
	if len(cfg.Emergency.Builtin) == 0 {
		t.Error("built-in rule sets should default to all")
	}
	if cfg.Location == nil || cfg.Location.String() != "Europe/Paris" {
		t.Errorf("location = %v", cfg.Location)
	}
	if cfg.Emergency.Alerts[0].Name != "webhook:0" || cfg.Emergency.Alerts[0].Format != "json" {
		t.Errorf("alert defaults: %+v", cfg.Emergency.Alerts[0])
	}
}

func TestProblems(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		line int
		want string // substring of the message
	}{
		{"unknown key with suggestion", replace(t, "  username:", "  usernme:"), 3, `imap.usernme: unknown key (did you mean "username"?)`},
		{"unknown top-level key", base + "langage: fr\n", 15, `did you mean "language"?`},
		{"unknown key far from any", base + "colour: blue\n", 15, "colour: unknown key"},
		{"wrong type: list for string", replace(t, "host: imap.example.org", "host: [a, b]"), 2, "imap.host: expected a single value"},
		{"wrong type: port not a number", replace(t, "  username:", "  port: nine\n  username:"), 3, `imap.port: "nine" is not a whole number`},
		{"wrong type: bool", base + "auto_reply:\n  enabled: maybe\n", 16, "must be true or false"},
		{"wrong type: section expected", replace(t, "senders:\n  allow: [\"partner@example.org\"]\n  patients: [\"*\"]", "senders: everyone"), 5, "senders: expected a section"},
		{"missing required host", replace(t, "  host: imap.example.org\n", ""), 1, "imap.host: missing"},
		{"missing imap", strings.Replace(base, "imap:\n  host: imap.example.org\n  username: dr@example.org\n  password_env: BD_TEST_PW\n", "", 1), 1, "imap: missing"},
		{"missing schedule", replace(t, "  schedule: [\"0 18 * * TUE\"]\n", ""), 8, "reading_windows.schedule: missing"},
		{"invalid cron", replace(t, `["0 18 * * TUE"]`, `["0 25 * * TUE"]`), 10, `"0 25 * * TUE"`},
		{"cron never fires", replace(t, `["0 18 * * TUE"]`, "\n    - \"0 18 * * TUE\"\n    - \"0 0 30 2 *\""), 12, `"0 0 30 2 *"`},
		{"cron CRON_TZ alone (panics cron)", replace(t, `["0 18 * * TUE"]`, `["CRON_TZ=Europe/Paris"]`), 10, "CRON_TZ"},
		{"cron CRON_TZ prefix", replace(t, `["0 18 * * TUE"]`, `["CRON_TZ=Europe/Paris 0 18 * * 2"]`), 10, "CRON_TZ"},
		{"unknown timezone", replace(t, "Europe/Paris", "Europe/Pariss"), 9, `unknown timezone "Europe/Pariss"`},
		{"malformed allow address", replace(t, `["partner@example.org"]`, `["partner@"]`), 6, `senders.allow: "partner@"`},
		{"malformed alert address", base + "    - type: smtp\n      to: [\"not an address\"]\nsmtp:\n  host: smtp.example.org\n  from: a@example.org\n", 16, `"not an address" is not an address`},
		{"malformed regex", base[:strings.Index(base, "  alerts:")] + "  rules:\n    - name: mine\n      regex: [\"(unclosed\"]\n" + base[strings.Index(base, "  alerts:"):], 14, `regex: "(unclosed"`},
		{"two password sources", replace(t, "  password_env: BD_TEST_PW\n", "  password_env: BD_TEST_PW\n  password_file: /etc/pw\n"), 5, "only one of password, password_env"},
		{"no password source", replace(t, "  password_env: BD_TEST_PW\n", ""), 1, "no password source"},
		{"insecure to remote host", replace(t, "  username:", "  security: insecure\n  username:"), 3, "only allowed towards this machine"},
		{"bad duration", replace(t, "  username:", "  poll_interval: 3 minutes\n  username:"), 3, `"3 minutes" is not a duration`},
		{"bad enum with suggestion", replace(t, "  username:", "  backlog: al\n  username:"), 3, `did you mean "all"?`},
		{"plain http webhook to remote", replace(t, "https://ntfy", "http://ntfy"), 14, "plain http"},
		{"smtp needed for smtp alert", base + "    - type: smtp\n      to: [\"a@example.org\"]\n", 12, "smtp: missing"},
		{"template with unknown field", base + "auto_reply:\n  enabled: true\n  body: \"next: {{.Nextwindow}}\"\nsmtp:\n  host: h.example.org\n  from: a@example.org\n", 17, "auto_reply.body"},
		{"yaml syntax error", base + "log:\n  level: info: debug\n", 16, "YAML syntax"},
		{"yaml tab indentation", base + "log:\n\tlevel: info\n", 16, "YAML syntax"},
		{"duplicate key", replace(t, "  username: dr@example.org\n", "  username: dr@example.org\n  username: other@example.org\n"), 4, "written twice (first on line 3)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, probs, err := Parse("c.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error; problems: %v", probs.Lines())
			}
			wantPrefix := "c.yaml:" + strconv.Itoa(c.line) + ": "
			for _, l := range probs.Lines() {
				if strings.HasPrefix(l, wantPrefix) && strings.Contains(l, c.want) {
					return
				}
			}
			t.Errorf("want a line %q...%q; got:\n%s", wantPrefix, c.want, strings.Join(probs.Lines(), "\n"))
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	y := "imap:\n  host: imap.example.org\n  usernam: x\n  port: abc\n  security: insecure\nsenders:\n  allow: [\"@@\"]\nreading_windows:\n  timezone: Mars/Olympus\n  schedule: [\"0 0 30 2 *\"]\n"
	_, probs, err := Parse("c.yaml", []byte(y))
	if err == nil {
		t.Fatal("expected errors")
	}
	lines := strings.Join(probs.Lines(), "\n")
	for _, want := range []string{":3: imap.usernam: unknown key", ":4: imap.port", ":5: imap.security", ":7: senders.allow", ":9: reading_windows.timezone", ":10: reading_windows.schedule", "no password source", "imap.username: missing"} {
		if !strings.Contains(lines, want) {
			t.Errorf("missing %q in:\n%s", want, lines)
		}
	}
}

func TestPauses(t *testing.T) {
	y := base[:strings.Index(base, "emergency:")] + "  pauses:\n    - from: 2026-12-24\n      to: 2026-12-20\n    - from: 2026-13-01\n      to: 2027-01-02\n" + base[strings.Index(base, "emergency:"):]
	_, probs, err := Parse("c.yaml", []byte(y))
	if err == nil {
		t.Fatal("expected errors")
	}
	lines := strings.Join(probs.Lines(), "\n")
	for _, want := range []string{"c.yaml:12: reading_windows.pauses[0]: ends", "c.yaml:14: reading_windows.pauses[1].from"} {
		if !strings.Contains(lines, want) {
			t.Errorf("missing %q in:\n%s", want, lines)
		}
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret-value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	y := replace(t, "password_env: BD_TEST_PW", "password_file: "+pw)
	cfg, probs, err := Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Join(probs.Lines(), "\n")
	if !strings.Contains(lines, "c.yaml:4: warning: imap.password_file") || !strings.Contains(lines, "readable by other users") {
		t.Errorf("no world-readable warning: %s", lines)
	}
	got, err := cfg.IMAP.Secret.Resolve(t.Context())
	if err != nil || got != "s3cret-value" {
		t.Fatalf("resolve = %q, %v", got, err)
	}
	if s := cfg.IMAP.Secret.String(); strings.Contains(s, "s3cret") {
		t.Errorf("String() leaks the secret: %s", s)
	}

	// password_env unset is reported by CheckSecrets, on the key's line.
	cfg, _, err = Parse("c.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BD_TEST_PW", "")
	p := &Problems{File: "c.yaml"}
	cfg.CheckSecrets(p, false)
	if !p.Errors() || !strings.Contains(p.Lines()[0], "c.yaml:4: imap.password_env: environment variable BD_TEST_PW is not set") {
		t.Errorf("got %v", p.Lines())
	}
	t.Setenv("BD_TEST_PW", "hunter2")
	p = &Problems{File: "c.yaml"}
	cfg.CheckSecrets(p, false)
	if p.Errors() {
		t.Errorf("got %v", p.Lines())
	}

	// password_command runs at each resolve: a rotating token is picked up.
	counter := filepath.Join(dir, "n")
	y = replace(t, "password_env: BD_TEST_PW", `password_command: "echo x >> `+counter+`; wc -l < `+counter+`"`)
	cfg, _, err = Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cfg.IMAP.Secret.Resolve(t.Context())
	b, _ := cfg.IMAP.Secret.Resolve(t.Context())
	if strings.TrimSpace(a) != "1" || strings.TrimSpace(b) != "2" {
		t.Errorf("command not re-run: %q then %q", a, b)
	}
}

func TestPasswordInFileNeverEchoed(t *testing.T) {
	y := replace(t, "password_env: BD_TEST_PW", "password: [hunter2-secret")
	_, probs, _ := Parse("c.yaml", []byte(y))
	for _, l := range probs.Lines() {
		if strings.Contains(l, "hunter2") {
			t.Errorf("secret echoed: %s", l)
		}
	}
	y = replace(t, "password_env: BD_TEST_PW", "password: hunter2-secret\n  password_env: X")
	_, probs, _ = Parse("c.yaml", []byte(y))
	for _, l := range probs.Lines() {
		if strings.Contains(l, "hunter2") {
			t.Errorf("secret echoed: %s", l)
		}
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	cfg, probs, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	for _, l := range probs.Lines() {
		t.Log(l)
	}
	if cfg.SMTP == nil || len(cfg.Emergency.Alerts) != 2 || len(cfg.ReadingWindows.Pauses) != 1 {
		t.Errorf("example not fully read: %+v", cfg.Emergency)
	}
	if len(cfg.Emergency.Backup) != 1 || len(cfg.ReadingWindows.Pauses[0].Cover) != 1 || len(cfg.Emergency.Review) != 2 {
		t.Errorf("example's safety net not read: %+v", cfg.Emergency)
	}
}

// check refuses plaintext exactly where run would (one rule, netpolicy):
// names under .localhost were accepted by check and then resolved through
// DNS, so a resolver answering 10.x got the password in clear.
func TestPlaintextOnlyToThisMachine(t *testing.T) {
	smtp := "smtp:\n  host: %s\n  security: insecure\n  from: a@example.org\n"
	for _, host := range []string{"x.localhost", "imap.localhost", "localhost.", "10.0.0.1", "127.0.0.1.nip.io"} {
		y := replace(t, "  host: imap.example.org\n", "  host: "+host+"\n  security: insecure\n")
		y = strings.Replace(y, "url: https://ntfy.example.net/t", "url: http://"+host+":8080/t", 1)
		y += fmt.Sprintf(smtp, host)
		_, probs, err := Parse("c.yaml", []byte(y))
		if err == nil {
			t.Fatalf("%s: accepted for plaintext", host)
		}
		lines := strings.Join(probs.Lines(), "\n")
		for _, want := range []string{
			"c.yaml:3: imap.security: security insecure sends the password in clear",
			"c.yaml:15: emergency.alerts[0].url: plain http",
			"c.yaml:18: smtp.security: security insecure",
		} {
			if !strings.Contains(lines, want) {
				t.Errorf("%s: missing %q in:\n%s", host, want, lines)
			}
		}
	}
	for _, host := range []string{"localhost", "127.0.0.1", "127.0.0.53", "::1", "[::1]"} {
		y := replace(t, "  host: imap.example.org\n", "  host: \""+host+"\"\n  security: insecure\n")
		y += fmt.Sprintf(smtp, `"`+host+`"`)
		if _, probs, err := Parse("c.yaml", []byte(y)); err != nil {
			t.Errorf("%s refused for plaintext: %v", host, probs.Lines())
		}
	}
}

// Every enumerated key is parsed once into its typed value: each listed
// value is taken as written, anything else is refused on its line.
func TestChoices(t *testing.T) {
	smtp := "smtp:\n  host: smtp.example.org\n  from: a@example.org\n"
	for _, tc := range []struct {
		key, section string
		choices      []string
		got          func(*Config) string
	}{
		{"security", "imap", netpolicy.Security("").Choices(), func(c *Config) string { return string(c.IMAP.Security) }},
		{"auth", "imap", IMAPAuth("").Choices(), func(c *Config) string { return string(c.IMAP.Auth) }},
		{"backlog", "imap", Backlog("").Choices(), func(c *Config) string { return string(c.IMAP.Backlog) }},
		{"security", "smtp", netpolicy.Security("").Choices(), func(c *Config) string { return string(c.SMTP.Security) }},
		{"delivery", "reading_windows", Delivery("").Choices(), func(c *Config) string { return string(c.ReadingWindows.Delivery) }},
		{"level", "log", LogLevel("").Choices(), func(c *Config) string { return string(c.Log.Level) }},
		{"format", "log", LogFormat("").Choices(), func(c *Config) string { return string(c.Log.Format) }},
		{"language", "", Language("").Choices(), func(c *Config) string { return string(c.Language) }},
		{"format", "emergency.alerts[0]", WebhookFormat("").Choices(), func(c *Config) string { return string(c.Emergency.Alerts[0].Format) }},
	} {
		set := func(v string) string {
			y := base + smtp
			switch tc.section {
			case "imap", "smtp", "reading_windows":
				y = strings.Replace(y, tc.section+":\n", tc.section+":\n  "+tc.key+": "+v+"\n", 1)
			case "emergency.alerts[0]":
				y = strings.Replace(y, "    - type: webhook\n", "    - type: webhook\n      "+tc.key+": "+v+"\n", 1)
			case "":
				y += tc.key + ": " + v + "\n"
			default:
				y += tc.section + ":\n  " + tc.key + ": " + v + "\n"
			}
			return y
		}
		for _, v := range tc.choices {
			y := set(v)
			if tc.key == "auth" && v == string(AuthOAuth2) {
				y = strings.Replace(y, "imap:\n", "imap:\n  oauth2:\n    provider: google\n    client_id: id\n", 1)
			}
			if strings.Contains(y, "security: insecure") {
				y = strings.Replace(y, "imap.example.org", "127.0.0.1", 1)
				y = strings.Replace(y, "smtp.example.org", "127.0.0.1", 1)
			}
			cfg, probs, err := Parse("c.yaml", []byte(y))
			if err != nil {
				t.Errorf("%s.%s: %s refused: %v", tc.section, tc.key, v, probs.Lines())
				continue
			}
			if got := tc.got(cfg); got != v {
				t.Errorf("%s.%s: %s read as %q", tc.section, tc.key, v, got)
			}
		}
		_, probs, err := Parse("c.yaml", []byte(set("bogus")))
		if err == nil || !strings.Contains(probs.Error(), tc.key+`: "bogus" is not one of `+strings.Join(tc.choices, ", ")) {
			t.Errorf("%s.%s: bogus: %v", tc.section, tc.key, probs.Lines())
		}
	}
}

// An unknown alert type is reported once, on its line; a missing one on
// the alert's.
func TestAlertType(t *testing.T) {
	_, probs, _ := Parse("c.yaml", []byte(replace(t, "type: webhook", "type: webhok")))
	if l := probs.Lines(); len(l) != 1 || !strings.HasPrefix(l[0], `c.yaml:13: emergency.alerts[0].type: "webhok" is not one of smtp, webhook (did you mean "webhook"?)`) {
		t.Errorf("got %q", l)
	}
	_, probs, _ = Parse("c.yaml", []byte(replace(t, "    - type: webhook\n      url:", "    - url:")))
	if l := probs.Lines(); len(l) != 1 || !strings.HasPrefix(l[0], "c.yaml:13: emergency.alerts[0]: missing type") {
		t.Errorf("got %q", l)
	}
}

// A webhook URL often carries a token: a wrong one is never quoted back.
func TestWebhookURLNotEchoed(t *testing.T) {
	for _, u := range []string{"ftp://user:tok3n@ntfy.example.net/t0pic", "http://user:tok3n@10.0.0.1/t0pic", "https://user:tok3n@/t0pic"} {
		_, probs, err := Parse("c.yaml", []byte(replace(t, "https://ntfy.example.net/t", u)))
		if err == nil {
			t.Fatalf("%s accepted", u)
		}
		if l := probs.Error(); strings.Contains(l, "tok3n") || strings.Contains(l, "t0pic") {
			t.Errorf("%s echoed: %s", u, l)
		}
	}
}
