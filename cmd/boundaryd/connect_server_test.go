package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// imapServer is what the testimap launchers have in common.
type imapServer interface {
	Port() int
	User() string
	Password() string
}

// checkConnectOn runs check --connect against srv and returns its output.
func checkConnectOn(t *testing.T, srv imapServer) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: %s
  password_env: BD_CMD_TEST_PW
senders:
  patients: ["*"]
reading_windows:
  schedule: ["0 18 * * TUE"]
state_dir: %s
`, srv.Port(), srv.User(), filepath.Join(dir, "state"))
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BD_CMD_TEST_PW", srv.Password())
	if bin := os.Getenv("BOUNDARY_CHECK_CONNECT_BIN"); bin != "" {
		// The built binary, for the outputs shown in the README.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b, err := exec.CommandContext(ctx, bin, "check", "--connect", "--config", p).CombinedOutput()
		if err != nil {
			t.Fatalf("%s check --connect: %v: %s", bin, err, b)
		}
		t.Logf("$ boundaryd check --connect --config config.yaml\n%s", b)
		return string(b)
	}
	code, out, errOut := cli(t, "", "check", "--connect", "--config", p)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	t.Logf("check --connect:\n%s", out)
	return out
}

func wantIn(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// check --connect names the server, the way held mail leaves the inbox and
// where the hold folder is, on each server the tests can start.
func TestCheckConnectRecognisesServer(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		out := checkConnectOn(t, testimap.StartMem(t, testimap.MemOptions{}))
		wantIn(t, out, "Server: an IMAP server boundaryd does not recognise", `greeting "IMAP server ready"`,
			"watch the inbox with IDLE", "by MOVE: messages go to the hold folder in one step",
			`hold folder "Boundary/Held", which does not exist yet`)
	})
	t.Run("memory-rev1", func(t *testing.T) {
		out := checkConnectOn(t, testimap.StartMem(t, testimap.MemOptions{Caps: testimap.CapsRev1, NoIdle: true}))
		wantIn(t, out, "poll the inbox every", "no UIDPLUS: without it", "flagged \\Deleted",
			"What you must set or know:", "alert can be up to imap.poll_interval")
	})
	t.Run("dovecot", func(t *testing.T) {
		out := checkConnectOn(t, testimap.StartDovecot(t, testimap.DovecotOptions{}))
		wantIn(t, out, "Server: Dovecot (ID \"Dovecot", "by MOVE:", `hold folder "Boundary/Held", which`,
			"personal namespace at the top level", "$Emergency")
	})
	t.Run("cyrus", func(t *testing.T) {
		out := checkConnectOn(t, testimap.StartCyrus(t, testimap.CyrusOptions{}))
		wantIn(t, out, "Server: Cyrus IMAP (ID \"Cyrus", "by MOVE:", `hold folder "Boundary/Held", which`)
	})
	t.Run("cyrus-legacy", func(t *testing.T) {
		out := checkConnectOn(t, testimap.StartCyrus(t, testimap.CyrusOptions{Legacy: true}))
		wantIn(t, out, "Server: Cyrus IMAP", "by MOVE:",
			`hold folder "Boundary/Held" (on this server "INBOX.Boundary.Held")`,
			`personal folders live under "INBOX." here`, `the hold folder goes under "INBOX."`)
	})
	t.Run("courier", func(t *testing.T) {
		out := checkConnectOn(t, testimap.StartCourier(t, testimap.CourierOptions{}))
		wantIn(t, out, "Server: Courier-IMAP", `hold folder "Boundary/Held" (on this server "INBOX.Boundary.Held")`,
			`the hold folder goes under "INBOX."`)
	})
}

// The hosted services' advice, which the local servers cannot show: Gmail's
// labels, Microsoft's OAuth2 (unless already set), and polling's delay.
func TestDescribeServerAdvice(t *testing.T) {
	full := imapwatch.Capabilities{IDLE: true, Move: true, UIDPlus: true, Keywords: true}
	for _, tc := range []struct {
		name    string
		info    imapwatch.ServerInfo
		auth    config.IMAPAuth
		want    []string
		notWant []string
	}{
		{"gmail", imapwatch.ServerInfo{Product: imapwatch.ProductGmail, Caps: full, Namespace: true, Delim: '/'}, config.AuthPlain,
			[]string{"Server: Gmail", "removes the INBOX label", "All Mail"}, nil},
		{"microsoft-password", imapwatch.ServerInfo{Product: imapwatch.ProductMicrosoft, Caps: full}, config.AuthPlain,
			[]string{"Server: Microsoft Exchange / 365", "imap.auth: oauth2"}, nil},
		{"microsoft-oauth", imapwatch.ServerInfo{Product: imapwatch.ProductMicrosoft, Caps: full}, config.AuthOAuth2,
			[]string{"reconnects"}, []string{"refuse passwords"}},
		{"no-idle", imapwatch.ServerInfo{Caps: imapwatch.Capabilities{Move: true}}, config.AuthPlain,
			[]string{"poll the inbox every 5m0s", "up to imap.poll_interval (5m0s) late", "\\Flagged only"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &config.Config{IMAP: config.IMAP{Auth: tc.auth, PollInterval: config.Duration(5 * time.Minute)}}
			var b strings.Builder
			describeServer(&b, tc.info, cfg, `hold folder "Boundary/Held"`)
			wantIn(t, b.String(), tc.want...)
			for _, nw := range tc.notWant {
				if strings.Contains(b.String(), nw) {
					t.Errorf("output has %q:\n%s", nw, b.String())
				}
			}
		})
	}
}
