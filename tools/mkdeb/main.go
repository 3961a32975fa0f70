// Command mkdeb builds boundaryd's Debian packages (amd64, arm64 and armhf:
// Debian, Ubuntu, Raspberry Pi OS) with nfpm, from the repository alone:
//
//	go run ./tools/mkdeb [-arch amd64,arm64,armhf] [-out dist]
//
// Each package holds the static binary (CGO_ENABLED=0, -trimpath, version
// from git describe), the systemd unit, and /etc/boundaryd/config.yaml (the
// example) and an empty secrets.env (0600) as conffiles, kept on upgrade.
// Nothing is enabled or started: the postinst says to run `boundaryd init`.
// The same commit gives the same bytes: every time in the package is the
// commit's (or SOURCE_DATE_EPOCH's).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"

	"github.com/boundaryd/boundaryd/internal/layout"
)

// target is one Debian architecture and the Go settings that build for it.
type target struct {
	Debian string // dpkg's name
	GOARCH string
	GOARM  string // ARM version for GOARCH=arm
}

// targets are the architectures built by default. armhf is built for
// ARMv6 with VFP, as Raspberry Pi OS's armhf is (it runs on every Pi).
var targets = []target{
	{Debian: "amd64", GOARCH: "amd64"},
	{Debian: "arm64", GOARCH: "arm64"},
	{Debian: "armhf", GOARCH: "arm", GOARM: "6"},
}

func targetFor(debian string) (target, error) {
	for _, t := range targets {
		if t.Debian == debian {
			return t, nil
		}
	}
	return target{}, fmt.Errorf("unknown architecture %q (want amd64, arm64 or armhf)", debian)
}

// Where the package puts things (internal/layout names each place once).
const (
	binPath     = layout.Binary
	unitPath    = layout.Unit
	configDir   = layout.ConfigDir
	configPath  = layout.Config
	secretsPath = layout.Secrets
	docDir      = layout.DocDir
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	arches := flag.String("arch", "amd64,arm64,armhf", "comma-separated Debian architectures")
	out := flag.String("out", "dist", "output `DIR`")
	repo := flag.String("repo", ".", "the repository's root `DIR`")
	ver := flag.String("version", "", "package version (default: from git describe)")
	flag.Parse()
	ctx := context.Background()
	if err := run(ctx, log, *repo, *out, strings.Split(*arches, ","), *ver); err != nil {
		log.Error("mkdeb failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, repo, out string, arches []string, ver string) error {
	src, err := sourceOf(ctx, repo, ver)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	for _, a := range arches {
		t, err := targetFor(strings.TrimSpace(a))
		if err != nil {
			return err
		}
		path, err := buildPackage(ctx, src, t, out)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Debian, err)
		}
		log.Info("built", "package", path, "version", src.Version, "mtime", src.MTime.UTC().Format(time.RFC3339))
	}
	return nil
}

// source is what every package of one build shares.
type source struct {
	Repo    string
	Version string    // Debian version
	MTime   time.Time // every time stamp in the package
}

// sourceOf reads the version and the time from git (SOURCE_DATE_EPOCH, when
// set, wins for the time).
func sourceOf(ctx context.Context, repo, ver string) (source, error) {
	abs, err := filepath.Abs(repo)
	if err != nil {
		return source{}, err
	}
	s := source{Repo: abs, Version: ver}
	if s.Version == "" {
		desc, err := git(ctx, abs, "describe", "--tags", "--always", "--dirty")
		if err != nil {
			return source{}, err
		}
		date, err := git(ctx, abs, "log", "-1", "--format=%cd", "--date=format:%Y%m%d%H%M%S")
		if err != nil {
			return source{}, err
		}
		s.Version = debianVersion(desc, date)
	}
	if e := os.Getenv("SOURCE_DATE_EPOCH"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return source{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", e, err)
		}
		s.MTime = time.Unix(n, 0).UTC()
	} else {
		ct, err := git(ctx, abs, "log", "-1", "--format=%ct")
		if err != nil {
			return source{}, err
		}
		n, err := strconv.ParseInt(ct, 10, 64)
		if err != nil {
			return source{}, fmt.Errorf("commit time %q: %w", ct, err)
		}
		s.MTime = time.Unix(n, 0).UTC()
	}
	return s, nil
}

var tagged = regexp.MustCompile(`^v?(\d+(?:\.\d+)*)(?:-(\d+)-g([0-9a-f]+))?(-dirty)?$`)

// debianVersion turns git describe into a version dpkg orders rightly:
// v1.2.3 → 1.2.3; v1.2.3-4-gabc → 1.2.3+4.gabc; no tag (abc1234) →
// 0~gitDATE.abc1234, so later commits sort later; "-dirty" → "+dirty".
func debianVersion(describe, commitDate string) string {
	if m := tagged.FindStringSubmatch(describe); m != nil {
		v := m[1]
		if m[2] != "" {
			v += "+" + m[2] + ".g" + m[3]
		}
		if m[4] != "" {
			v += "+dirty"
		}
		return v
	}
	sha, dirty := strings.CutSuffix(describe, "-dirty")
	v := "0~git" + commitDate + "." + sha
	if dirty {
		v += "+dirty"
	}
	return v
}

func git(ctx context.Context, repo string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// buildBinary cross-compiles the static binary for t.
func buildBinary(ctx context.Context, src source, t target, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -buildid= -X main.version="+src.Version,
		"-o", out, "./cmd/boundaryd")
	cmd.Dir = src.Repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+t.GOARCH, "GOARM="+t.GOARM)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s: %w\n%s", t.Debian, err, stderr.String())
	}
	return nil
}

// buildPackage builds the binary and the .deb into dir and returns the
// package's path.
func buildPackage(ctx context.Context, src source, t target, dir string) (string, error) {
	work, err := os.MkdirTemp("", "mkdeb-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "boundaryd")
	if err := buildBinary(ctx, src, t, bin); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("boundaryd_%s_%s.deb", src.Version, t.Debian))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	err = writeDeb(src, t, bin, work, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, nil
}

// unitFor is deploy/boundaryd.service with ExecStart at the package's binary.
func unitFor(repo string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(repo, "deploy", "boundaryd.service"))
	if err != nil {
		return nil, err
	}
	const from = "ExecStart=/usr/local/bin/boundaryd "
	if !bytes.Contains(b, []byte(from)) {
		return nil, errors.New("deploy/boundaryd.service: no \"" + from + "\" line to point at " + binPath)
	}
	return bytes.ReplaceAll(b, []byte(from), []byte("ExecStart="+binPath+" ")), nil
}

// Maintainer scripts: nothing is enabled or started; an upgrade restarts
// the service only when it was running; remove stops it; purge removes
// what the service and init left.
const (
	postinst = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  if systemctl is-active --quiet boundaryd.service; then
    systemctl restart boundaryd.service || true
  fi
fi
if [ "$1" = configure ] && [ -z "$2" ]; then
  cat <<'MSG'

boundaryd is installed, not started. Set it up by answering a few questions:
    sudo boundaryd init
It writes /etc/boundaryd/config.yaml and /etc/boundaryd/secrets.env and prints
the command that starts the service.
MSG
fi
exit 0
`
	prerm = `#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop boundaryd.service >/dev/null 2>&1 || true
  systemctl disable boundaryd.service >/dev/null 2>&1 || true
fi
exit 0
`
	postrm = `#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /var/lib/boundaryd /var/lib/private/boundaryd
  rmdir /etc/boundaryd 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
`
)

// writeDeb packs one .deb with nfpm.
func writeDeb(src source, t target, bin, work string, w io.Writer) error {
	unit, err := unitFor(src.Repo)
	if err != nil {
		return err
	}
	put := func(name string, data []byte) (string, error) {
		p := filepath.Join(work, name)
		return p, os.WriteFile(p, data, 0o644)
	}
	unitFile, err := put("boundaryd.service", unit)
	if err != nil {
		return err
	}
	emptySecrets, err := put("secrets.env", nil)
	if err != nil {
		return err
	}
	scripts := map[string]string{}
	for name, body := range map[string]string{"postinst": postinst, "prerm": prerm, "postrm": postrm} {
		if scripts[name], err = put(name, []byte(body)); err != nil {
			return err
		}
	}
	fi := func(mode os.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: src.MTime}
	}
	repo := func(p string) string { return filepath.Join(src.Repo, p) }
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:          "boundaryd",
		Arch:          t.Debian,
		Platform:      "linux",
		Version:       src.Version,
		VersionSchema: "none",
		Section:       "mail",
		Priority:      "optional",
		Maintainer:    "boundaryd <boundaryd@users.noreply.github.com>",
		Homepage:      "https://github.com/boundaryd/boundaryd",
		Description: "keeps a therapist's patients' mail for reading windows, alerts on emergencies\n" +
			"boundaryd watches an IMAP inbox, holds patients' mail until the reading\n" +
			"times the therapist chose, and alerts at once (mail, SMS gateway, ntfy)\n" +
			"when a message looks like an emergency. Run \"boundaryd init\" to set it up.",
		MTime: src.MTime,
		Overridables: nfpm.Overridables{
			Umask: 0o022,
			Contents: files.Contents{
				{Source: bin, Destination: binPath, FileInfo: fi(0o755)},
				{Source: unitFile, Destination: unitPath, FileInfo: fi(0o644)},
				{Source: repo("config.example.yaml"), Destination: configPath, Type: files.TypeConfigNoReplace, FileInfo: fi(0o644)},
				{Source: emptySecrets, Destination: secretsPath, Type: files.TypeConfigNoReplace, FileInfo: fi(0o600)},
				{Source: repo("config.example.yaml"), Destination: docDir + "/config.example.yaml", FileInfo: fi(0o644)},
				{Source: repo("README.md"), Destination: docDir + "/README.md", FileInfo: fi(0o644)},
				{Destination: configDir, Type: files.TypeDir, FileInfo: fi(0o755)},
			},
			Scripts: nfpm.Scripts{PostInstall: scripts["postinst"], PreRemove: scripts["prerm"], PostRemove: scripts["postrm"]},
		},
	})
	if err := nfpm.Validate(info); err != nil {
		return fmt.Errorf("package description: %w", err)
	}
	if err := deb.Default.Package(info, w); err != nil {
		return fmt.Errorf("packing: %w", err)
	}
	return nil
}
