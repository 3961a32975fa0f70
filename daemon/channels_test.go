package daemon

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/store"
)

// The configuration's channel lists become the dispatcher's groups, each
// channel with the levels it takes.
func TestChannelGroupsFromConfig(t *testing.T) {
	t.Setenv("BD_TEST_IMAP_PW", "x")
	dir := t.TempDir()
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  security: insecure
  username: dr@example.org
  password_env: BD_TEST_IMAP_PW
smtp:
  host: 127.0.0.1
  security: insecure
  from: dr@example.org
senders:
  patients: ["*"]
reading_windows:
  timezone: Europe/Paris
  schedule: ["0 18 * * TUE"]
  pauses:
    - from: 2026-12-24
      to: 2027-01-03
      cover:
        - type: smtp
          to: ["colleague@example.org"]
emergency:
  alerts:
    - type: smtp
      to: ["pager@example.net"]
    - type: webhook
      url: https://ntfy.example.net/t
      format: ntfy
      click: https://mail.example.org/
      levels: [concern]
  backup:
    - type: webhook
      url: https://ntfy.example.net/oncall
state_dir: %s
`, dir)
	cfg, probs, err := config.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(probs.Lines(), "\n"))
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := New(cfg, st, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range d.Dispatcher().Status() {
		got = append(got, fmt.Sprintf("%s %s %v", s.Group, s.Name, s.Levels))
	}
	want := []string{
		"primary smtp:0 [page]",
		"primary webhook:1 [concern]",
		"backup backup:webhook:0 [page concern]",
		"cover:0 cover0:smtp:0 [page]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("channels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g := d.Dispatcher().Groups(); !slices.Equal(g, []notify.Group{notify.GroupPrimary, notify.GroupBackup, notify.CoverGroup(0)}) {
		t.Errorf("groups %v", g)
	}
}
