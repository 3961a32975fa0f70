package config

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The password command sees PATH and HOME only, so it cannot read the
// other secrets kept in boundaryd's environment, and nothing it writes to
// its error output reaches an error message (and so the logs).
func TestPasswordCommandSeesNoOtherSecret(t *testing.T) {
	t.Setenv("BOUNDARY_SMTP_PASSWORD", "smtp-secret-in-env")
	t.Setenv("HOME", "/home/therapist")
	s := Secret{Command: `printf '%s|%s|%s' "${BOUNDARY_SMTP_PASSWORD:-none}" "$HOME" "$(command -v sh)"`, Timeout: 5 * time.Second}
	v, err := s.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(v, "|")
	if len(parts) != 3 || parts[0] != "none" || parts[1] != "/home/therapist" || parts[2] == "" {
		t.Errorf("the command saw %q, want none|/home/therapist|<a shell on PATH>", v)
	}
}

func TestPasswordCommandErrorOutputNotEchoed(t *testing.T) {
	s := Secret{Command: `echo "token hunter2 rejected" >&2; exit 3`, Timeout: 5 * time.Second}
	_, err := s.Resolve(context.Background())
	if err == nil {
		t.Fatal("a failing command gave no error")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error repeats the command's error output: %v", err)
	}
}

func TestPasswordCommandOutputBounded(t *testing.T) {
	s := Secret{Command: `head -c 1000000 /dev/zero | tr '\0' x`, Timeout: 5 * time.Second}
	if _, err := s.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a megabyte of output: %v", err)
	}
}
