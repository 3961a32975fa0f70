package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/boundaryd/boundaryd/config"
)

// readSecretsEnv reads a secrets file as init writes it and systemd's
// EnvironmentFile= reads it: NAME=value lines, the value bare, in single
// quotes (literal) or in double quotes (\ escapes the next character);
// blank lines and # comments skipped.
func readSecretsEnv(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%s:%d: not NAME=value", path, n)
		}
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			var u strings.Builder
			in := v[1 : len(v)-1]
			for i := 0; i < len(in); i++ {
				if in[i] == '\\' && i+1 < len(in) {
					i++
				}
				u.WriteByte(in[i])
			}
			v = u.String()
		}
		out[strings.TrimSpace(name)] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// useSecretsBeside fills the password_env sources that the environment
// lacks from the secrets file beside the configuration, the file systemd
// gives the service: "sudo boundaryd test-alert" then needs no "set -a; .".
// A missing file changes nothing.
func useSecretsBeside(e *env, cfg *config.Config) error {
	vals, err := readSecretsEnv(filepath.Join(filepath.Dir(cfg.File), secretsName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fill := func(s *config.Secret) {
		if s.Env == "" || e.getenv(s.Env) != "" {
			return
		}
		if v, ok := vals[s.Env]; ok && v != "" {
			*s = config.Secret{Value: v}
		}
	}
	fill(&cfg.IMAP.Secret)
	if cfg.SMTP != nil {
		fill(&cfg.SMTP.Secret)
	}
	for i := range cfg.Emergency.Alerts {
		fill(&cfg.Emergency.Alerts[i].Secret)
	}
	return nil
}
