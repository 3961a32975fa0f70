package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

// check --connect says where the hold folder goes on a server whose
// personal folders live under "INBOX." (Courier).
func TestCheckConnectHoldFolderUnderNamespace(t *testing.T) {
	c := testimap.StartCourier(t, testimap.CourierOptions{})
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
`, c.Port(), c.User(), filepath.Join(dir, "state"))
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BD_CMD_TEST_PW", c.Password())
	code, out, errOut := cli(t, "", "check", "--connect", "--config", p)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	t.Logf("check --connect on Courier:\n%s", out)
	if want := `hold folder "Boundary/Held" (on this server "INBOX.Boundary.Held")`; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
