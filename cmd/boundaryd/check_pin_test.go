package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

// check --connect on a server with a self-signed certificate fails and
// prints the certificate's pin as a tls_pin line; with that line added the
// same check connects.
func TestCheckConnectPrintsPinOfSelfSignedCertificate(t *testing.T) {
	for _, mode := range []string{testimap.TLSImplicit, testimap.TLSStartTLS} {
		t.Run(mode, func(t *testing.T) {
			m := testimap.StartMem(t, testimap.MemOptions{TLS: mode})
			path := writeConfig(t, m, "")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			y := strings.Replace(string(b), "  security: insecure\n", "  security: "+mode+"\n", 1)
			if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("BD_CMD_TEST_PW", m.Password())
			code, out, errOut := cli(t, "", "check", "--connect", "--config", path)
			if code == 0 {
				t.Fatalf("an untrusted certificate was accepted: %s", out)
			}
			line := regexp.MustCompile(`(?m)^    tls_pin: ([0-9A-F:]{95})$`).FindStringSubmatch(errOut)
			if line == nil {
				t.Fatalf("no tls_pin line in:\n%s", errOut)
			}
			t.Logf("check --connect said:\n%s", errOut)
			y = strings.Replace(y, "  security: "+mode+"\n", "  security: "+mode+"\n  tls_pin: "+line[1]+"\n", 1)
			if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, out, errOut := cli(t, "", "check", "--connect", "--config", path); code != 0 {
				t.Fatalf("with the printed pin: exit %d: %s %s", code, out, errOut)
			}
		})
	}
}
