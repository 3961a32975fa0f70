package schedule

import (
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2026-12-20", Date{2026, 12, 20}, true},
		{" 2027-01-03 ", Date{2027, 1, 3}, true},
		{"2028-02-29", Date{2028, 2, 29}, true},
		{"2026-02-29", Date{}, false},
		{"2026-02-30", Date{}, false},
		{"20/12/2026", Date{}, false},
		{"2026-12-20T10:00:00Z", Date{}, false},
		{"", Date{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDateHelpers(t *testing.T) {
	d := Date{2026, 12, 31}
	if got := d.AddDays(1); got != (Date{2027, 1, 1}) {
		t.Errorf("AddDays(1) = %v", got)
	}
	if got := d.AddDays(-365); got != (Date{2025, 12, 31}) {
		t.Errorf("AddDays(-365) = %v", got)
	}
	if !d.Before(Date{2027, 1, 1}) || d.Before(d) {
		t.Error("Before is wrong")
	}
	if got := d.String(); got != "2026-12-31" {
		t.Errorf("String = %q", got)
	}
	loc := paris(t)
	if got := (Date{2026, 3, 29}).Start(loc); got.Hour() != 0 || got.Day() != 29 {
		t.Errorf("Start = %s", got)
	}
	if got := DateOf(utc(t, "2026-12-31 23:30"), loc); got != (Date{2027, 1, 1}) {
		t.Errorf("DateOf uses the zone: %v", got)
	}
}

func TestPauseYAML(t *testing.T) {
	var cfg struct {
		Pauses []Pause `yaml:"pauses"`
	}
	src := "pauses:\n  - from: 2026-12-19\n    to: \"2027-01-03\"\n"
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	want := Pause{From: Date{2026, 12, 19}, To: Date{2027, 1, 3}}
	if len(cfg.Pauses) != 1 || cfg.Pauses[0] != want {
		t.Fatalf("got %+v", cfg.Pauses)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "from: \"2026-12-19\"") && !strings.Contains(string(out), "from: 2026-12-19") {
		t.Fatalf("marshalled as %s", out)
	}

	bad := "pauses:\n  - from: 2026-12-19\n    to: 2026-02-30\n"
	err = yaml.Unmarshal([]byte(bad), &cfg)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Fatalf("bad date error = %v, want line 3 and the format", err)
	}
	if err := yaml.Unmarshal([]byte("pauses:\n  - from: [1]\n"), &cfg); err == nil {
		t.Fatal("a list as a date was accepted")
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal(Pause{From: Date{2026, 12, 19}, To: Date{2027, 1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"from":"2026-12-19","to":"2027-01-03"}` {
		t.Fatalf("json = %s", b)
	}
	var p Pause
	if err := json.Unmarshal(b, &p); err != nil || p.To != (Date{2027, 1, 3}) {
		t.Fatalf("round trip: %+v %v", p, err)
	}
}
