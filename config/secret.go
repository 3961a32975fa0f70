package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Secret is where a password or token comes from. It is resolved at each use
// (each login), so a rotated file or a command printing a fresh OAuth token
// is picked up without a restart. Its value never appears in errors, logs or
// String().
type Secret struct {
	Value   string
	Env     string
	File    string
	Command string
	// Timeout bounds Command; zero means 30 s.
	Timeout time.Duration
}

// IsSet reports whether a source is configured.
func (s Secret) IsSet() bool {
	return s.Value != "" || s.Env != "" || s.File != "" || s.Command != ""
}

// Source says where the secret comes from, without the secret.
func (s Secret) Source() string {
	switch {
	case s.Env != "":
		return "environment variable " + s.Env
	case s.File != "":
		return "file " + s.File
	case s.Command != "":
		return "command"
	case s.Value != "":
		return "configuration file"
	}
	return "nowhere"
}

// String never shows the value: a Secret printed by mistake stays secret.
func (s Secret) String() string { return "[secret from " + s.Source() + "]" }

// LogValue keeps the value out of structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Resolve returns the secret's current value.
func (s Secret) Resolve(ctx context.Context) (string, error) {
	switch {
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			// The path is not secret; the os error says why (missing, denied).
			return "", fmt.Errorf("reading secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", s.File)
		}
		return v, nil
	case s.Command != "":
		return s.runCommand(ctx)
	case s.Value != "":
		return s.Value, nil
	}
	return "", errors.New("no password source configured")
}

func (s Secret) runCommand(ctx context.Context) (string, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s.Command)
	// The child sees PATH and HOME only: the environment may hold the
	// other secrets (BOUNDARY_SMTP_PASSWORD, a webhook token).
	cmd.Env = commandEnv()
	out := &cappedBuffer{max: maxCommandOutput}
	cmd.Stdout = out
	// Its error output is discarded, never logged: some tools echo the
	// secret, or the command line, on failure.
	cmd.Stderr = nil
	cmd.Stdin = nil
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("password command failed: %w (its error output is not shown; run the command by hand to see it)", err)
	}
	if out.over {
		return "", fmt.Errorf("password command printed more than %d bytes", maxCommandOutput)
	}
	v := strings.TrimRight(out.String(), "\r\n")
	if v == "" {
		return "", errors.New("password command printed nothing")
	}
	return v, nil
}

// Func adapts the secret to the func(ctx) (string, error) shape the IMAP and
// SMTP clients take.
func (s Secret) Func() func(context.Context) (string, error) {
	return s.Resolve
}

// maxCommandOutput bounds what a password command may print.
const maxCommandOutput = 64 << 10

// commandEnv is the environment of a password command: PATH and HOME.
func commandEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// cappedBuffer keeps the first max bytes written and notes any excess.
// (No embedded bytes.Buffer: its ReadFrom would bypass Write's cap.)
type cappedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *cappedBuffer) String() string { return b.buf.String() }

func (b *cappedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.buf.Len(); n > room {
		b.over = true
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil // the rest is dropped on purpose, not a short write
}
