package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/internal/freeport"
	"github.com/boundaryd/boundaryd/store"
)

// passwordEnv carries the IMAP password to boundaryd, as in production.
const passwordEnv = "BENCH_IMAP_PW"

// daemonCfg is what changes between the bench's boundaryd configurations.
type daemonCfg struct {
	imapPort   int
	user       string
	smtpPort   int
	hookURL    string
	stateDir   string
	backlog    string // new | all
	httpListen string // "" = none
}

// alertSinks are where a bench boundaryd sends its alerts: one SMTP sink
// and one webhook sink, both on 127.0.0.1.
type alertSinks struct {
	smtp *smtpSink
	hook *webhookSink
}

func startAlertSinks() (*alertSinks, error) {
	s, err := startSMTPSink()
	if err != nil {
		return nil, err
	}
	h, err := startWebhookSink()
	if err != nil {
		s.close()
		return nil, err
	}
	return &alertSinks{smtp: s, hook: h}, nil
}

func (a *alertSinks) close() {
	a.hook.close()
	a.smtp.close()
}

// config is the boundaryd configuration for user on Dovecot's imapPort,
// alerting to these sinks.
func (a *alertSinks) config(imapPort int, user, stateDir, backlog string) daemonCfg {
	return daemonCfg{imapPort: imapPort, user: user, smtpPort: a.smtp.port, hookURL: a.hook.url, stateDir: stateDir, backlog: backlog}
}

// yaml renders a complete boundaryd configuration. Everyone is a patient, so
// benign mail is held; the reading window is on 1 January at 03:00 so no
// release disturbs a run.
func (c daemonCfg) yaml() string {
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: %s
  password_env: %s
  hold_folder: Held
  backlog: %s
smtp:
  host: 127.0.0.1
  port: %d
  security: insecure
  from: "Cabinet <cabinet@example.org>"
senders:
  allow: ["partner@example.org"]
  patients: ["*"]
reading_windows:
  timezone: Europe/Paris
  schedule: ["0 3 1 1 *"]
emergency:
  builtin: [en, fr]
  # The bench times every emergency's own alert: no folding, no hourly
  # cap, no repeats (the safety net's grouping is tested in daemon/).
  group_wait: 0s
  max_pages_per_hour: 100000
  repeat: 0
  alerts:
    - type: smtp
      to: ["pager@sms.example.net"]
    - type: webhook
      url: %s
state_dir: %s
log:
  level: warn
`, c.imapPort, c.user, passwordEnv, c.backlog, c.smtpPort, c.hookURL, c.stateDir)
	if c.httpListen != "" {
		y += "http:\n  listen: " + c.httpListen + "\n"
	}
	return y
}

func parseConfig(y string) (*config.Config, error) {
	cfg, probs, err := config.Parse("bench.yaml", []byte(y))
	if err != nil {
		if probs != nil {
			return nil, fmt.Errorf("bench config: %w: %s", err, strings.Join(probs.Lines(), "; "))
		}
		return nil, fmt.Errorf("bench config: %w", err)
	}
	return cfg, nil
}

// inProcess is boundaryd running inside the bench (daemon.New + Run) with a
// real store in a temp dir.
type inProcess struct {
	st     *store.Store
	cancel context.CancelFunc
	done   chan error
	ready  chan struct{}
}

func startInProcess(ctx context.Context, c daemonCfg, logTo io.Writer) (*inProcess, error) {
	cfg, err := parseConfig(c.yaml())
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.StateDir, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	p := &inProcess{st: st, done: make(chan error, 1), ready: make(chan struct{})}
	var once sync.Once
	d, err := daemon.New(cfg, st, daemon.Options{
		Logger:  slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnReady: func() { once.Do(func() { close(p.ready) }) },
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	p.cancel = cancel
	go func() { p.done <- d.Run(rctx) }()
	select {
	case <-p.ready:
		return p, nil
	case err := <-p.done:
		cancel()
		st.Close()
		return nil, fmt.Errorf("daemon stopped before ready: %v", err)
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("daemon not ready within 30 s")
	}
}

func (p *inProcess) stop() {
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	p.st.Close()
}

// buildBoundaryd compiles the real command into dir, as a user would.
// Build tags (benchprofile) are for measurement only.
func buildBoundaryd(ctx context.Context, root, dir string, tags ...string) (string, error) {
	bin := filepath.Join(dir, "boundaryd")
	args := []string{"build", "-trimpath", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/boundaryd")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/boundaryd: %w\n%s", err, out)
	}
	return bin, nil
}

// subprocess is `boundaryd run` as a child process, for honest RSS and CPU.
type subprocess struct {
	cmd     *exec.Cmd
	metrics string // http://host:port/metrics
	started time.Time
	done    chan struct{}
}

func startSubprocess(ctx context.Context, bin, dir string, c daemonCfg, env ...string) (*subprocess, error) {
	port, err := freeport.Loopback()
	if err != nil {
		return nil, err
	}
	c.httpListen = "127.0.0.1:" + strconv.Itoa(port)
	conf := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(conf, []byte(c.yaml()), 0o600); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "boundaryd.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", "--config", conf)
	cmd.Env = append(append(os.Environ(), passwordEnv+"="+password), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	s := &subprocess{cmd: cmd, metrics: "http://" + c.httpListen + "/metrics", done: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start boundaryd: %w", err)
	}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.stop()
		case <-s.done:
		}
	}()
	return s, nil
}

func (s *subprocess) pid() int { return s.cmd.Process.Pid }

// writeProfiles asks a benchprofile build to write its profiles into dir
// (see cmd/boundaryd/profile_bench.go) and waits until it has.
func (s *subprocess) writeProfiles(ctx context.Context, dir string) error {
	if err := s.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	if !waitFor(ctx, 30*time.Second, func() bool { _, err := os.Stat(filepath.Join(dir, "done")); return err == nil }) {
		return fmt.Errorf("profiles: none written into %s within 30 s", dir)
	}
	return nil
}

// stop sends SIGTERM (the daemon promises to stop within 5 s), then SIGKILL.
func (s *subprocess) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(8 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// scrape reads the Prometheus text of /metrics into series name -> summed
// value (labels dropped).
func scrape(url string) (map[string]float64, error) {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		name := line[:sp]
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out, sc.Err()
}

// waitHandled polls /metrics until n messages are handled; it returns when
// the count was first seen (within poll resolution) and the peak VmHWM seen.
func (s *subprocess) waitHandled(ctx context.Context, n int, limit time.Duration) (time.Time, int, error) {
	deadline := time.Now().Add(limit)
	last := 0
	for {
		m, err := scrape(s.metrics)
		if err == nil {
			last = int(m["boundaryd_messages_handled_total"])
			if last >= n {
				return time.Now(), last, nil
			}
		}
		select {
		case <-s.done:
			return time.Time{}, last, fmt.Errorf("boundaryd exited after %d of %d messages", last, n)
		case <-ctx.Done():
			return time.Time{}, last, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return time.Time{}, last, fmt.Errorf("only %d of %d messages handled within %s", last, n, limit)
		}
	}
}
