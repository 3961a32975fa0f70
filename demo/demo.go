// Package demo runs the whole of boundaryd with no setup: an in-memory IMAP
// server and an SMTP sink (internal/smtpsink) in the process, a week of realistic mail, the real
// daemon code on an accelerated clock, and a narration in plain words.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-message/mail"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/memimap"
	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/store"
)

// Options tune the demo.
type Options struct {
	// Step is the real time one simulated 10 minutes take (default 18 ms:
	// a week in about 20 seconds). Tests use 0.
	Step time.Duration
	// Serve keeps the IMAP server up after the week, until ctx ends.
	Serve bool
	// Out receives the narration.
	Out io.Writer
	// Monday is the day the demo's week starts, at 08:00 in Paris (default
	// 30 November 2026). The week runs on a fake clock, so any Monday,
	// however far from today, gives the same week.
	Monday time.Time
}

// Outcome is what happened, for tests.
type Outcome struct {
	Held, Escalated, Passed int
	Alerts                  int // alert mails accepted
	Acks                    int // acknowledgements sent
	Windows                 int // reading windows delivered with a digest
	Released                int
	// Notices are the early-look notices for concerns; PagesRead the pages
	// acknowledged by the therapist opening the message.
	Notices, PagesRead int
	Inbox, HoldFolder  int // messages in each folder at the end
}

const (
	user     = "dr.agostini@demo.example"
	password = "demo"
)

// Run plays the week and returns what happened.
func Run(ctx context.Context, o Options) (Outcome, error) {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Step < 0 {
		o.Step = 0
	}
	r := &runner{o: o, out: o.Out, handled: make(chan daemon.Handled, 100), windows: make(chan daemon.WindowResult, 10),
		reviews: make(chan int, 100), acks: make(chan store.Page, 10)}
	return r.run(ctx)
}

type runner struct {
	o       Options
	out     io.Writer
	clock   *clock.Fake
	loc     *time.Location
	handled chan daemon.Handled
	windows chan daemon.WindowResult
	reviews chan int        // early-look notices queued at each review time
	acks    chan store.Page // pages acknowledged
	addr    string          // the embedded IMAP server
	sink    *smtpsink.Sink  // the SMTP relay: what the daemon sends arrives on sink.C

	mu      sync.Mutex
	outcome Outcome
	lastAck string
}

func (r *runner) say(format string, args ...any) {
	fmt.Fprintf(r.out, format+"\n", args...)
}

func (r *runner) stamp() string {
	return r.clock.Now().In(r.loc).Format("Mon 15:04")
}

func (r *runner) run(ctx context.Context) (Outcome, error) {
	var err error
	r.loc, err = time.LoadLocation("Europe/Paris")
	if err != nil {
		return Outcome{}, err
	}
	monday := r.o.Monday
	if monday.IsZero() {
		monday = time.Date(2026, 11, 30, 0, 0, 0, 0, r.loc)
	}
	y, m, day := monday.In(r.loc).Date()
	start := time.Date(y, m, day, 8, 0, 0, 0, r.loc)
	if start.Weekday() != time.Monday {
		return Outcome{}, fmt.Errorf("demo: the week starts on a Monday, not on %s", start.Format("Monday 2 January 2006"))
	}
	r.clock = clock.NewFake(start)

	imapLn, mem, err := startIMAP()
	if err != nil {
		return Outcome{}, err
	}
	defer mem.Close()
	r.sink, err = smtpsink.Listen(smtpsink.Options{Clock: r.clock})
	if err != nil {
		return Outcome{}, err
	}
	defer r.sink.Close()

	stateDir, err := os.MkdirTemp("", "boundaryd-demo-")
	if err != nil {
		return Outcome{}, err
	}
	defer os.RemoveAll(stateDir)

	cfg, err := demoConfig(imapLn.Addr().(*net.TCPAddr).Port, r.sink.Port(), stateDir)
	if err != nil {
		return Outcome{}, err
	}
	st, err := store.Open(stateDir, store.Options{Clock: r.clock})
	if err != nil {
		return Outcome{}, err
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ready := make(chan struct{})
	d, err := daemon.New(cfg, st, daemon.Options{
		Logger: quiet, Clock: r.clock, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second,
		OnHandled: func(h daemon.Handled) { r.handled <- h },
		OnReady:   func() { close(ready) },
		OnWindow:  func(w daemon.WindowResult) { r.windows <- w },
		OnReview:  func(_ time.Time, n int) { r.reviews <- n },
		OnPageAcknowledged: func(p store.Page) {
			select {
			case r.acks <- p:
			default:
			}
		},
	})
	if err != nil {
		return Outcome{}, err
	}

	r.say("boundaryd demo — a week of Dr Agostini's mail, in about twenty seconds.")
	r.say("Reading windows: Tuesdays 18:00 and Saturdays 10:00 (Paris). Patients: everyone but the partner.")
	r.say("Emergencies page the therapist at once, again every 15 minutes until she opens the message;")
	r.say("a worrying sign below an emergency gets a quiet early look at 08:00 or 19:00; everything else waits for the next window.\n")
	r.addr = imapLn.Addr().String()

	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(dctx) }()
	defer func() {
		stop()
		<-done
	}()

	select {
	case <-ready:
	case <-time.After(waitLimit):
		return Outcome{}, fmt.Errorf("the daemon did not connect to the embedded server within %s", waitLimit)
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
	deliver, closeDeliver, err := dialer(imapLn.Addr().String())
	if err != nil {
		return Outcome{}, err
	}
	defer closeDeliver()

	if err := r.play(ctx, start, deliver, d); err != nil {
		return Outcome{}, err
	}
	inbox, held, err := countFolders(ctx, imapLn.Addr().String())
	if err != nil {
		return Outcome{}, err
	}
	r.mu.Lock()
	r.outcome.Inbox, r.outcome.HoldFolder = inbox, held
	out := r.outcome
	r.mu.Unlock()

	r.say("\nEnd of the week: %d messages in the inbox, %d waiting in Boundary/Held for Tuesday.", inbox, held)
	r.say("%d held, %d escalated (%d alert mails sent, %d opened at once so never repeated), %d left alone; %d early-look notice(s); %d acknowledgements; %d reading windows.",
		out.Held, out.Escalated, out.Alerts, out.PagesRead, out.Passed, out.Notices, out.Acks, out.Windows)
	if r.o.Serve {
		r.say("\nThe IMAP server stays up until you press Ctrl-C:")
		r.say("  server   127.0.0.1 port %d, no encryption (local only)", imapLn.Addr().(*net.TCPAddr).Port)
		r.say("  login    %s", user)
		r.say("  password %s", password)
		r.say("Open it in Thunderbird or any mail client to see INBOX and Boundary/Held.")
		<-ctx.Done()
	}
	return out, nil
}

// play advances the clock through the week in 10-minute steps, delivering
// each message at its time, letting the reading windows fire, and narrating
// what the daemon did.
func (r *runner) play(ctx context.Context, start time.Time, deliver func(context.Context, []byte, time.Time) error, d *daemon.Daemon) error {
	step := 10 * time.Minute
	end := start.Add(7 * 24 * time.Hour)
	windows := d.Windows()
	next := windows.Next(start)
	reviews := d.Reviews()
	nextReview := reviews.Next(start)
	i := 0
	for now := start; now.Before(end); {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		target := now.Add(step)
		for {
			if !nextReview.IsZero() && !nextReview.After(target) && (next.IsZero() || nextReview.Before(next)) &&
				(i >= len(week) || !start.Add(week[i].at).Before(nextReview)) {
				r.clock.Set(nextReview)
				if err := r.narrateReview(ctx); err != nil {
					return err
				}
				nextReview = reviews.Next(nextReview)
				continue
			}
			if i < len(week) {
				t := start.Add(week[i].at)
				if !t.After(target) && (next.IsZero() || t.Before(next)) {
					r.clock.Set(t)
					if err := r.deliverEvent(ctx, i, t, deliver); err != nil {
						return err
					}
					i++
					continue
				}
			}
			if !next.IsZero() && !next.After(target) {
				r.clock.Set(next)
				if err := r.narrateWindow(ctx); err != nil {
					return err
				}
				next = windows.Next(next)
				continue
			}
			break
		}
		r.clock.Set(target)
		now = target
		if r.o.Step > 0 {
			select {
			case <-time.After(r.o.Step):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

func (r *runner) deliverEvent(ctx context.Context, i int, t time.Time, deliver func(context.Context, []byte, time.Time) error) error {
	ev := week[i]
	r.say("%s  %s writes: %q — %s.", t.In(r.loc).Format("Mon 15:04"), displayName(ev.from), ev.subject, ev.about)
	r.mu.Lock()
	ack := r.lastAck
	r.mu.Unlock()
	if err := deliver(ctx, ev.raw(i, t, ack), t); err != nil {
		return fmt.Errorf("delivering demo mail: %w", err)
	}
	return r.narrateHandled(ctx, fmt.Sprintf("demo-%d@boundaryd.demo#", i))
}

const waitLimit = 15 * time.Second

// bound is the real-time limit of one of the demo's own waits.
func bound() <-chan time.Time { return time.After(waitLimit) }

// narrateHandled waits for the daemon to handle the message whose identity
// starts with prefix (other messages, such as the digests it appended
// itself, are not part of the story).
func (r *runner) narrateHandled(ctx context.Context, prefix string) error {
	var h daemon.Handled
	timeout := time.After(waitLimit)
	for !strings.HasPrefix(h.Identity, prefix) {
		select {
		case h = <-r.handled:
		case <-timeout:
			return fmt.Errorf("the daemon did not handle a message within %s", waitLimit)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	switch h.Verdict {
	case classify.VerdictEscalate:
		r.outcome.Escalated++
		r.say("           → EMERGENCY: left in the inbox, flagged; alert sent (rule %s).", strings.Join(h.Rules, ", "))
	case classify.VerdictHold:
		r.outcome.Held++
		r.say("           → held in Boundary/Held until the next reading window.")
	case classify.VerdictPass:
		fallthrough
	default:
		r.outcome.Passed++
		r.say("           → left in the inbox, untouched.")
	}
	r.mu.Unlock()
	// Wait for what the daemon sends about it, so the story reads in order.
	if h.Verdict == "escalate" {
		if err := r.waitMail(ctx, "alert"); err != nil {
			return err
		}
		if err := r.readOnPhone(ctx, strings.TrimSuffix(prefix, "#")); err != nil {
			return err
		}
	}
	if h.AckQueued {
		return r.waitMail(ctx, "auto-reply")
	}
	return nil
}

func (r *runner) narrateWindow(ctx context.Context) error {
	select {
	case w := <-r.windows:
		r.mu.Lock()
		defer r.mu.Unlock()
		if w.Messages == 0 {
			r.say("%s  Reading window: nothing was held.", r.stamp())
			return nil
		}
		if w.Digest {
			r.outcome.Windows++
		}
		r.outcome.Released += w.Released
		r.say("%s  Reading window: %d held messages; a digest is put on top of the inbox:\n", r.stamp(), w.Messages)
		r.say("%s", indent(digestText(w.DigestRaw), "    | "))
		r.say("           → %d messages released back to the inbox.\n", w.Released)
		return nil
	case <-time.After(waitLimit):
		return fmt.Errorf("the reading window was not delivered within %s", waitLimit)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sent is a mail boundaryd sent by SMTP.
type sent struct{ kind, to, subject, text string }

// waitMail waits for the daemon's next mail of that kind and tells it.
func (r *runner) waitMail(ctx context.Context, kind string) error {
	timeout := time.After(waitLimit)
	for {
		select {
		case msg := <-r.sink.C:
			m := parseSent(msg.Data)
			if m.kind != kind {
				continue
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			switch kind {
			case "alert":
				if strings.HasPrefix(m.subject, "Early look") {
					r.outcome.Notices++
					r.say("           → the early-look notice, as the therapist receives it:\n%s", indent(m.text, "    ~ "))
					break
				}
				r.outcome.Alerts++
				r.say("           → the alert, as the therapist's phone receives it:\n%s", indent(m.text, "    ! "))
			case "auto-reply":
				r.outcome.Acks++
				r.lastAck = m.text
				r.say("           → acknowledgement sent to %s:\n%s", m.to, indent(m.text, "    > "))
			}
			return nil
		case <-timeout:
			return fmt.Errorf("no %s was sent within %s", kind, waitLimit)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// parseSent reads what boundaryd sent by SMTP: alerts and acknowledgements
// (an unreadable message has no kind, and is passed over).
func parseSent(data []byte) sent {
	m, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		return sent{}
	}
	var text string
	if p, err := m.NextPart(); err == nil {
		b, _ := io.ReadAll(io.LimitReader(p.Body, 8192))
		text = string(b)
	}
	subject, _ := m.Header.Subject()
	return sent{kind: m.Header.Get("X-Boundary-Kind"), to: m.Header.Get("To"), subject: subject, text: text}
}

func displayName(from string) string {
	if i := strings.Index(from, " <"); i > 0 {
		return from[:i]
	}
	return from
}

func indent(s, prefix string) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// digestText extracts the plain text part of a digest.
func digestText(raw []byte) string {
	if len(raw) == 0 {
		return "(digest already delivered)"
	}
	m, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return "(unreadable digest: " + err.Error() + ")"
	}
	for {
		p, err := m.NextPart()
		if err != nil {
			return "(no text part)"
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, _ := io.ReadAll(io.LimitReader(p.Body, 1<<20))
				return string(b)
			}
		}
	}
}

func startIMAP() (net.Listener, *imapserver.Server, error) {
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, password)
	if err := u.Create("INBOX", nil); err != nil {
		return nil, nil, err
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &memimap.Session{SessionIMAP4rev2: mem.NewSession().(imapserver.SessionIMAP4rev2)}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	return ln, srv, nil
}

func demoConfig(imapPort, smtpPort int, stateDir string) (*config.Config, error) {
	y := fmt.Sprintf(`imap:
  host: 127.0.0.1
  port: %d
  security: insecure
  username: %s
  password: %s
smtp:
  host: 127.0.0.1
  port: %d
  security: insecure
  from: "Cabinet Agostini <%s>"
senders:
  allow: ["partner@demo.example"]
  patients: ["*"]
reading_windows:
  timezone: Europe/Paris
  schedule: ["0 18 * * TUE", "0 10 * * SAT"]
  delivery: digest_and_release
emergency:
  alerts:
    - type: smtp
      to: ["+33600000000@sms.demo.example"]
      levels: [page, concern]
auto_reply:
  enabled: true
  once_per: 72h
  subject: "Message received"
  body: |
    Dear {{.SenderName}},

    Thank you for your message. I read my mail on Tuesdays and Saturdays; the next reading is {{.NextWindow}}.
    In an emergency, call 15 (SAMU) or 3114 (suicide prevention, 24/7), or 112.

    Dr Agostini
language: en
state_dir: %s
`, imapPort, user, password, smtpPort, user, stateDir)
	cfg, probs, err := config.Parse("demo.yaml", []byte(y))
	if err != nil {
		return nil, fmt.Errorf("demo configuration: %v: %s", err, strings.Join(probs.Lines(), "; "))
	}
	return cfg, nil
}

// dialer returns a function that APPENDs a message to INBOX with the given
// internal date, as an MTA would deliver it.
func dialer(addr string) (func(context.Context, []byte, time.Time) error, func(), error) {
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscanf(port, "%d", &p)
	opts := imapwatch.Options{Host: host, Port: p, Security: imapwatch.SecurityInsecure, Username: user,
		Password: func(context.Context) (string, error) { return password, nil }}
	s, err := imapwatch.Dial(context.Background(), opts)
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, raw []byte, t time.Time) error {
			_, err := s.Append(ctx, "INBOX", nil, t, raw)
			return err
		}, func() {
			s.Close()
		}, nil
}

func countFolders(ctx context.Context, addr string) (inbox, held int, err error) {
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscanf(port, "%d", &p)
	s, err := imapwatch.Dial(ctx, imapwatch.Options{Host: host, Port: p, Security: imapwatch.SecurityInsecure, Username: user,
		Password: func(context.Context) (string, error) { return password, nil }})
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	in, err := s.Status(ctx, "INBOX")
	if err != nil {
		return 0, 0, err
	}
	h, err := s.Status(ctx, config.DefaultHoldFolder)
	if err != nil {
		return 0, 0, err
	}
	return int(in.NumMessages), int(h.NumMessages), nil
}
