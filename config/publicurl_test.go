package config

import (
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	for _, tt := range []struct {
		http, wantErr string
	}{
		{"http:\n  listen: 127.0.0.1:9842\n  public_url: https://bd.example.net/\n", ""},
		{"http:\n  listen: 127.0.0.1:9842\n  public_url: http://bd.example.net\n", "http.public_url"},
		{"http:\n  public_url: https://bd.example.net\n", "needs http.listen"},
		{"http:\n  listen: 127.0.0.1:9842\n  public_url: https://u:p@bd.example.net\n", "not a plain URL"},
	} {
		t.Setenv("BD_TEST_PW", "x")
		cfg, probs, err := Parse("c.yaml", []byte(base+tt.http))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if probs != nil {
			got += probs.Error()
		}
		if tt.wantErr == "" {
			if err != nil || cfg == nil {
				t.Errorf("%q: %v %s", tt.http, err, got)
				continue
			}
			if u := cfg.ActionURL("ack", "abc"); u != "https://bd.example.net/ack/abc" {
				t.Errorf("ActionURL = %q", u)
			}
			continue
		}
		if !strings.Contains(got, tt.wantErr) {
			t.Errorf("%q: %q, want an error with %q", tt.http, got, tt.wantErr)
		}
	}
}
