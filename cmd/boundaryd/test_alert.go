package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/notify"
)

// testAlertTimeout bounds each channel's answer.
const testAlertTimeout = time.Minute

func cmdTestAlert(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "test-alert", "--config FILE",
		"Sends one clearly marked test page through every alert channel the daemon would use\n"+
			"(emergency.alerts, built as the daemon builds them) and prints what each one answered.\n"+
			"Passwords come from the environment or, when it lacks them, from secrets.env beside the\n"+
			"configuration (as systemd gives them to the service).\n"+
			"Exit 0 when every channel accepted it, 1 otherwise.")
	def := e.getenv("BOUNDARY_CONFIG")
	if def == "" {
		def = packageConfig
	}
	path := fs.String("config", def, "configuration `FILE` ($BOUNDARY_CONFIG when set)")
	timeout := fs.Duration("timeout", testAlertTimeout, "how long each channel may take to answer")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	cfg := loadConfigWarn(e, *path, true)
	if cfg == nil {
		return exitFailure
	}
	if err := useSecretsBeside(e, cfg); err != nil {
		fmt.Fprintf(e.stderr, "boundaryd test-alert: %v\n", err)
		return exitFailure
	}
	if !secretsReadable(e, cfg, true) {
		return exitFailure
	}
	results, err := sendTestAlert(ctx, e, cfg, daemon.Options{Clock: e.clock}, *timeout)
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd test-alert: %v\n", err)
		return exitFailure
	}
	if len(results) == 0 {
		fmt.Fprintln(e.stderr, "boundaryd test-alert: no alert channel is configured (emergency.alerts)")
		return exitFailure
	}
	ok := printTestAlert(e, results)
	if !ok {
		return exitFailure
	}
	return exitOK
}

// channelAnswer is one channel's answer to the test page.
type channelAnswer struct {
	Name, Where string
	Err         error
}

// sendTestAlert sends the test page through every channel at once (a slow
// channel does not delay the others) and returns the answers in the
// configuration's order.
func sendTestAlert(ctx context.Context, e *env, cfg *config.Config, opts daemon.Options, timeout time.Duration) ([]channelAnswer, error) {
	groups, err := daemon.ChannelsFor(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("alert channels: %w", err)
	}
	var channels []notify.Channel
	for _, g := range groups {
		channels = append(channels, g.Channels...)
	}
	where := map[string]string{}
	for _, list := range cfg.ChannelLists() {
		for _, a := range list.Channels {
			where[a.Name] = describeAlert(a)
		}
	}
	a := testAlert(cfg, e.clock.Now())
	out := make([]channelAnswer, len(channels))
	var wg sync.WaitGroup
	for i, ch := range channels {
		out[i] = channelAnswer{Name: ch.Name(), Where: where[ch.Name()]}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			out[i].Err = ch.Send(cctx, a)
		})
	}
	wg.Wait()
	return out, nil
}

// printTestAlert prints one line per channel and reports whether all
// accepted.
func printTestAlert(e *env, results []channelAnswer) bool {
	ok := true
	for _, r := range results {
		label := r.Name
		if r.Where != "" {
			label += " (" + r.Where + ")"
		}
		if r.Err != nil {
			ok = false
			fmt.Fprintf(e.stdout, "%s: FAILED: %v\n", label, r.Err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: accepted\n", label)
	}
	return ok
}

// testAlert is the page sent: its sender, rule and title say it is a test,
// in the configuration's language, and it names no patient.
func testAlert(cfg *config.Config, now time.Time) notify.Alert {
	l := locale.Of(string(cfg.Language))
	return notify.Alert{
		Key:       "test-alert:" + now.UTC().Format(time.RFC3339Nano),
		MessageID: fmt.Sprintf("<test-alert.%d@boundaryd.invalid>", now.UnixNano()),
		FromName:  locale.Pick(l, "TEST from boundaryd, no action needed", "TEST de boundaryd, rien à faire"),
		FromAddr:  cfg.IMAP.Username,
		Received:  now,
		Rules:     []string{"test-alert"},
		Mailbox:   cfg.IMAP.Inbox,
		Lang:      l.String(),
		Kind:      notify.KindTest,
		Level:     notify.LevelPage,
	}
}

// describeAlert says where a channel goes without its secrets: the
// recipients of a mail channel, only the host of a webhook (its URL often
// carries a token).
func describeAlert(a config.Alert) string {
	switch a.Type {
	case config.AlertSMTP:
		return "mail to " + strings.Join(a.To, ", ")
	case config.AlertWebhook:
		if u, err := url.Parse(a.URL); err == nil {
			return "webhook to " + u.Host
		}
		return "webhook"
	}
	return string(a.Type)
}
