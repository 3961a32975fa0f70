package daemon

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/store"
)

// A corpus of messages for fault tests: every tenth an emergency.
type batch struct {
	raws      [][]byte
	emergency map[int]bool
	released  bool // a reading window released every held message to the inbox
}

func makeBatch(n int, tag string) batch {
	b := batch{emergency: map[int]bool{}}
	for i := range n {
		from := fmt.Sprintf("Patient %d <p%d@patients.example>", i, i)
		if i%10 == 3 {
			b.emergency[i] = true
			b.raws = append(b.raws, []byte(fmt.Sprintf("From: %s\r\nTo: therapist@example.org\r\nSubject: help %s-%d\r\nMessage-ID: <%s-%d@fault.test>\r\nDate: Tue, 24 Nov 2026 21:14:00 +0100\r\n\r\n%s (%d)\r\n", from, tag, i, tag, i, emergencyBody, i)))
			continue
		}
		b.raws = append(b.raws, []byte(fmt.Sprintf("From: %s\r\nTo: therapist@example.org\r\nSubject: note %s-%d\r\nMessage-ID: <%s-%d@fault.test>\r\nDate: Tue, 24 Nov 2026 21:14:00 +0100\r\n\r\n%s (%d)\r\n", from, tag, i, tag, i, benignBody, i)))
	}
	return b
}

// outcome checks the invariants of the mission on the server and the alert
// sinks, and returns the counts for the log.
type outcome struct {
	inInbox, inHeld, missing, duplicated, wrongPlace, seen int
	smtpAlerts, hookAlerts, smtpDup, hookDup, unalerted    int
	details                                                []string
}

func (o outcome) String() string {
	return fmt.Sprintf("inbox=%d held=%d missing=%d duplicated=%d wrong-place=%d seen=%d smtp-alerts=%d (dup %d) webhook-alerts=%d (dup %d) emergencies-unalerted=%d",
		o.inInbox, o.inHeld, o.missing, o.duplicated, o.wrongPlace, o.seen, o.smtpAlerts, o.smtpDup, o.hookAlerts, o.hookDup, o.unalerted)
}

func check(t *testing.T, srv server, b batch, smtpIDs, hookIDs []string) outcome {
	t.Helper()
	var o outcome
	inbox, held := srv.Messages("INBOX"), srv.Messages("Held")
	countIn := func(list []testimap.Message, raw []byte) int {
		n := 0
		for _, m := range list {
			if bytes.Equal(m.Raw, raw) && !m.HasFlag(`\Deleted`) {
				n++
				if m.HasFlag(`\Seen`) {
					o.seen++
				}
			}
		}
		return n
	}
	count := func(ids []string, id string) int {
		n := 0
		for _, x := range ids {
			if x == id {
				n++
			}
		}
		return n
	}
	for i, raw := range b.raws {
		ni, nh := countIn(inbox, raw), countIn(held, raw)
		o.inInbox += ni
		o.inHeld += nh
		switch {
		case ni+nh == 0:
			o.missing++
			o.details = append(o.details, fmt.Sprintf("#%d missing", i))
		case ni+nh > 1:
			o.duplicated++
			o.details = append(o.details, fmt.Sprintf("#%d in inbox %d times, in hold %d times", i, ni, nh))
		case (b.emergency[i] || b.released) && ni != 1, !(b.emergency[i] || b.released) && nh != 1:
			o.wrongPlace++
			o.details = append(o.details, fmt.Sprintf("#%d (emergency %v) in inbox %d, hold %d", i, b.emergency[i], ni, nh))
		}
		if b.emergency[i] {
			id := messageIDOf(raw)
			s, h := count(smtpIDs, id), count(hookIDs, id)
			o.smtpAlerts += s
			o.hookAlerts += h
			if s == 0 || h == 0 {
				o.unalerted++
			}
			o.smtpDup += max(0, s-1)
			o.hookDup += max(0, h-1)
		}
	}
	return o
}

func messageIDOf(raw []byte) string {
	for _, l := range strings.Split(string(raw), "\r\n") {
		if v, ok := strings.CutPrefix(l, "Message-ID: "); ok {
			return strings.Trim(v, "<>")
		}
	}
	return ""
}

// alertIDs drains what the sinks received so far: SMTP alerts are matched by
// the Message-ID they name, webhooks by message_id.
func (e *env) alertIDs(b batch, wantEach int, within time.Duration) (smtpIDs, hookIDs []string) {
	deadline := time.After(within)
	for len(smtpIDs) < wantEach || len(hookIDs) < wantEach {
		select {
		case m := <-e.smtp.C:
			smtpIDs = append(smtpIDs, alertMessageID(string(m.Data), b))
		case h := <-e.hook.C:
			id, _ := h["message_id"].(string)
			hookIDs = append(hookIDs, strings.Trim(id, "<>"))
		case <-deadline:
			return
		}
	}
	// Anything sent twice arrives soon after; give it a moment to show.
	extra := time.After(500 * time.Millisecond)
	for {
		select {
		case m := <-e.smtp.C:
			smtpIDs = append(smtpIDs, alertMessageID(string(m.Data), b))
		case h := <-e.hook.C:
			id, _ := h["message_id"].(string)
			hookIDs = append(hookIDs, strings.Trim(id, "<>"))
		case <-extra:
			return
		}
	}
}

// alertMessageID finds which batch message an alert mail is about, by the
// sender address it names (each patient is unique in a batch).
func alertMessageID(data string, b batch) string {
	for _, raw := range b.raws {
		id := messageIDOf(raw)
		from := strings.SplitN(strings.SplitN(string(raw), "<", 2)[1], ">", 2)[0]
		if strings.Contains(data, from+">") || strings.Contains(data, from+")") || strings.Contains(data, from+"\r") || strings.Contains(data, from+"\n") {
			return id
		}
	}
	return "?"
}

func (b batch) emergencies() int { return len(b.emergency) }

func assertOutcome(t *testing.T, o outcome, b batch, allowedDup int) {
	t.Helper()
	t.Logf("outcome: %s", o)
	if o.missing != 0 || o.duplicated != 0 || o.wrongPlace != 0 || o.seen != 0 {
		t.Errorf("mail not where it belongs: %s\n%s", o, strings.Join(o.details, "\n"))
	}
	if o.unalerted != 0 {
		t.Errorf("%d emergencies never alerted", o.unalerted)
	}
	if o.smtpDup > allowedDup || o.hookDup > allowedDup {
		t.Errorf("alerts sent twice: smtp %d, webhook %d (allowed %d)", o.smtpDup, o.hookDup, allowedDup)
	}
}

func TestDovecotRestartMidIdle(t *testing.T) {
	testimap.SkipWithoutDovecot(t)
	dv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	srv := doveServer{dv}
	e := startEnv(t, srv, envOpts{})
	e.waitReady()
	b := makeBatch(20, "restart")
	for _, raw := range b.raws[:10] {
		srv.deliver("INBOX", raw)
	}
	e.waitHandled(10)
	dv.Restart()
	for _, raw := range b.raws[10:] {
		srv.deliver("INBOX", raw)
	}
	e.waitHandled(10)
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop() // the server's state is read once the daemon has stopped moving things
	assertOutcome(t, check(t, srv, b, smtpIDs, hookIDs), b, 0)
	if !strings.Contains(e.logs.String(), "reconnecting") {
		t.Errorf("no reconnection logged after the restart")
	}
}

func TestConnectionCutsWhileMailArrives(t *testing.T) {
	testimap.SkipWithoutDovecot(t)
	dv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	srv := doveServer{dv}
	proxy := testimap.StartProxy(t, dv.Addr())
	e := &env{t: t, srv: srv, smtp: smtpsink.Start(t), hook: startWebhook(t), handled: make(chan Handled, 10000)}
	e.cfg = testConfig(t, srv, e.smtp, e.hook, envOpts{})
	e.cfg.IMAP.Port = proxy.Port()
	e.start()
	e.waitReady()
	// Two kinds of cut: mid-stream after a random number of bytes, and every
	// connection at once at random moments while the mail arrives.
	proxy.CutRandomly(64 << 10)
	b := makeBatch(200, "cuts")
	rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	nextCut := time.Now()
	for _, raw := range b.raws {
		srv.deliver("INBOX", raw)
		if time.Now().After(nextCut) {
			proxy.CutAll()
			nextCut = time.Now().Add(time.Duration(100+rng.IntN(500)) * time.Millisecond)
		}
	}
	waitUnique(t, e, len(b.raws))
	proxy.CutRandomly(0)
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop() // the server's state is read once the daemon has stopped moving things
	o := check(t, srv, b, smtpIDs, hookIDs)
	t.Logf("connections cut: %d", proxy.Cuts())
	if proxy.Cuts() == 0 {
		t.Errorf("the proxy never cut a connection: the test proved nothing")
	}
	assertOutcome(t, o, b, 0)
	if t.Failed() {
		t.Logf("daemon log:\n%s", e.logs.String())
	}
}

// waitUnique waits until n distinct messages were handled (a message cut
// off mid-way is handled again after the reconnection).
func waitUnique(t *testing.T, e *env, n int) {
	t.Helper()
	seen := map[string]bool{}
	deadline := time.After(3 * waitLimit)
	for len(seen) < n {
		select {
		case h := <-e.handled:
			seen[h.Identity] = true
		case <-deadline:
			t.Fatalf("only %d of %d messages handled\n%s", len(seen), n, tail(e.logs.String(), 4000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestSilentServer(t *testing.T) {
	silent := testimap.StartSilent(t, true)
	sink, hook := smtpsink.Start(t), startWebhook(t)
	t.Setenv("BD_TEST_IMAP_PW", "x")
	mem := testimap.StartMem(t, testimap.MemOptions{})
	cfg := testConfig(t, memServer{mem}, sink, hook, envOpts{})
	cfg.IMAP.Port = silent.Port()
	st, err := store.Open(cfg.StateDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logs := &syncBuffer{}
	d, err := New(cfg, st, Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), CommandTimeout: 300 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	deadline := time.Now().Add(waitLimit)
	for strings.Count(logs.String(), "reconnecting") < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), "reconnecting"); n < 3 {
		t.Fatalf("a silent server should time out and be retried; %d reconnections\n%s", n, logs.String())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("daemon did not stop within 5 s against a silent server")
	}
}

func TestUIDValidityChangeLive(t *testing.T) {
	testimap.SkipWithoutDovecot(t)
	dv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	srv := doveServer{dv}
	e := startEnv(t, srv, envOpts{})
	e.waitReady()
	b := makeBatch(20, "uidv")
	for _, raw := range b.raws[:10] {
		srv.deliver("INBOX", raw)
	}
	e.waitHandled(10)
	dv.SetUIDValidity("INBOX", uint32(time.Now().Unix()%100000+7))
	for _, raw := range b.raws[10:] {
		srv.deliver("INBOX", raw)
	}
	waitUnique(t, e, 10)
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	e.stop() // the server's state is read once the daemon has stopped moving things
	assertOutcome(t, check(t, srv, b, smtpIDs, hookIDs), b, 0)
	if !strings.Contains(e.logs.String(), "UIDVALIDITY changed") {
		t.Errorf("the UIDVALIDITY change was not noticed")
	}
}

func TestAlertRetriedUntilRelayRecovers(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	e := startEnv(t, srv, envOpts{})
	e.waitReady()
	e.smtp.Refuse(true)
	b := makeBatch(4, "relay") // one emergency (index 3)
	for _, raw := range b.raws {
		srv.deliver("INBOX", raw)
	}
	e.waitHandled(4)
	deadline := time.Now().Add(waitLimit)
	for e.smtp.Refusals() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.smtp.Refusals() < 2 {
		t.Fatalf("the relay was tried %d times while refusing", e.smtp.Refusals())
	}
	// Restart the daemon while the alert is still pending: it must survive.
	e.stop()
	e.start()
	e.waitReady()
	e.smtp.Refuse(false)
	select {
	case m := <-e.smtp.C:
		if !strings.Contains(string(m.Data), "p3@patients.example") {
			t.Errorf("unexpected alert: %s", m.Data)
		}
	case <-time.After(waitLimit):
		t.Fatalf("the alert never arrived after the relay recovered\n%s", e.logs.String())
	}
	t.Logf("refused %d times before acceptance, across a restart", e.smtp.Refusals())
}

// --- kill -9 ---

const childEnv = "BOUNDARY_TEST_CHILD_CONFIG"

// childMain runs the daemon in a child process, so the test can kill -9 it.
func childMain() int {
	cfg, _, err := config.Load(os.Getenv(childEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, err := store.Open(cfg.StateDir, store.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	d, err := New(cfg, st, Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, CommandTimeout: 5 * time.Second,
		OnReady: func() { fmt.Println("READY") }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := d.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestKill9AtRandomMoments(t *testing.T) {
	testimap.SkipWithoutDovecot(t)
	dv := testimap.StartDovecot(t, testimap.DovecotOptions{})
	kill9(t, doveServer{dv}, 100)
}

// kill9 delivers n messages to srv while a daemon in a child process is
// killed with SIGKILL after every tenth, at a random moment, and restarted;
// then checks where everything ended up.
func kill9(t *testing.T, srv deliverer, n int) {
	sink, hook := smtpsink.Start(t), startWebhook(t)
	e := &env{t: t, srv: srv, smtp: sink, hook: hook}
	cfg := testConfig(t, srv, sink, hook, envOpts{})
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(renderChildConfig(cfg, srv.Password())), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "child.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	ready := make(chan struct{}, 100)
	startChild := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+cfgPath)
		cmd.Stderr = logf
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "READY" {
					ready <- struct{}{}
				}
			}
		}()
		return cmd
	}
	b := makeBatch(n, "kill")
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	kills := 0
	child := startChild()
	// The first start decides what "existing mail" is (backlog: new); the
	// test's mail must come after it.
	select {
	case <-ready:
	case <-time.After(waitLimit):
		t.Fatal("the daemon never became ready")
	}
	for i, raw := range b.raws {
		srv.deliver("INBOX", raw)
		if i%10 == 9 {
			time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
			_ = child.Process.Signal(syscall.SIGKILL)
			_ = child.Wait()
			kills++
			child = startChild()
		}
	}
	// Let the last child finish the job, then stop it politely.
	deadline := time.Now().Add(3 * waitLimit)
	for time.Now().Before(deadline) {
		held, inbox := len(srv.Messages("Held")), len(srv.Messages("INBOX"))
		if held == n-b.emergencies() && inbox >= b.emergencies() {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	smtpIDs, hookIDs := e.alertIDs(b, b.emergencies(), waitLimit)
	_ = child.Process.Signal(syscall.SIGTERM)
	_ = child.Wait()
	o := check(t, srv, b, smtpIDs, hookIDs)
	t.Logf("kill -9 %d times", kills)
	assertOutcome(t, o, b, kills)
	if t.Failed() {
		l, _ := os.ReadFile(logPath)
		t.Logf("child log:\n%s", tail(string(l), 6000))
	}
}

func renderChildConfig(cfg *config.Config, pw string) string {
	var alerts strings.Builder
	for _, a := range cfg.Emergency.Alerts {
		if a.Type == "smtp" {
			fmt.Fprintf(&alerts, "    - type: smtp\n      to: [%q]\n", a.To[0])
		} else {
			fmt.Fprintf(&alerts, "    - type: webhook\n      url: %s\n", a.URL)
		}
	}
	return fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: %s
  password: %q
  hold_folder: Held
smtp:
  host: 127.0.0.1
  port: %d
  security: insecure
  from: %q
senders:
  patients: ["*@patients.example"]
reading_windows:
  schedule: ["0 18 * * TUE"]
emergency:
  group_wait: 0s
  max_pages_per_hour: 100000
  alerts:
%sstate_dir: %s
`, cfg.IMAP.Port, cfg.IMAP.Username, pw, cfg.SMTP.Port, cfg.SMTP.From, alerts.String(), cfg.StateDir)
}
