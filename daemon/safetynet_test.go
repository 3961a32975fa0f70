package daemon

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/internal/testimap"
	"github.com/boundaryd/boundaryd/store"
)

const concernBody = "Last year I wanted to die, but now I am better. Just wanted you to know."

// safetyStart is a weekday morning in Paris, away from any reading window.
var safetyStart = time.Date(2026, 12, 2, 10, 0, 30, 0, time.FixedZone("CET", 3600))

// waitPost waits for the next webhook post (bounded).
func waitPost(t *testing.T, e *env, hook *webhookSink, what string) map[string]any {
	t.Helper()
	select {
	case b := <-hook.C:
		return b
	case <-time.After(waitLimit):
		t.Fatalf("no %s within %s\n%s", what, waitLimit, e.logs.String())
	}
	return nil
}

// quiet waits until the outbox is empty (every queued alert accepted), so
// that counting what the sinks received is final.
func quiet(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if _, depth := e.d.disp.Health(); depth == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("outbox not empty within %s", waitLimit)
}

// pageOf returns the page of the message raw, waiting (bounded) for cond.
func pageOf(t *testing.T, e *env, raw []byte, within time.Duration, cond func(store.Page) bool) (store.Page, bool) {
	t.Helper()
	id := messageIDOf(raw)
	deadline := time.Now().Add(within)
	for {
		var found store.Page
		ok := false
		_ = e.st.View(func(tx *store.Tx) error {
			ps, err := tx.Pages()
			for _, p := range ps {
				if strings.HasPrefix(p.Key, id+"#") {
					found, ok = p, true
				}
			}
			return err
		})
		if ok && cond(found) {
			return found, true
		}
		if time.Now().After(deadline) {
			return found, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConcernNotice: a held message with a near-miss (level concern) stays
// held, gets no page, and produces one early-look notice at the next review
// time, on the channels that take concern (the webhook, not SMTP).
func TestConcernNotice(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			clk := clock.NewFake(safetyStart)
			e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: "  review: [\"* * * * *\"]\n"})
			e.waitReady()
			raw := newMail("Ana Martin <ana@patients.example>", "news", concernBody)
			srv.deliver("INBOX", raw)
			if h := e.waitMessage(raw); h.Action != store.ActionHeld {
				t.Fatalf("concern message: action %s, want held", h.Action)
			}
			if _, ok := find(srv.Messages("Held"), raw); !ok {
				t.Fatal("concern message not in the hold folder")
			}
			clk.Advance(time.Minute)
			b := waitPost(t, e, e.hook, "early-look notice")
			if b["kind"] != "concern" || b["level"] != "concern" || b["from"] != "ana@patients.example" {
				t.Errorf("notice: %v", b)
			}
			if _, ok := b["excerpt"]; ok {
				t.Errorf("notice carries an excerpt without include_excerpt: %v", b)
			}
			if fmt.Sprint(b) != "" && strings.Contains(fmt.Sprint(b), "better") {
				t.Errorf("notice carries content: %v", b)
			}
			clk.Advance(time.Minute) // a second review: nothing new to tell
			quiet(t, e)
			pages, notices := len(e.smtp.Messages()), 1+len(e.hook.C)
			t.Logf("concern: %d early-look notice(s) on the webhook, %d SMTP page(s), rules %v", notices, pages, b["rules"])
			if pages != 0 || notices != 1 {
				t.Errorf("want 1 notice and 0 pages, got %d and %d", notices, pages)
			}
			if _, ok := find(srv.Messages("Held"), raw); !ok {
				t.Error("concern message left the hold folder")
			}
		})
	}
}

// TestPageRepeatThenBackup: a page nobody reads is sent again after
// repeat_after (repeat: 1), then to the backup channel, then nothing more.
func TestPageRepeatThenBackup(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			clk := clock.NewFake(safetyStart)
			backup := startWebhook(t)
			e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: fmt.Sprintf(
				"  repeat_after: 20s\n  repeat: 1\n  backup:\n    - type: webhook\n      url: %s\n", backup.url)})
			e.waitReady()
			raw := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
			srv.deliver("INBOX", raw)
			if b := waitPost(t, e, e.hook, "first page"); b["repeat"] != float64(0) || b["level"] != "page" {
				t.Errorf("first page: %v", b)
			}
			if _, ok := pageOf(t, e, raw, waitLimit, func(p store.Page) bool { return p.SeenFlagged || p.Repeats == 0 }); !ok {
				t.Fatal("no page recorded")
			}
			clk.Advance(20 * time.Second)
			if b := waitPost(t, e, e.hook, "repeat"); b["repeat"] != float64(1) {
				t.Errorf("repeat: %v", b)
			}
			clk.Advance(20 * time.Second)
			if b := waitPost(t, e, backup, "backup page"); b["repeat"] != float64(2) || b["from"] != "bob@patients.example" {
				t.Errorf("backup page: %v", b)
			}
			clk.Advance(20 * time.Second)
			clk.Advance(20 * time.Second)
			quiet(t, e)
			p, _ := pageOf(t, e, raw, 0, func(store.Page) bool { return true })
			primary, smtp, toBackup := 2+len(e.hook.C), len(e.smtp.Messages()), 1+len(backup.C)
			t.Logf("unread page: %d webhook posts (page + repeat), %d SMTP, %d to backup; page repeats=%d backup=%v",
				primary, smtp, toBackup, p.Repeats, p.Backup)
			if primary != 2 || smtp != 2 || toBackup != 1 || !p.Backup {
				t.Errorf("want 2 primary posts, 2 SMTP, 1 backup; got %d, %d, %d", primary, smtp, toBackup)
			}
		})
	}
}

// setSeen marks the message raw \Seen from another IMAP client, as the
// therapist's phone would.
func setSeen(t *testing.T, srv deliverer, raw []byte) {
	t.Helper()
	c, err := imapclient.DialInsecure(fmt.Sprintf("%s:%d", srv.Host(), srv.Port()), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(srv.User(), srv.Password()).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: messageIDOf(raw)}}}, nil).Wait()
	if err != nil || len(data.AllUIDs()) != 1 {
		t.Fatalf("search: %v %v", data, err)
	}
	var set imap.UIDSet
	set.AddNum(data.AllUIDs()...)
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.Logout().Wait()
}

// TestReadStopsRepeats: reading the message in another client acknowledges
// the page within seconds; no repeat, no backup follows.
func TestReadStopsRepeats(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			clk := clock.NewFake(safetyStart)
			backup := startWebhook(t)
			e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: fmt.Sprintf(
				"  repeat_after: 20s\n  repeat: 2\n  backup:\n    - type: webhook\n      url: %s\n", backup.url)})
			e.waitReady()
			raw := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
			srv.deliver("INBOX", raw)
			waitPost(t, e, e.hook, "first page")
			start := time.Now()
			setSeen(t, srv, raw)
			// The server's flag news (IDLE) wakes the daemon; without it the
			// check before the repeat finds the flag.
			p, acked := pageOf(t, e, raw, 5*time.Second, func(p store.Page) bool { return !p.Open() })
			took := time.Since(start)
			clk.Advance(20 * time.Second)
			if !acked {
				p, acked = pageOf(t, e, raw, waitLimit, func(p store.Page) bool { return !p.Open() })
			}
			for range 3 {
				clk.Advance(20 * time.Second)
			}
			quiet(t, e)
			repeats := len(e.hook.C)
			t.Logf("read in another client: acknowledged=%v by %q %v after \\Seen was set (before the repeat time: %v); repeats after it: %d, backup pages: %d",
				acked, p.AckedBy, took.Round(time.Millisecond), took < 5*time.Second, repeats, len(backup.C))
			if !acked || p.AckedBy != AckRead {
				t.Fatalf("page not acknowledged by reading: %+v", p)
			}
			if repeats != 0 || len(backup.C) != 0 || p.Repeats != 0 {
				t.Errorf("repeats went on after the message was read: %d repeats, %d backup", repeats, len(backup.C))
			}
		})
	}
}

// TestStorm: 500 emergency-like messages from one sender give at most 3
// pages per channel and all 500 are flagged; a second sender's page sent in
// the middle of them is delivered within 5 s.
func TestStorm(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			if testing.Short() {
				t.Skip("500 messages")
			}
			srv := mk(t)
			clk := clock.NewFake(safetyStart)
			e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: "  group_wait: 2m\n  max_pages_per_hour: 6\n"})
			e.waitReady()
			const n = 500
			// Posts are timed as they arrive, while the storm is still
			// being delivered.
			type timed struct {
				b  map[string]any
				at time.Time
			}
			posts := make(chan timed, 10000)
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case b := <-e.hook.C:
						posts <- timed{b, time.Now()}
					case <-stop:
						return
					}
				}
			}()
			next := func(what string) timed {
				select {
				case p := <-posts:
					return p
				case <-time.After(waitLimit):
					t.Fatalf("no %s within %s", what, waitLimit)
				}
				return timed{}
			}
			var second []byte
			var secondAt time.Time
			for i := range n {
				srv.deliver("INBOX", newMail("Storm <storm@patients.example>", fmt.Sprintf("again %d", i), emergencyBody))
				if i == n/2 {
					second = newMail("Real Patient <real@patients.example>", "help", emergencyBody)
					secondAt = time.Now()
					srv.deliver("INBOX", second)
				}
			}
			var secondLatency time.Duration
			stormPosts := 0
			for secondLatency == 0 {
				p := next("second sender's page")
				if p.b["from"] == "real@patients.example" {
					secondLatency = p.at.Sub(secondAt)
				} else {
					stormPosts++
				}
			}
			e.waitHandled(n + 1)
			clk.Advance(2 * time.Minute) // group_wait ends: one grouped page
			grouped := next("grouped page").b
			stormPosts++
			quiet(t, e)
			stormPosts += len(posts)
			smtpStorm := 0
			for _, m := range e.smtp.Messages() {
				if strings.Contains(string(m.Data), "storm@patients.example") {
					smtpStorm++
				}
			}
			// The flags as another client sees them (Dovecot's listing may
			// trail the last STOREs by a moment): bounded.
			flagged := 0
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				flagged = 0
				for _, m := range srv.Messages("INBOX") {
					if m.HasFlag(`\Flagged`) {
						flagged++
					}
				}
				if flagged == n+1 || time.Now().After(deadline) {
					break
				}
			}
			t.Logf("storm of %d: %d webhook pages and %d SMTP pages for the storm's sender (grouped count %v), %d of %d flagged; second sender's page delivered %v after its mail",
				n, stormPosts, smtpStorm, grouped["count"], flagged, n+1, secondLatency.Round(time.Millisecond))
			t.Logf("flags found lost and set again: %d", strings.Count(e.logs.String(), "lost its flag"))
			if stormPosts > 3 || smtpStorm > 3 {
				t.Errorf("too many pages for one sender: %d webhook, %d SMTP", stormPosts, smtpStorm)
			}
			if flagged != n+1 {
				t.Errorf("%d flagged, want %d", flagged, n+1)
				for _, m := range srv.Messages("INBOX") {
					if !m.HasFlag(`\Flagged`) {
						t.Logf("not flagged: uid %d flags %v %s; over IMAP: %v", m.UID, m.Flags, messageIDOf(m.Raw), imapFlags(t, srv, m.UID))
					}
				}
			}
			if secondLatency > 5*time.Second {
				t.Errorf("second sender's page took %v", secondLatency)
			}
		})
	}
}

// post sends POST path to the health server's handler with the daemon's
// actions.
func post(t *testing.T, e *env, path string) (int, string) {
	t.Helper()
	srv := &health.Server{Metrics: health.NewMetrics(e.clock), Checker: &health.Checker{}, Actions: e.d}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
	return rec.Code, rec.Body.String()
}

// TestActionLinks: POST /ack/<token> acknowledges a page (no repeat
// follows); POST /release/<token> moves an early-look notice's held message
// back to the inbox; an unknown token changes nothing.
func TestActionLinks(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			clk := clock.NewFake(safetyStart)
			const public = "https://bd.example.net"
			e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: "  review: [\"* * * * *\"]\n  repeat_after: 20s\n",
				extraYAML: "http:\n  listen: 127.0.0.1:0\n  public_url: " + public + "/\n"})
			e.waitReady()
			urgent := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
			worry := newMail("Ana Martin <ana@patients.example>", "news", concernBody)
			srv.deliver("INBOX", urgent)
			srv.deliver("INBOX", worry)
			e.waitHandled(2)
			// The links the phone gets are the ones in the alerts themselves.
			link := func(b map[string]any, action string) string {
				t.Helper()
				u, _ := b["action_url"].(string)
				if !strings.HasPrefix(u, public+"/"+action+"/") {
					t.Fatalf("alert %v: action_url %q, want %s/%s/<token>", b["kind"], u, public, action)
				}
				return strings.TrimPrefix(u, public)
			}
			ackPath := link(waitPost(t, e, e.hook, "first page"), "ack")
			if code, _ := post(t, e, "/ack/"+strings.Repeat("0", 32)); code != http.StatusNotFound {
				t.Errorf("unknown token: %d, want 404", code)
			}
			p, _ := pageOf(t, e, urgent, waitLimit, func(store.Page) bool { return true })
			if ackPath != "/ack/"+p.Token {
				t.Errorf("the page's link %s is not its token's", ackPath)
			}
			if code, body := post(t, e, ackPath); code != http.StatusOK {
				t.Fatalf("ack: %d %s", code, body)
			}
			clk.Advance(time.Minute) // repeat time and review time
			notice := waitPost(t, e, e.hook, "early-look notice")
			if notice["kind"] != "concern" {
				t.Fatalf("want the notice, got %v", notice)
			}
			code, body := post(t, e, link(notice, "release"))
			if code != http.StatusOK {
				t.Fatalf("release: %d %s", code, body)
			}
			quiet(t, e)
			p, _ = pageOf(t, e, urgent, 0, func(store.Page) bool { return true })
			_, inInbox := find(srv.Messages("INBOX"), worry)
			_, stillHeld := find(srv.Messages("Held"), worry)
			t.Logf("ack link: page acknowledged by %q, repeats %d, posts after it %d; release link: %q, concern in inbox %v, still held %v",
				p.AckedBy, p.Repeats, len(e.hook.C), strings.TrimSpace(body), inInbox, stillHeld)
			if p.AckedBy != AckLink || p.Repeats != 0 || len(e.hook.C) != 0 {
				t.Errorf("page after the ack link: %+v, %d more posts", p, len(e.hook.C))
			}
			if !inInbox || stillHeld {
				t.Errorf("released concern: in inbox %v, still held %v", inInbox, stillHeld)
			}
		})
	}
}

// TestHourlyCap: with max_pages_per_hour 2 (so 1 per sender), a second
// message of one sender and a third sender's message get no page of their
// own; all four are flagged, and once the hour is over one summary page
// names the first of them and says 1 more is flagged.
func TestHourlyCap(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	clk := clock.NewFake(safetyStart)
	e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: "  group_wait: 0s\n  max_pages_per_hour: 2\n"})
	e.waitReady()
	for _, from := range []string{"a@patients.example", "a@patients.example", "b@patients.example", "c@patients.example"} {
		raw := newMail(from, "help "+from, emergencyBody)
		srv.deliver("INBOX", raw)
		e.waitMessage(raw)
	}
	var from []any
	for range 2 {
		from = append(from, waitPost(t, e, e.hook, "page")["from"])
	}
	clk.Advance(time.Hour)
	summary := waitPost(t, e, e.hook, "summary page")
	quiet(t, e)
	flagged := 0
	for _, m := range srv.Messages("INBOX") {
		if m.HasFlag(`\Flagged`) {
			flagged++
		}
	}
	t.Logf("cap 2/hour: pages from %v, then a summary from %v with more=%v; %d of 4 flagged; %d other posts", from, summary["from"], summary["more"], flagged, len(e.hook.C))
	if fmt.Sprint(from) != "[a@patients.example b@patients.example]" || summary["more"] != float64(1) || summary["from"] != "a@patients.example" || flagged != 4 || len(e.hook.C) != 0 {
		t.Errorf("cap: pages %v, summary %v, flagged %d", from, summary, flagged)
	}
}

// TestCoverDuringPause: during a pause, a page and its repeat go to the
// pause's cover channel too; after the pause, a page does not.
func TestCoverDuringPause(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	clk := clock.NewFake(safetyStart) // Wednesday 2 December
	cover := startWebhook(t)
	e := startEnv(t, srv, envOpts{clock: clk, emergencyYAML: "  repeat_after: 20s\n  repeat: 1\n", windowsYAML: fmt.Sprintf(
		"  pauses:\n    - from: 2026-11-30\n      to: 2026-12-02\n      cover:\n        - type: webhook\n          url: %s\n", cover.url)})
	e.waitReady()
	srv.deliver("INBOX", newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody))
	waitPost(t, e, e.hook, "page")
	if b := waitPost(t, e, cover, "cover page"); b["repeat"] != float64(0) {
		t.Errorf("cover page: %v", b)
	}
	clk.Advance(20 * time.Second)
	waitPost(t, e, e.hook, "repeat")
	if b := waitPost(t, e, cover, "cover repeat"); b["repeat"] != float64(1) {
		t.Errorf("cover repeat: %v", b)
	}
	clk.Advance(24 * time.Hour) // Thursday: the pause is over
	srv.deliver("INBOX", newMail("Ann Lee <ann@patients.example>", "tonight", emergencyBody))
	waitPost(t, e, e.hook, "page after the pause")
	quiet(t, e)
	t.Logf("pause: cover got the page and its repeat; after the pause %d post(s) to cover", len(cover.C))
	if len(cover.C) != 0 {
		t.Errorf("cover still paged after the pause")
	}
}

func TestLevelOf(t *testing.T) {
	for _, c := range []struct {
		res  classify.Result
		want classify.Level
	}{
		{classify.Result{Verdict: "escalate"}, classify.LevelPage},
		{classify.Result{Verdict: "hold"}, classify.LevelNone},
		{classify.Result{Verdict: "hold", Suppressed: []classify.Suppression{{Reason: "past"}}}, classify.LevelConcern},
		{classify.Result{Verdict: "hold", Suppressed: []classify.Suppression{{Reason: "negated"}}}, classify.LevelConcern},
		{classify.Result{Verdict: "hold", Suppressed: []classify.Suppression{{Reason: "quoted"}, {Reason: "idiom"}}}, classify.LevelNone},
		{classify.Result{Verdict: "hold", Matches: []classify.Match{{Rule: "weak"}}}, classify.LevelConcern},
		{classify.Result{Verdict: "pass", Suppressed: []classify.Suppression{{Reason: "past"}}}, classify.LevelNone},
	} {
		if got := levelOf(&c.res); got != c.want {
			t.Errorf("levelOf(%+v) = %s, want %s", c.res, got, c.want)
		}
	}
}

func TestAckFromFlags(t *testing.T) {
	p := store.Page{}
	if how := ackFromFlags(&p, nil, true); how != "" || p.SeenFlagged {
		t.Errorf("not yet flagged: %q", how)
	}
	if how := ackFromFlags(&p, []string{`\Flagged`}, true); how != "" || !p.SeenFlagged {
		t.Errorf("flagged: %q", how)
	}
	if how := ackFromFlags(&p, nil, true); how != AckUnflagged {
		t.Errorf("unflagged: %q", how)
	}
	if how := ackFromFlags(&p, []string{`\Flagged`, `\Seen`}, true); how != AckRead {
		t.Errorf("read: %q", how)
	}
	if how := ackFromFlags(&p, nil, false); how != AckMoved {
		t.Errorf("gone: %q", how)
	}
}

// imapFlags reads a message's flags over IMAP, as a mail client sees them.
func imapFlags(t *testing.T, srv deliverer, uid uint32) []imap.Flag {
	c, err := imapclient.DialInsecure(fmt.Sprintf("%s:%d", srv.Host(), srv.Port()), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(srv.User(), srv.Password()).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	var set imap.UIDSet
	set.AddNum(imap.UID(uid))
	msgs, err := c.Fetch(set, &imap.FetchOptions{Flags: true, UID: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch flags: %v %v", msgs, err)
	}
	return msgs[0].Flags
}
