package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/boundaryd/boundaryd/autoreply"
	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/schedule"
)

// quote writes s as a YAML double-quoted scalar (JSON's string syntax is
// YAML's), so no answer can break the file's structure.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// from is the sender of alert mails and acknowledgements.
func (s *setup) from() string {
	if s.Name == "" {
		return s.Address
	}
	return fmt.Sprintf("%s <%s>", strings.ReplaceAll(strings.ReplaceAll(s.Name, `"`, ""), `\`, ""), s.Address)
}

func (s *setup) crons() []string {
	out := make([]string, len(s.Windows))
	for i, w := range s.Windows {
		out[i] = w.Cron()
	}
	return out
}

var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{"q": quote, "ql": quoteList}).Parse(
	`# boundaryd configuration, written by "boundaryd init" on {{.Date}}.
# Run "boundaryd init" again to start over, or edit this file and check it:
#     boundaryd check --config {{.Path}}
# config.example.yaml (in the package's documentation) explains every key.
{{- with .S}}

# ── Your mailbox{{if .Provider.ID}} ({{.Provider.Name}}){{end}} ──
imap:
  host: {{q .IMAP.Host}}
  port: {{.IMAP.Port}}
  security: {{.IMAP.Security}}
{{- if .IMAPPin}}
  tls_pin: {{.IMAPPin}}             # this server's own certificate, read at init
{{- end}}
  username: {{q .Username}}
{{- if .OAuth}}
  # Sign-in with your provider's account: run "boundaryd login" once.
  auth: oauth2
  oauth2:
    provider: {{.OAuthProvider}}
    client_id: {{q .OAuthClientID}}
{{- else}}
  # The password is in the secrets file beside this one, never here.
  password_env: {{$.EnvIMAP}}
{{- end}}
  inbox: INBOX
  hold_folder: Boundary/Held       # where patients' mail waits; created if missing
  backlog: new                     # mail already in the inbox is left alone
{{- if .HasSMTP}}

# ── Outgoing mail: alerts by mail or SMS, acknowledgements ──
smtp:
  host: {{q .SMTP.Host}}
  port: {{.SMTP.Port}}
  security: {{.SMTP.Security}}
{{- if .SMTPPin}}
  tls_pin: {{.SMTPPin}}             # this server's own certificate, read at init
{{- end}}
  username: {{q .Username}}
  password_env: {{$.EnvSMTP}}
  from: {{q .From}}
{{- end}}

# ── Who is who ──
senders:
  # Never held, never examined (partner, colleagues, a whole domain as *@domain).
  allow: {{ql .NeverHeld}}
  # Held until a reading window and examined for emergencies: everyone else.
  patients: ["*"]

# ── When you read your patients' mail: {{$.Said}} ──
reading_windows:
  timezone: {{q .Timezone}}
  # minute hour day month weekday
  schedule: {{ql .Crons}}
  delivery: digest_and_release     # a summary in your inbox, then the mail itself

# ── Emergencies ──
emergency:
  builtin: [en, fr]                # the built-in crisis rules ("boundaryd rules --dump")
  # Where alerts go; "boundaryd test-alert" sends a test through each.
  alerts:
{{- if .AlertMail}}
    - type: smtp
      to: [{{q .AlertMail}}]
{{- end}}
{{- if .AlertNtfy}}
    - type: webhook
      url: {{q .AlertNtfy}}
      format: ntfy
{{- end}}
  include_excerpt: false           # alerts say who wrote and when, never what

# ── Acknowledgement to patients ──
auto_reply:
  enabled: {{.Ack}}
  once_per: 72h                    # at most one per patient in this time
  subject: {{q .AckSubject}}
  # {{"{{"}}.NextWindow{{"}}"}} becomes the next reading time.
  body: {{q .AckBody}}
{{- end}}

language: {{.Lang}}
state_dir: /var/lib/boundaryd
log:
  level: info
`))

type configView struct {
	S                      viewSetup
	Date, Path, Said, Lang string
	EnvIMAP, EnvSMTP       string
}

type viewSetup struct {
	*setup
	HasSMTP             bool
	From                string
	Crons               []string
	AckSubject, AckBody string
}

// render is the configuration file's text.
func (s *setup) render() []byte {
	never := s.NeverHeld
	if never == nil {
		never = []string{}
	}
	cp := *s
	cp.NeverHeld = never
	v := configView{
		S: viewSetup{setup: &cp, HasSMTP: s.hasSMTP(), From: s.from(), Crons: s.crons(),
			AckSubject: autoreply.DefaultSubject(s.Lang.String()), AckBody: autoreply.DefaultBody(s.Lang.String())},
		Date:    s.Now.UTC().Format("2006-01-02"),
		Path:    s.ConfigPath,
		Said:    oneLineComment(sayReadingTimes(s.Windows, s.Lang)),
		Lang:    s.Lang.String(),
		EnvIMAP: envIMAPPassword, EnvSMTP: envSMTPPassword,
	}
	var b bytes.Buffer
	// The template is fixed and its data plain strings: Execute cannot
	// fail on a bytes.Buffer.
	_ = configTemplate.Execute(&b, v)
	return b.Bytes()
}

func oneLineComment(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// secrets is the secrets file: the environment systemd gives the service.
func (s *setup) secrets() []byte {
	var b strings.Builder
	b.WriteString("# boundaryd's passwords, written by \"boundaryd init\". Root only (mode 600).\n")
	b.WriteString("# systemd reads this file (EnvironmentFile=) before starting the service.\n")
	if s.OAuth {
		b.WriteString("# No password: \"boundaryd login\" keeps the sign-in in the state directory.\n")
		return []byte(b.String())
	}
	v := envQuote(s.Password)
	fmt.Fprintf(&b, "%s=%s\n", envIMAPPassword, v)
	if s.hasSMTP() {
		fmt.Fprintf(&b, "%s=%s\n", envSMTPPassword, v)
	}
	return []byte(b.String())
}

// envQuote quotes a value for both systemd's EnvironmentFile= and the
// shell's ".": single quotes, or double quotes with \ " $ ` escaped when the
// value holds a single quote.
func envQuote(v string) string {
	if !strings.Contains(v, "'") {
		return "'" + v + "'"
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(v) + `"`
}

// previewAck is the acknowledgement a patient would get now, in words.
func (s *setup) previewAck(now time.Time) string {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = time.UTC
	}
	next := "?"
	if w, err := schedule.New(s.crons(), loc, nil); err == nil {
		next = schedule.FormatWindow(w.Next(now), loc, s.Lang.String())
	}
	body, err := template.New("ack").Parse(autoreply.DefaultBody(s.Lang.String()))
	if err != nil {
		return ""
	}
	var b strings.Builder
	_ = body.Execute(&b, autoreply.Data{NextWindow: next})
	return autoreply.DefaultSubject(s.Lang.String()) + "\n\n" + b.String()
}

// securityWords says a mode in plain words.
func securityWords(sec netpolicy.Security, l locale.Lang) string {
	switch sec {
	case netpolicy.TLS:
		return locale.Pick(l, "encrypted (TLS)", "chiffrée (TLS)")
	case netpolicy.StartTLS:
		return locale.Pick(l, "encrypted (STARTTLS)", "chiffrée (STARTTLS)")
	case netpolicy.Insecure:
		return locale.Pick(l, "not encrypted, on this machine only", "non chiffrée, sur cette machine seulement")
	}
	return string(sec)
}

// writeAtomically writes the secrets file (0600) and the configuration
// (mode cfgMode) through temporary files in their directories, renamed
// into place only when both are complete: an interruption leaves each file
// as it was or whole. Both get the owner of the configuration's directory.
func writeAtomically(cfgPath string, cfg []byte, cfgMode os.FileMode, secPath string, sec []byte) (err error) {
	dir := filepath.Dir(cfgPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	uid, gid := -1, -1
	if fi, err := os.Stat(dir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	var temps []string
	defer func() {
		if err != nil {
			for _, t := range temps {
				os.Remove(t)
			}
		}
	}()
	stage := func(path string, data []byte, mode os.FileMode) (string, error) {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
		if err != nil {
			return "", fmt.Errorf("writing %s: %w", path, err)
		}
		temps = append(temps, f.Name())
		// Mode first: the secret is never in a file others can read.
		err = f.Chmod(mode)
		if err == nil && uid >= 0 {
			err = f.Chown(uid, gid)
		}
		if err == nil {
			_, err = f.Write(data)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("writing %s: %w", path, err)
		}
		return f.Name(), nil
	}
	if err := os.MkdirAll(filepath.Dir(secPath), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(secPath), err)
	}
	secTmp, err := stage(secPath, sec, 0o600)
	if err != nil {
		return err
	}
	cfgTmp, err := stage(cfgPath, cfg, cfgMode)
	if err != nil {
		return err
	}
	if err := os.Rename(secTmp, secPath); err != nil {
		return fmt.Errorf("writing %s: %w", secPath, err)
	}
	if err := os.Rename(cfgTmp, cfgPath); err != nil {
		return fmt.Errorf("writing %s: %w", cfgPath, err)
	}
	for _, d := range []string{filepath.Dir(secPath), dir} {
		if f, err := os.Open(d); err == nil {
			err = f.Sync()
			f.Close()
			if err != nil && !errors.Is(err, syscall.EINVAL) {
				return fmt.Errorf("syncing %s: %w", d, err)
			}
		}
	}
	return nil
}
