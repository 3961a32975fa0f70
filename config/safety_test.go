package config

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The keys of the safety net (issue 12): defaults when left out.
func TestSafetyNetDefaults(t *testing.T) {
	y := base + "    - type: smtp\n      to: [\"sms@example.net\"]\nsmtp:\n  host: smtp.example.org\n  from: a@example.org\n"
	cfg, probs, err := Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatalf("%v", probs.Lines())
	}
	e := cfg.Emergency
	if !slices.Equal(e.Review, []string{"0 8 * * *", "0 19 * * *"}) {
		t.Errorf("review = %q", e.Review)
	}
	if e.RepeatAfter.D() != 15*time.Minute || e.Repeat != 2 || e.GroupWait.D() != 2*time.Minute || e.MaxPagesPerHour != 6 {
		t.Errorf("defaults: repeat_after %s repeat %d group_wait %s max %d", e.RepeatAfter.D(), e.Repeat, e.GroupWait.D(), e.MaxPagesPerHour)
	}
	if got := e.Alerts[0].Levels; !slices.Equal(got, []AlertLevel{LevelPage, LevelConcern}) {
		t.Errorf("webhook levels = %v, want [page concern]", got)
	}
	if got := e.Alerts[1].Levels; !slices.Equal(got, []AlertLevel{LevelPage}) {
		t.Errorf("smtp levels = %v, want [page]", got)
	}
}

// Every key written is read as written, cover and backup channels get
// names of their own, and levels are typed and de-duplicated.
func TestSafetyNetValid(t *testing.T) {
	y := base[:strings.Index(base, "emergency:")] + `  pauses:
    - from: 2026-12-24
      to: 2027-01-03
      cover:
        - type: smtp
          to: ["colleague@example.org"]
          levels: [page, page]
` + base[strings.Index(base, "emergency:"):] + `      format: ntfy
      click: https://mail.example.org/inbox
      levels: concern
  review: ["* * * * *"]
  repeat_after: 20s
  repeat: 0
  group_wait: 0s
  max_pages_per_hour: 1
  backup:
    - type: webhook
      url: https://ntfy.example.net/oncall
smtp:
  host: smtp.example.org
  from: a@example.org
`
	cfg, probs, err := Parse("c.yaml", []byte(y))
	if err != nil {
		t.Fatalf("%v", probs.Lines())
	}
	for _, l := range probs.Lines() {
		t.Errorf("unexpected problem: %s", l)
	}
	e := cfg.Emergency
	if !slices.Equal(e.Review, []string{"* * * * *"}) || e.RepeatAfter.D() != 20*time.Second || e.Repeat != 0 || e.GroupWait.D() != 0 || e.MaxPagesPerHour != 1 {
		t.Errorf("read %+v", e)
	}
	a := e.Alerts[0]
	if a.Click != "https://mail.example.org/inbox" || !slices.Equal(a.Levels, []AlertLevel{LevelConcern}) {
		t.Errorf("alert %+v", a)
	}
	if len(e.Backup) != 1 || e.Backup[0].Name != "backup:webhook:0" || !slices.Equal(e.Backup[0].Levels, []AlertLevel{LevelPage, LevelConcern}) {
		t.Errorf("backup %+v", e.Backup)
	}
	cover := cfg.ReadingWindows.Pauses[0].Cover
	if len(cover) != 1 || cover[0].Name != "cover0:smtp:0" || !slices.Equal(cover[0].Levels, []AlertLevel{LevelPage}) {
		t.Errorf("cover %+v", cover)
	}
	lists := cfg.ChannelLists()
	if len(lists) != 3 || lists[2].Key != "reading_windows.pauses[0].cover" {
		t.Errorf("lists %+v", lists)
	}
}

func TestSafetyNetProblems(t *testing.T) {
	smtp := "smtp:\n  host: smtp.example.org\n  from: a@example.org\n"
	// base ends with the alert's url on line 14; keys added after it start
	// on line 15.
	cases := []struct {
		name, add string
		line      int
		want      string
	}{
		{"level typo", "      levels: [page, concren]\n", 15, `emergency.alerts[0].levels[1]: "concren" is not one of page, concern (did you mean "concern"?)`},
		{"levels empty", "      levels: []\n", 15, "emergency.alerts[0].levels: empty"},
		{"click on json", "      click: https://mail.example.org/\n", 15, "click: only for a webhook with format: ntfy"},
		{"click not https", "      format: ntfy\n      click: http://mail.example.org/\n", 16, "click: not a link"},
		{"review bad cron", "  review: [\"0 8 * * *\", \"0 25 * * *\"]\n", 15, `emergency.review: "0 25 * * *"`},
		{"review empty", "  review: []\n", 15, "emergency.review: empty"},
		{"repeat_after too short", "  repeat_after: 5s\n", 15, "emergency.repeat_after: 5s is too short; use 10s or more"},
		{"repeat_after not a duration", "  repeat_after: soon\n", 15, `"soon" is not a duration`},
		{"repeat negative", "  repeat: -1\n", 15, "emergency.repeat: -1"},
		{"repeat not a number", "  repeat: twice\n", 15, `emergency.repeat: "twice" is not a whole number`},
		{"group_wait negative", "  group_wait: -1m\n", 15, "emergency.group_wait: a duration cannot be negative"},
		{"max pages zero", "  max_pages_per_hour: 0\n", 15, "emergency.max_pages_per_hour: 0"},
		{"backup without url", "  backup:\n    - type: webhook\n", 16, "emergency.backup[0]: a webhook alert needs url:"},
		{"backup bad level", "  backup:\n    - type: smtp\n      to: [\"b@example.org\"]\n      levels: [pages]\n", 18, `"pages" is not one of page, concern`},
		{"backup name clash", "  backup:\n    - type: webhook\n      name: webhook:0\n      url: https://ntfy.example.net/b\n", 16, `channel name "webhook:0" already used on line 13`},
		{"backup smtp without smtp", "  backup:\n    - type: smtp\n      to: [\"b@example.org\"]\n", 15, "smtp: missing, but an smtp alert"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := base + c.add
			if !strings.Contains(c.name, "without smtp") {
				y += smtp
			}
			_, probs, err := Parse("c.yaml", []byte(y))
			if err == nil {
				t.Fatalf("no error; problems: %v", probs.Lines())
			}
			wantPrefix := "c.yaml:" + strconv.Itoa(c.line) + ": "
			for _, l := range probs.Lines() {
				if strings.HasPrefix(l, wantPrefix) && strings.Contains(l, c.want) {
					return
				}
			}
			t.Errorf("want a line %q...%q; got:\n%s", wantPrefix, c.want, strings.Join(probs.Lines(), "\n"))
		})
	}
}

// A pause's cover is checked like any channel, on its own line.
func TestCoverProblems(t *testing.T) {
	y := base[:strings.Index(base, "emergency:")] + `  pauses:
    - from: 2026-12-24
      to: 2027-01-03
      cover:
        - type: webhook
          url: http://ntfy.example.net/cover
        - type: sms
` + base[strings.Index(base, "emergency:"):]
	_, probs, err := Parse("c.yaml", []byte(y))
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Join(probs.Lines(), "\n")
	for _, want := range []string{
		"c.yaml:16: reading_windows.pauses[0].cover[0].url: plain http",
		`c.yaml:17: reading_windows.pauses[0].cover[1].type: "sms" is not one of smtp, webhook`,
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("missing %q in:\n%s", want, lines)
		}
	}
}
