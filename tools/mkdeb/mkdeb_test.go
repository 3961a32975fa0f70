package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// requireDeb makes the package tests fail instead of skip (CI sets it).
func requireDeb() bool { return os.Getenv("BOUNDARY_REQUIRE_DEB") == "1" }

func skipUnless(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if requireDeb() {
		t.Fatalf("BOUNDARY_REQUIRE_DEB=1 but %s", why)
	}
	t.Skipf("SKIP: %s (BOUNDARY_REQUIRE_DEB=1 makes this a failure)", why)
}

func have(cmd string) bool { _, err := exec.LookPath(cmd); return err == nil }

// The amd64 package, built once for every test that needs it (the build
// dominates the time).
var amd64Package = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mkdeb-test-")
	if err != nil {
		return "", err
	}
	src, err := testSource()
	if err != nil {
		return "", err
	}
	t, _ := targetFor("amd64")
	return buildPackage(context.Background(), src, t, dir)
})

func testSource() (source, error) { return sourceOf(context.Background(), "../..", "") }

func TestMain(m *testing.M) {
	code := m.Run()
	if p, err := amd64Package(); err == nil && p != "" {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

func TestDebianVersion(t *testing.T) {
	for _, c := range []struct{ describe, want string }{
		{"v1.2.3", "1.2.3"},
		{"v1.2.3-4-gabc1234", "1.2.3+4.gabc1234"},
		{"v1.2.3-4-gabc1234-dirty", "1.2.3+4.gabc1234+dirty"},
		{"abc1234", "0~git20261201120000.abc1234"},
		{"abc1234-dirty", "0~git20261201120000.abc1234+dirty"},
	} {
		if got := debianVersion(c.describe, "20261201120000"); got != c.want {
			t.Errorf("debianVersion(%q) = %q, want %q", c.describe, got, c.want)
		}
	}
	if !(dpkgLess(t, "0~git20261201120000.abc", "0~git20261202080000.def") && dpkgLess(t, "0~git20261202080000.def", "1.0.0")) {
		t.Error("versions do not sort by commit time, then tags")
	}
}

func dpkgLess(t *testing.T, a, b string) bool {
	if !have("dpkg") {
		return true
	}
	return exec.Command("dpkg", "--compare-versions", a, "lt", b).Run() == nil
}

// The same commit gives the same bytes: a second build is compared with
// the first, byte for byte.
func TestReproducible(t *testing.T) {
	first, err := amd64Package()
	if err != nil {
		t.Fatal(err)
	}
	src, err := testSource()
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := targetFor("amd64")
	second, err := buildPackage(context.Background(), src, tg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("two builds differ: %d and %d bytes", len(a), len(b))
	}
	t.Logf("two builds of %s: %d bytes each, identical", filepath.Base(first), len(a))
	if have("dpkg-deb") {
		out, err := exec.Command("dpkg-deb", "--ctrl-tarfile", first).Output()
		if err != nil || len(out) == 0 {
			t.Fatalf("dpkg-deb cannot read the package: %v", err)
		}
		list, err := exec.Command("dpkg-deb", "-c", first).Output()
		if err != nil {
			t.Fatal(err)
		}
		stamp := src.MTime.UTC().Format("2006-01-02 15:04")
		for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
			if !strings.Contains(line, stamp) {
				t.Errorf("not stamped with the commit time %s: %s", stamp, line)
			}
		}
	}
}

// The arm64 binary is an ARM64 static executable.
func TestCrossCompileArm64(t *testing.T) {
	skipUnless(t, have("file"), "`file` is not installed (apt-get install file)")
	src, err := testSource()
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := targetFor("arm64")
	bin := filepath.Join(t.TempDir(), "boundaryd")
	if err := buildBinary(context.Background(), src, tg, bin); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("file", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "ARM aarch64") || !strings.Contains(string(out), "statically linked") {
		t.Fatalf("file says: %s", out)
	}
	t.Logf("file: %s", strings.TrimSpace(string(out)))
}

// sh runs a command and returns its combined output, failing the test
// with it when the command fails.
func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// The package on this machine: install, version, init --answers, check,
// systemd-analyze verify, upgrade over itself keeping an edited config,
// remove leaving only the conffiles, purge leaving nothing.
func TestInstallPackage(t *testing.T) {
	skipUnless(t, os.Geteuid() == 0, "not root: dpkg -i needs root")
	skipUnless(t, have("dpkg") && have("dpkg-deb"), "dpkg is not installed")
	skipUnless(t, have("systemd-analyze"), "systemd-analyze is not installed (apt-get install systemd)")
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", "boundaryd").Output(); err == nil && strings.Contains(string(out), "installed") {
		skipUnless(t, false, "a boundaryd package is already installed here; the test would replace it")
	}
	deb, err := amd64Package()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("dpkg", "--purge", "boundaryd").Run() })

	// What the package holds, for the removal check.
	var shipped []string
	for _, line := range strings.Split(sh(t, "dpkg-deb", "-c", deb), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && !strings.HasPrefix(f[0], "d") {
			shipped = append(shipped, strings.TrimPrefix(f[5], "."))
		}
	}

	out := sh(t, "dpkg", "-i", deb)
	if !strings.Contains(out, "boundaryd init") {
		t.Errorf("postinst does not say to run boundaryd init:\n%s", out)
	}
	if fi, err := os.Stat(secretsPath); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 0 {
		t.Fatalf("secrets file after install: %v %v", fi, err)
	}
	src, _ := testSource()
	if v := sh(t, binPath, "version"); strings.TrimSpace(v) != "boundaryd "+src.Version {
		t.Errorf("boundaryd version = %q, want %q", v, src.Version)
	}

	// init --answers over the shipped example (replaced without --force),
	// with a live login against local servers.
	m := testimap.StartMem(t, testimap.MemOptions{User: "dr@cabinet.test", Password: "pkg-pw"})
	sink := smtpsink.StartWith(t, smtpsink.Options{Username: "dr@cabinet.test", Password: "pkg-pw"})
	answers := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(answers, fmt.Appendf(nil, `language: en
address: dr@cabinet.test
provider: other
imap: {host: 127.0.0.1, port: %d, security: insecure}
smtp: {host: 127.0.0.1, port: %d, security: insecure}
password: pkg-pw
timezone: Europe/Paris
reading_windows: Tuesday 18:00, Saturday 10:00
alert_mail: "+33600000000@sms.example.net"
`, m.Port(), sink.Port()), 0o600); err != nil {
		t.Fatal(err)
	}
	out = sh(t, binPath, "init", "--no-lookup", "--answers", answers)
	if !strings.Contains(out, "sudo systemctl enable --now boundaryd") {
		t.Errorf("init does not print the start command:\n%s", out)
	}
	if fi, err := os.Stat(secretsPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file after init: %v %v", fi, err)
	}
	out = sh(t, "sh", "-c", "set -a && . "+secretsPath+" && set +a && exec "+binPath+" check --config "+configPath)
	if !strings.Contains(out, configPath+": valid") {
		t.Errorf("check: %s", out)
	}
	// The README's step 3 as written: no --config, the passwords from secrets.env.
	out = sh(t, binPath, "test-alert")
	if !strings.Contains(out, "smtp:0 (mail to +33600000000@sms.example.net): accepted") || len(sink.Messages()) != 1 {
		t.Errorf("test-alert: %d mails in the sink\n%s", len(sink.Messages()), out)
	}
	if out := sh(t, "systemd-analyze", "verify", "--man=no", unitPath); strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify %s:\n%s", unitPath, out)
	}

	// Upgrade over itself: the edited configuration stays.
	f, err := os.OpenFile(configPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const edit = "# edited by hand after init\n"
	if _, err := f.WriteString(edit); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sh(t, "dpkg", "-i", deb)
	if b, _ := os.ReadFile(configPath); !bytes.HasSuffix(b, []byte(edit)) || !bytes.Contains(b, []byte("written by \"boundaryd init\"")) {
		t.Fatalf("the upgrade replaced the edited configuration:\n%s", b)
	}
	if b, _ := os.ReadFile(secretsPath); !bytes.Contains(b, []byte("BOUNDARY_IMAP_PASSWORD='pkg-pw'")) {
		t.Fatal("the upgrade replaced the secrets file")
	}

	// Remove: every shipped file is gone but the two conffiles.
	sh(t, "dpkg", "-r", "boundaryd")
	for _, p := range shipped {
		_, err := os.Stat(p)
		keep := p == configPath || p == secretsPath
		if keep && err != nil {
			t.Errorf("remove took the configuration %s: %v", p, err)
		}
		if !keep && err == nil {
			t.Errorf("remove left %s", p)
		}
	}
	if b, _ := os.ReadFile(configPath); !bytes.HasSuffix(b, []byte(edit)) {
		t.Error("remove changed the configuration")
	}
	sh(t, "dpkg", "--purge", "boundaryd")
	if _, err := os.Stat("/etc/boundaryd"); err == nil {
		t.Error("purge left /etc/boundaryd")
	}
	t.Logf("installed, initialised, checked, verified, upgraded, removed and purged %s", filepath.Base(deb))
}
