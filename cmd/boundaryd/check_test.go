package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/internal/testnet"
)

// check used to accept plaintext to names under .localhost and then
// resolve them: a resolver answering 10.x got AUTH PLAIN in clear. Now
// check refuses them on their lines, and with --connect nothing is dialed:
// real IMAP and SMTP servers on 127.0.0.1 (where such a name may resolve)
// see nobody.
func TestCheckRefusesPlaintextToNamesUnderLocalhost(t *testing.T) {
	m := testimap.StartMem(t, testimap.MemOptions{})
	imapRec := testnet.StartRecorder(t, m.Addr())
	sink := smtpsink.Start(t)
	smtpRec := testnet.StartRecorder(t, fmt.Sprintf("127.0.0.1:%d", sink.Port()))
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	y := fmt.Sprintf(`imap:
  host: x.localhost
  port: %d
  security: insecure
  username: dr@example.org
  password_env: BD_CMD_TEST_PW
smtp:
  host: x.localhost
  port: %d
  security: insecure
  username: dr@example.org
  password_env: BD_CMD_TEST_PW
  from: dr@example.org
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
state_dir: %s
`, imapRec.Port(), smtpRec.Port(), filepath.Join(dir, "state"))
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BD_CMD_TEST_PW", "s3cret")
	for _, args := range [][]string{{"check", "--config", path}, {"check", "--connect", "--config", path}} {
		code, out, errOut := cli(t, "", args...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1: %s %s", args, code, out, errOut)
		}
		for _, want := range []string{path + ":4: imap.security: ", path + ":10: smtp.security: ", `not "x.localhost"`} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, errOut)
			}
		}
	}
	if n := imapRec.Conns() + smtpRec.Conns(); n != 0 {
		t.Fatalf("check dialed a plaintext server under a name that is not localhost (%d connections)", n)
	}
}

// imap.auth reaches the session as written (login used to be dropped for
// PLAIN): check --connect sends the LOGIN command for auth: login and
// AUTHENTICATE PLAIN for plain, seen on the wire in front of go-imap's
// memory server, reached through the name localhost.
func TestCheckConnectHonoursIMAPAuth(t *testing.T) {
	for _, tc := range []struct{ auth, want, never string }{
		{"login", ` LOGIN "alice" `, "AUTHENTICATE"},
		{"plain", " AUTHENTICATE PLAIN", " LOGIN "},
	} {
		t.Run(tc.auth, func(t *testing.T) {
			m := testimap.StartMem(t, testimap.MemOptions{})
			rec := testnet.StartRecorder(t, m.Addr())
			path := writeConfig(t, m, "")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			y := strings.Replace(string(b), "  host: 127.0.0.1\n", "  host: localhost\n  auth: "+tc.auth+"\n", 1)
			y = strings.Replace(y, fmt.Sprintf("port: %d", m.Port()), fmt.Sprintf("port: %d", rec.Port()), 1)
			if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("BD_CMD_TEST_PW", m.Password())
			if code, out, errOut := cli(t, "", "check", "--connect", "--config", path); code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, errOut)
			}
			if sent := rec.Sent(); !strings.Contains(sent, tc.want) || strings.Contains(sent, tc.never) {
				t.Fatalf("auth: %s: the client sent\n%s\nwant %q and no %q", tc.auth, sent, tc.want, tc.never)
			}
		})
	}
}
