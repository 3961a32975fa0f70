package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

func TestParseReadingTimes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"Tuesday 18:00, Saturday 10:00", "0 18 * * TUE|0 10 * * SAT"},
		{"mardi 18h00", "0 18 * * TUE"},
		{"mardi à 18h et samedi 10h30", "0 18 * * TUE|30 10 * * SAT"},
		{"Mercredi 9h", "0 9 * * WED"},
		{"tue 6pm; sat 10am", "0 18 * * TUE|0 10 * * SAT"},
		{"every day 8:30", "30 8 * * *"},
		{"tous les jours 19h", "0 19 * * *"},
		{"Mondays at 8:00 18:00", "0 8 * * MON|0 18 * * MON"},
		{"dimanche 20.15", "15 20 * * SUN"},
	} {
		got, err := parseReadingTimes(c.in, locale.English)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var crons []string
		for _, r := range got {
			crons = append(crons, r.Cron())
		}
		if strings.Join(crons, "|") != c.want {
			t.Errorf("%q = %v, want %s", c.in, crons, c.want)
		}
	}
	for _, bad := range []string{"", "soon", "Tuesday", "Tuesday 25:00", "Funday 18:00", "mardi 18h75", "Tuesday 13pm"} {
		_, err := parseReadingTimes(bad, locale.French)
		if err == nil || !strings.Contains(err.Error(), "mardi 18h00, samedi 10h00") {
			t.Errorf("%q: %v; want a refusal with an example", bad, err)
		}
	}
}

func TestEnvQuote(t *testing.T) {
	for in, want := range map[string]string{
		"s3cret":   "'s3cret'",
		`a$b"c\d`:  `'a$b"c\d'`,
		"it's $me": `"it's \$me"`,
	} {
		if got := envQuote(in); got != want {
			t.Errorf("envQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// initServers starts the IMAP memory server and the SMTP sink, both
// wanting the therapist's login.
func initServers(t *testing.T) (*testimap.Mem, *smtpsink.Sink) {
	m := testimap.StartMem(t, testimap.MemOptions{User: "dr@cabinet.test", Password: "right-pw"})
	sink := smtpsink.StartWith(t, smtpsink.Options{Username: "dr@cabinet.test", Password: "right-pw"})
	return m, sink
}

func writeAnswers(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func answersFor(m *testimap.Mem, sink *smtpsink.Sink, password string) string {
	return fmt.Sprintf(`language: fr
address: dr@cabinet.test
name: Cabinet Agostini
provider: other
imap: {host: 127.0.0.1, port: %d, security: insecure}
smtp: {host: 127.0.0.1, port: %d, security: insecure}
password: %q
timezone: Europe/Paris
reading_windows: "mardi 18h00, samedi 10h00"
alert_mail: "+33600000000@sms.example.net"
alert_ntfy: "https://ntfy.sh/cabinet-agostini-x1"
never_held: ["partner@example.org", "*@hopital.example"]
acknowledgement: true
`, m.Port(), sink.Port(), password)
}

// init --answers writes a configuration that config.Load accepts with the
// answers in it, and a 0600 secrets file that is the only place the
// password is.
func TestInitAnswers(t *testing.T) {
	m, sink := initServers(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "etc", "config.yaml")
	ans := writeAnswers(t, dir, answersFor(m, sink, "right-pw"))
	code, out, errOut := cli(t, "", "init", "--no-lookup", "--config", cfgPath, "--answers", ans)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "logged in as dr@cabinet.test") || !strings.Contains(out, "Pour démarrer boundaryd") {
		t.Errorf("stdout:\n%s", out)
	}
	cfg, probs, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("%v\n%v", err, probs.Lines())
	}
	if got := strings.Join(cfg.ReadingWindows.Schedule, "|"); got != "0 18 * * TUE|0 10 * * SAT" {
		t.Errorf("schedule %s", got)
	}
	if cfg.Language != config.French || !cfg.AutoReply.Enabled || len(cfg.Emergency.Alerts) != 2 || cfg.SMTP.From != "Cabinet Agostini <dr@cabinet.test>" {
		t.Errorf("config: %+v", cfg)
	}
	if strings.Join(cfg.Senders.Allow, ",") != "partner@example.org,*@hopital.example" {
		t.Errorf("allow: %v", cfg.Senders.Allow)
	}
	raw, _ := os.ReadFile(cfgPath)
	if strings.Contains(string(raw), "right-pw") || strings.Contains(out+errOut, "right-pw") {
		t.Fatal("the password is in the configuration or the output")
	}
	sec := filepath.Join(dir, "etc", "secrets.env")
	fi, err := os.Stat(sec)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file: %v %v", fi, err)
	}
	b, _ := os.ReadFile(sec)
	if !strings.Contains(string(b), "BOUNDARY_IMAP_PASSWORD='right-pw'\n") {
		t.Errorf("secrets file:\n%s", b)
	}
	// check accepts it once the secrets are in the environment, as systemd gives them.
	t.Setenv("BOUNDARY_IMAP_PASSWORD", "right-pw")
	t.Setenv("BOUNDARY_SMTP_PASSWORD", "right-pw")
	if code, out, errOut := cli(t, "", "check", "--config", cfgPath); code != 0 {
		t.Fatalf("check: %d %s %s", code, out, errOut)
	}
	// A second run does not replace it without --force.
	if code, _, errOut := cli(t, "", "init", "--no-lookup", "--config", cfgPath, "--answers", ans); code != 1 || !strings.Contains(errOut, "--force") {
		t.Errorf("second run: %d %s", code, errOut)
	}
}

// A wrong password in the answers fails the live login test: exit 1, nothing written.
func TestInitAnswersWrongPassword(t *testing.T) {
	m, sink := initServers(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	ans := writeAnswers(t, dir, answersFor(m, sink, "wrong-pw"))
	code, out, errOut := cli(t, "", "init", "--no-lookup", "--config", cfgPath, "--answers", ans)
	if code != 1 || !strings.Contains(errOut, "le test de connexion a échoué") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	assertNoFiles(t, dir, "answers.yaml")
}

// A known provider comes from the address; its notes need no server here.
func TestInitAnswersProviders(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	ans := writeAnswers(t, dir, `address: dr.agostini@gmail.com
password: abcd efgh ijkl mnop
timezone: Europe/Paris
reading_windows: Tuesday 18:00
alert_ntfy: https://ntfy.sh/x
`)
	if code, out, errOut := cli(t, "", "init", "--no-connect", "--config", cfgPath, "--answers", ans); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	cfg, _, err := config.Load(cfgPath)
	if err != nil || cfg.IMAP.Host != "imap.gmail.com" || cfg.SMTP.Host != "smtp.gmail.com" || cfg.SMTP.Port != 587 {
		t.Fatalf("%v %+v", err, cfg)
	}
	// Microsoft: OAuth only; no password, no smtp section, auth oauth2
	// with the client the therapist registered, for boundaryd login.
	noClient := `address: dr@hotmail.fr
timezone: Europe/Paris
reading_windows: Tuesday 18:00
alert_ntfy: https://ntfy.sh/x
`
	if code, out, errOut := cli(t, "", "init", "--force", "--no-connect", "--config", cfgPath, "--answers", writeAnswers(t, dir, noClient)); code == 0 || !strings.Contains(out+errOut, "oauth_client_id") {
		t.Fatalf("no client ID accepted: exit %d\n%s\n%s", code, out, errOut)
	}
	ans = writeAnswers(t, dir, noClient+"oauth_client_id: 11111111-2222-3333-4444-555555555555\n")
	code, out, errOut := cli(t, "", "init", "--force", "--no-connect", "--config", cfgPath, "--answers", ans)
	if code != 0 || !strings.Contains(out, "boundaryd login --config") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	cfg, _, err = config.Load(cfgPath)
	if err != nil || cfg.IMAP.Host != "outlook.office365.com" || cfg.IMAP.Auth != config.AuthOAuth2 || cfg.IMAP.OAuth2 == nil ||
		cfg.IMAP.OAuth2.Provider != config.ProviderMicrosoft || cfg.IMAP.OAuth2.ClientID != "11111111-2222-3333-4444-555555555555" || cfg.SMTP != nil {
		t.Fatalf("%v %+v", err, cfg)
	}
	// Unknown domain and no servers: a clear refusal.
	ans = writeAnswers(t, dir, `address: dr@cabinet.test
password: x
reading_windows: Tuesday 18:00
alert_ntfy: https://ntfy.sh/x
`)
	code, _, errOut = cli(t, "", "init", "--force", "--no-lookup", "--no-connect", "--config", cfgPath, "--answers", ans)
	if code != 1 || !strings.Contains(errOut, "provider: the address's provider is not known") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

// assertNoFiles fails when dir holds anything but the files named.
func assertNoFiles(t *testing.T, dir string, except ...string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		for _, e := range except {
			if fi.Name() == e {
				return nil
			}
		}
		t.Errorf("left behind: %s", p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// RFC 6186: the domain's SRV records give the servers; "." means no
// service; a resolver that does not answer is given up on in time.
func TestLookupServers(t *testing.T) {
	records := map[string][]*net.SRV{
		"_imaps._tcp.cabinet.test":       {{Target: "mail.cabinet.test.", Port: 993}},
		"_submission._tcp.cabinet.test":  {{Target: "smtp.cabinet.test.", Port: 587}},
		"_submissions._tcp.cabinet.test": {{Target: ".", Port: 0}},
	}
	o := initOptions{lookupSRV: func(_ context.Context, svc, proto, name string) (string, []*net.SRV, error) {
		r, ok := records["_"+svc+"._"+proto+"."+name]
		if !ok {
			return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
		return "", r, nil
	}}
	im, sm, ok := lookupServers(context.Background(), o, "cabinet.test")
	if !ok || im.Addr() != "mail.cabinet.test:993" || im.Security != netpolicy.TLS || sm.Addr() != "smtp.cabinet.test:587" || sm.Security != netpolicy.StartTLS {
		t.Fatalf("got %+v %+v %v", im, sm, ok)
	}
	if _, _, ok := lookupServers(context.Background(), o, "other.test"); ok {
		t.Fatal("a domain without records gave servers")
	}
	hang := initOptions{srvTimeout: 50 * time.Millisecond, lookupSRV: func(ctx context.Context, _, _, _ string) (string, []*net.SRV, error) {
		<-ctx.Done()
		return "", nil, ctx.Err()
	}}
	start := time.Now()
	if _, _, ok := lookupServers(context.Background(), hang, "cabinet.test"); ok || time.Since(start) > 5*time.Second {
		t.Fatalf("a silent resolver: ok %v after %s", ok, time.Since(start))
	}
	if _, _, ok := lookupServers(context.Background(), initOptions{noLookup: true, lookupSRV: o.lookupSRV}, "cabinet.test"); ok {
		t.Fatal("--no-lookup looked up")
	}
}

// As root, the secrets file belongs to the owner of the configuration's
// directory (mode 600), so a service user owning it can read it.
func TestInitSecretsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: not root: cannot give a file away")
	}
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	ans := writeAnswers(t, t.TempDir(), `address: dr@gmail.com
password: app-pw
timezone: Europe/Paris
reading_windows: Tuesday 18:00
alert_ntfy: https://ntfy.sh/x
`)
	if code, out, errOut := cli(t, "", "init", "--no-connect", "--config", cfgPath, "--answers", ans); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, p := range []string{cfgPath, filepath.Join(dir, "secrets.env")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 65534 || st.Gid != 65534 {
			t.Errorf("%s: owner %d:%d, want 65534:65534", p, st.Uid, st.Gid)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "secrets.env")); fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets mode %v", fi.Mode())
	}
}
