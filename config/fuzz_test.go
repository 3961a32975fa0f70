package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse: any file, however broken, gives problems with line numbers or
// a configuration, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	if b, err := os.ReadFile("../config.example.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("imap: [\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("reading_windows:\n  schedule: [\"CRON_TZ=Europe/Paris\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, probs, err := Parse("f.yaml", data)
		if err != nil {
			if probs == nil || len(probs.List) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, l := range probs.Lines() {
				if !strings.HasPrefix(l, "f.yaml:") {
					t.Fatalf("problem without FILE:LINE: %q", l)
				}
			}
			return
		}
		if cfg == nil {
			t.Fatal("no error and no configuration")
		}
	})
}
