package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/boundaryd/boundaryd/config"
)

// These tests drive `boundaryd init` as a person would: the real binary on
// a pseudo-terminal, the questions read, the answers typed, Ctrl-C pressed.

// buildBinary builds boundaryd once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "boundaryd-init-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "boundaryd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := buildBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// expectTimeout bounds each wait for a question.
const expectTimeout = 30 * time.Second

// console is boundaryd running on a pty.
type console struct {
	t    *testing.T
	tty  *os.File
	cmd  *exec.Cmd
	done chan struct{} // closed when the output is read to its end

	mu      sync.Mutex
	out     bytes.Buffer
	pos     int           // how far expect has read
	changed chan struct{} // closed and replaced at each read
}

func startConsole(t *testing.T, args ...string) *console {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TERM=dumb", "TZ=Europe/Paris"}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	c := &console{t: t, tty: tty, cmd: cmd, done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		defer close(c.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			c.mu.Lock()
			c.out.Write(buf[:n])
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
		tty.Close()
	})
	return c
}

// expect waits for s in the output after what was already matched.
func (c *console) expect(s string) {
	c.t.Helper()
	deadline := time.NewTimer(expectTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		rest := c.out.String()[c.pos:]
		if i := strings.Index(rest, s); i >= 0 {
			c.pos += i + len(s)
			c.mu.Unlock()
			return
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-c.done:
			c.mu.Lock()
			rest := c.out.String()[c.pos:]
			c.mu.Unlock()
			if strings.Contains(rest, s) {
				continue
			}
			c.t.Fatalf("boundaryd ended without saying %q; after the last match it said:\n%s", s, rest)
		case <-deadline.C:
			c.t.Fatalf("no %q within %s; after the last match boundaryd said:\n%s", s, expectTimeout, rest)
		}
	}
}

// answer waits for the question, then types the line and Enter.
func (c *console) answer(question, line string) {
	c.t.Helper()
	c.expect(question)
	if _, err := c.tty.WriteString(line + "\r"); err != nil {
		c.t.Fatal(err)
	}
}

// key sends raw bytes (Ctrl-C is "\x03", Ctrl-D "\x04").
func (c *console) key(b string) {
	c.t.Helper()
	if _, err := c.tty.WriteString(b); err != nil {
		c.t.Fatal(err)
	}
}

// exit waits for boundaryd to end and returns its exit code and everything
// it wrote.
func (c *console) exit() (int, string) {
	c.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- c.cmd.Wait() }()
	select {
	case err := <-errc:
		<-c.done
		c.mu.Lock()
		defer c.mu.Unlock()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), c.out.String()
		}
		if err != nil {
			c.t.Fatal(err)
		}
		return 0, c.out.String()
	case <-time.After(expectTimeout):
		c.t.Fatalf("boundaryd did not end; it said:\n%s", c.out.String())
		return 0, ""
	}
}

// typeServers answers the server questions for the test servers.
func (c *console) typeServers(imapPort, smtpPort int) {
	c.t.Helper()
	c.answer("IMAP server name [imap.cabinet.test]: ", "127.0.0.1")
	c.answer("Port [993]: ", fmt.Sprint(imapPort))
	c.answer("Security: tls, starttls, or insecure (only for a server on this machine) [tls]: ", "insecure")
	c.answer("SMTP server name [127.0.0.1]: ", "")
	c.answer("Port [587]: ", fmt.Sprint(smtpPort))
	c.answer("Security: tls, starttls, or insecure (only for a server on this machine) [tls]: ", "insecure")
	c.answer("User name [dr@cabinet.test]: ", "")
}

// A complete run in English, with an unknown provider, a reading time it
// cannot read, and a test alert that reaches the SMTP sink and a webhook.
func TestInitOnTerminalEnglish(t *testing.T) {
	m, sink := initServers(t)
	hook := startWebhook(t, http.StatusOK)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	c := startConsole(t, "init", "--no-lookup", "--config", cfgPath)
	c.answer("Number / Numéro [1]: ", "1")
	c.answer("Your professional e-mail address (the one patients write to): ", "dr@cabinet.test")
	c.answer("(e.g. Cabinet Agostini; empty: the address alone): ", "Cabinet Agostini")
	c.expect("I do not recognise the provider of cabinet.test from the address alone.")
	c.expect("1) Gmail")
	c.answer("Number [10]: ", "10")
	c.typeServers(m.Port(), sink.Port())
	c.answer("Password for dr@cabinet.test (nothing shows as you type): ", "right-pw")
	c.expect("logged in as dr@cabinet.test")
	c.expect("The login works.")
	c.answer("Your time zone [Europe/Paris]: ", "")
	c.answer("separated by commas [Tuesday 18:00, Saturday 10:00]: ", "soon")
	c.expect(`"soon" is not a day of the week: write it like "Tuesday 18:00, Saturday 10:00"`)
	c.answer("separated by commas [Tuesday 18:00, Saturday 10:00]: ", "Tuesday 18:00, Saturday 10:00")
	c.answer("That is: Tuesdays at 18:00, Saturdays at 10:00. Right? (y/n) [y]: ", "y")
	c.answer("or a mailbox on your phone; empty for none: ", "+33600000000@sms.example.net")
	c.answer("empty for none: ", hook.URL+"/topic")
	c.answer("Send a test alert there now? (y/n) [y]: ", "")
	c.expect("smtp:0 (mail to +33600000000@sms.example.net): accepted")
	c.expect("webhook:1 (webhook to " + strings.TrimPrefix(hook.URL, "http://") + "): accepted")
	c.answer("Did it arrive on your phone? (y/n) [y]: ", "yes")
	c.answer("separated by commas, empty for nobody: ", "partner@example.org, *@hopital.example")
	c.expect("I will read yours at the next reading, ")
	c.answer("Send this acknowledgement? (y/n) [n]: ", "y")
	c.expect("never held             partner@example.org, *@hopital.example")
	c.answer("Write this configuration to "+cfgPath+"? (y/n) [y]: ", "")
	c.expect("To start boundaryd:")
	code, out := c.exit()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "right-pw") {
		t.Fatalf("the password was shown on the terminal:\n%s", out)
	}
	cfg, probs, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("%v %v", err, probs.Lines())
	}
	if cfg.Language != config.English || cfg.IMAP.Port != m.Port() || !cfg.AutoReply.Enabled || len(cfg.Emergency.Alerts) != 2 ||
		strings.Join(cfg.ReadingWindows.Schedule, ",") != "0 18 * * TUE,0 10 * * SAT" || cfg.ReadingWindows.Timezone != "Europe/Paris" {
		t.Errorf("config: %+v", cfg)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("the sink got %d test alerts, want 1", n)
	}
	if b, _ := hook.got(); len(b) != 1 {
		t.Errorf("the webhook got %d test alerts, want 1", len(b))
	}
	sec, err := os.ReadFile(filepath.Join(dir, "secrets.env"))
	if err != nil || !strings.Contains(string(sec), "BOUNDARY_IMAP_PASSWORD='right-pw'") {
		t.Errorf("secrets: %v\n%s", err, sec)
	}
}

// A complete run in French; the first password is wrong and is typed again.
func TestInitOnTerminalFrenchWrongPassword(t *testing.T) {
	m, sink := initServers(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	c := startConsole(t, "init", "--no-lookup", "--config", cfgPath)
	c.answer("Number / Numéro [1]: ", "2")
	c.answer("Votre adresse e-mail professionnelle (celle où vos patients écrivent) : ", "dr@cabinet.test")
	c.answer("(ex. Cabinet Agostini ; vide : l'adresse seule) : ", "")
	c.expect("Je ne reconnais pas le fournisseur de cabinet.test")
	c.answer("Numéro [10] : ", "10")
	c.answer("Nom du serveur IMAP [imap.cabinet.test] : ", "127.0.0.1")
	c.answer("Port [993] : ", fmt.Sprint(m.Port()))
	c.answer("[tls] : ", "insecure")
	c.answer("Nom du serveur SMTP [127.0.0.1] : ", "")
	c.answer("Port [587] : ", fmt.Sprint(sink.Port()))
	c.answer("[tls] : ", "insecure")
	c.answer("Identifiant [dr@cabinet.test] : ", "")
	c.answer("Mot de passe de dr@cabinet.test (rien ne s'affiche pendant la frappe) : ", "faux-mdp")
	c.expect("La connexion n'a pas marché (la raison est ci-dessus).")
	c.answer("Retaper le mot de passe ? (o/n) [o] : ", "oui")
	c.answer("Mot de passe de dr@cabinet.test (rien ne s'affiche pendant la frappe) : ", "right-pw")
	c.expect("La connexion fonctionne.")
	c.answer("Votre fuseau horaire [Europe/Paris] : ", "")
	c.answer("séparés par des virgules [mardi 18h00, samedi 10h00] : ", "mardi 18h, jeudi 9h30")
	c.answer("C'est-à-dire : le mardi à 18h00, le jeudi à 9h30. Exact ? (o/n) [o] : ", "o")
	c.answer("ou une boîte sur votre téléphone ; vide pour aucune : ", "+33600000000@sms.example.net")
	c.answer("vide pour aucun : ", "")
	c.answer("Envoyer une alerte de test maintenant ? (o/n) [o] : ", "n")
	c.answer("vide pour personne : ", "")
	c.expect("je lirai le vôtre lors de la prochaine lecture, ")
	c.answer("Envoyer cet accusé de réception ? (o/n) [n] : ", "")
	c.answer("Écrire cette configuration dans "+cfgPath+" ? (o/n) [o] : ", "o")
	c.expect("Pour démarrer boundaryd :")
	code, out := c.exit()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if os.Getenv("BOUNDARY_SHOW_TRANSCRIPT") != "" {
		t.Logf("transcript:\n%s", out)
	}
	for _, pw := range []string{"faux-mdp", "right-pw"} {
		if strings.Contains(out, pw) {
			t.Fatalf("a password was shown on the terminal:\n%s", out)
		}
	}
	cfg, probs, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("%v %v", err, probs.Lines())
	}
	if cfg.Language != config.French || cfg.AutoReply.Enabled || strings.Join(cfg.ReadingWindows.Schedule, ",") != "0 18 * * TUE,30 9 * * THU" {
		t.Errorf("config: %+v", cfg)
	}
	if n := len(sink.Messages()); n != 0 {
		t.Errorf("the sink got %d messages; no test alert was asked", n)
	}
}

// A known provider is recognised from the address and its notes shown; an
// unknown one offers the list, and the list's choice takes its servers.
func TestInitOnTerminalProviders(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	c := startConsole(t, "init", "--lang", "en", "--no-lookup", "--no-connect", "--config", cfgPath)
	c.answer("(the one patients write to): ", "dr.agostini@gmail.com")
	c.answer("empty: the address alone): ", "")
	c.expect("Your mail is with Gmail.")
	c.expect(`the "Inbox" label goes but the message stays in "All Mail"`)
	c.answer("Is that right? (y/n) [y]: ", "n")
	c.answer("Number [10]: ", "3") // Fastmail, say
	c.expect("Fastmail needs an app password")
	c.answer("Password for dr.agostini@gmail.com (nothing shows as you type): ", "app-pw")
	c.answer("Your time zone [Europe/Paris]: ", "")
	c.answer("[Tuesday 18:00, Saturday 10:00]: ", "")
	c.answer("Right? (y/n) [y]: ", "")
	c.answer("empty for none: ", "")
	c.answer("empty for none: ", "")
	c.expect("Give at least one: emergencies must reach you.")
	c.answer("empty for none: ", "")
	c.answer("empty for none: ", "https://ntfy.sh/x-secret")
	c.answer("Send a test alert there now? (y/n) [y]: ", "n")
	c.answer("empty for nobody: ", "")
	c.answer("Send this acknowledgement? (y/n) [n]: ", "")
	c.answer("? (y/n) [y]: ", "y")
	if code, out := c.exit(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	cfg, probs, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("%v %v", err, probs.Lines())
	}
	if cfg.IMAP.Host != "imap.fastmail.com" || cfg.SMTP.Host != "smtp.fastmail.com" || cfg.SMTP.Port != 465 {
		t.Errorf("imap %s smtp %s:%d", cfg.IMAP.Host, cfg.SMTP.Host, cfg.SMTP.Port)
	}
}

// Ctrl-C halfway, or the end of input, leaves every file as it was: no new
// file, an existing configuration unchanged, no temporary file.
func TestInitOnTerminalInterrupted(t *testing.T) {
	m, sink := initServers(t)
	for _, tc := range []struct{ name, key string }{{"ctrl-c", "\x03"}, {"ctrl-d", "\x04"}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "config.yaml")
			before := []byte("# the therapist's own configuration\n")
			if err := os.WriteFile(cfgPath, before, 0o644); err != nil {
				t.Fatal(err)
			}
			c := startConsole(t, "init", "--lang", "en", "--no-lookup", "--config", cfgPath)
			c.answer("Replace it at the end? (y/n) [n]: ", "y")
			c.answer("(the one patients write to): ", "dr@cabinet.test")
			c.answer("empty: the address alone): ", "")
			c.answer("Number [10]: ", "")
			c.typeServers(m.Port(), sink.Port())
			c.answer("(nothing shows as you type): ", "right-pw")
			c.expect("The login works.")
			c.expect("Your time zone [Europe/Paris]: ")
			c.key(tc.key)
			c.expect("setup stopped; nothing was written")
			code, out := c.exit()
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", code, out)
			}
			after, err := os.ReadFile(cfgPath)
			if err != nil || !bytes.Equal(after, before) {
				t.Errorf("the configuration changed: %v\n%s", err, after)
			}
			assertNoFiles(t, dir, "config.yaml")
		})
	}
}
