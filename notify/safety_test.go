package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/store"
)

func pageOf(key, from string, repeat int) Alert {
	a := sampleAlert(key)
	a.FromAddr, a.Repeat = from, repeat
	return a
}

func concernOf(key string) Alert {
	a := sampleAlert(key)
	a.Kind, a.Level = KindConcern, LevelConcern
	return a
}

func newDispatcherGroups(t *testing.T, st *store.Store, groups []ChannelGroup, opts DispatcherOptions) *Dispatcher {
	t.Helper()
	d, err := NewGroupedDispatcher(st, groups, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A concern reaches only the channels that take concern (the webhook by
// default, never the SMS); a page reaches the channels that take pages.
func TestLevelsRouting(t *testing.T) {
	ms := smtpsink.Start(t)
	all := newHookSink(t)
	concernOnly := newHookSink(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	onlyConcern, err := NewWebhook(WebhookConfig{Name: "webhook:2", URL: concernOnly.srv.URL, Levels: []Level{LevelConcern}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	opts, results := observed(fastOpts(quietLogger()))
	d := newDispatcherGroups(t, st, []ChannelGroup{{GroupPrimary, []Channel{
		newSMTPChannel(t, "smtp:0", relayConfig(ms)), newWebhookChannel(t, "webhook:1", all.srv.URL, ""), onlyConcern,
	}}}, opts)
	runDispatcher(t, d)

	if got := d.Targets(LevelConcern, GroupPrimary); strings.Join(got, " ") != "webhook:1 webhook:2" {
		t.Errorf("concern targets = %v", got)
	}
	if n, err := d.Enqueue(concernOf("c1"), GroupPrimary); err != nil || n != 2 {
		t.Fatalf("concern: Enqueue = %d, %v; want 2 (both webhooks, not the SMS)", n, err)
	}
	for _, h := range []*hookSink{all, concernOnly} {
		j := decodeJSON(t, recv(t, h.reqs, "concern on a webhook").body)
		if j["level"] != "concern" || j["kind"] != "concern" {
			t.Errorf("concern body: level %v kind %v", j["level"], j["kind"])
		}
	}
	recv(t, results, "attempt")
	recv(t, results, "attempt")
	if n, err := d.Enqueue(sampleAlert("p1"), GroupPrimary); err != nil || n != 2 {
		t.Fatalf("page: Enqueue = %d, %v; want 2 (SMS and the webhook taking pages)", n, err)
	}
	recv(t, ms.C, "page by SMS")
	if j := decodeJSON(t, recv(t, all.reqs, "page on the webhook").body); j["level"] != "page" || j["kind"] != "emergency" {
		t.Errorf("page body: level %v kind %v", j["level"], j["kind"])
	}
	expectNone(t, concernOnly.reqs, "page on the concern-only webhook")
	if got := len(ms.Messages()); got != 1 {
		t.Errorf("SMS got %d messages, want the page only", got)
	}
	if n, err := d.Enqueue(Alert{Key: "test-1", Kind: KindTest}, GroupPrimary); err != nil || n != 3 {
		t.Errorf("test alert: Enqueue = %d, %v; want every channel (3) whatever its levels", n, err)
	}
	recv(t, concernOnly.reqs, "test alert on the concern-only webhook")
	recv(t, ms.C, "test alert by SMS")
	t.Logf("concern -> 2 webhooks, 0 SMS; page -> SMS + 1 webhook; test -> all 3")
}

// Backup and cover channels get an alert only when their group is named.
func TestGroupsOnlyWhenTargeted(t *testing.T) {
	primary, backup, cover := newHookSink(t), newHookSink(t), newHookSink(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	d := newDispatcherGroups(t, st, []ChannelGroup{
		{GroupPrimary, []Channel{newWebhookChannel(t, "webhook:0", primary.srv.URL, "")}},
		{GroupBackup, []Channel{newWebhookChannel(t, "backup:webhook:0", backup.srv.URL, "")}},
		{CoverGroup(0), []Channel{newWebhookChannel(t, "cover0:webhook:0", cover.srv.URL, "")}},
	}, fastOpts(quietLogger()))
	runDispatcher(t, d)

	if _, err := d.Enqueue(sampleAlert("k")); err == nil {
		t.Error("Enqueue without a group accepted")
	}
	if n, _ := d.Enqueue(sampleAlert("k"), GroupPrimary); n != 1 {
		t.Fatalf("primary: %d entries", n)
	}
	recv(t, primary.reqs, "first page on primary")
	if n, _ := d.Enqueue(pageOf("k", "ana@example.org", 1), GroupPrimary); n != 1 {
		t.Fatalf("repeat: %d entries", n)
	}
	if j := decodeJSON(t, recv(t, primary.reqs, "repeat on primary").body); j["repeat"] != 1.0 {
		t.Errorf("repeat = %v", j["repeat"])
	}
	if n, _ := d.Enqueue(pageOf("k", "ana@example.org", 3), GroupBackup); n != 1 {
		t.Fatalf("backup: %d entries", n)
	}
	if j := decodeJSON(t, recv(t, backup.reqs, "page on backup").body); j["repeat"] != 3.0 {
		t.Errorf("backup repeat = %v", j["repeat"])
	}
	if n, _ := d.Enqueue(sampleAlert("k2"), GroupPrimary, CoverGroup(0)); n != 2 {
		t.Fatalf("primary+cover: %d entries", n)
	}
	recv(t, primary.reqs, "page on primary during a pause")
	recv(t, cover.reqs, "page on cover")
	if n, _ := d.Enqueue(sampleAlert("k3"), CoverGroup(7)); n != 0 {
		t.Errorf("a group with no channel got %d entries", n)
	}
	expectNone(t, backup.reqs, "extra backup request")
	expectNone(t, cover.reqs, "extra cover request")
}

// ntfy: a page rings (urgent, siren), a concern is quiet (low, eyes), a
// repeat says which notice it is, and the click link is sent when set.
func TestNtfyHeadersPerLevel(t *testing.T) {
	hk := newHookSink(t)
	w, err := NewWebhook(WebhookConfig{Name: "ntfy", URL: hk.srv.URL, Format: FormatNtfy, Click: "https://mail.example.org/", Location: paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a                     Alert
		priority, tags, title string
	}{
		{sampleAlert("p"), "urgent", "rotating_light", "EMERGENCY: message from Ana Dupont <ana@example.org>"},
		{pageOf("p", "ana@example.org", 1), "urgent", "rotating_light,repeat", "EMERGENCY (2nd notice): message from Ana Dupont <ana@example.org>"},
		{concernOf("c"), "low", "eyes", "Early look: message from Ana Dupont <ana@example.org>"},
		{Alert{Key: "t", Kind: KindTest}, "urgent", "rotating_light,test_tube", "TEST: boundaryd test alert, nothing to do"},
	} {
		if err := w.Send(context.Background(), tc.a); err != nil {
			t.Fatal(err)
		}
		r := recv(t, hk.reqs, "ntfy request")
		title, _ := new(mime.WordDecoder).DecodeHeader(r.header.Get("Title"))
		if p, tg, c := r.header.Get("Priority"), r.header.Get("Tags"), r.header.Get("Click"); p != tc.priority || tg != tc.tags || c != "https://mail.example.org/" || title != tc.title {
			t.Errorf("%s/%s: Priority %q Tags %q Click %q Title %q; want %q %q %q", tc.a.Kind, tc.a.Level, p, tg, c, title, tc.priority, tc.tags, tc.title)
		}
	}
	if _, err := NewWebhook(WebhookConfig{Name: "j", URL: hk.srv.URL, Click: "https://mail.example.org/"}); err == nil {
		t.Error("click accepted on a JSON webhook")
	}
	if _, err := NewWebhook(WebhookConfig{Name: "n", URL: hk.srv.URL, Format: FormatNtfy, Click: "javascript:alert(1)"}); err == nil {
		t.Error("a click link that is not https accepted")
	}
}

// The JSON webhook always carries kind, level and repeat; count and more
// only when messages were folded or left out.
func TestJSONSafetyFields(t *testing.T) {
	hk := newHookSink(t)
	w := newWebhookChannel(t, "webhook:0", hk.srv.URL, FormatJSON)
	if err := w.Send(context.Background(), sampleAlert("k")); err != nil {
		t.Fatal(err)
	}
	j := decodeJSON(t, recv(t, hk.reqs, "first page").body)
	if j["kind"] != "emergency" || j["level"] != "page" || j["repeat"] != 0.0 {
		t.Errorf("first page: kind %v level %v repeat %v", j["kind"], j["level"], j["repeat"])
	}
	for _, k := range []string{"count", "more"} {
		if _, ok := j[k]; ok {
			t.Errorf("first page carries %s = %v", k, j[k])
		}
	}
	a := pageOf("k", "ana@example.org", 2)
	a.Count, a.More = 3, 12
	if err := w.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	j = decodeJSON(t, recv(t, hk.reqs, "folded summary").body)
	if j["repeat"] != 2.0 || j["count"] != 3.0 || j["more"] != 12.0 {
		t.Errorf("summary: repeat %v count %v more %v", j["repeat"], j["count"], j["more"])
	}
	if text, _ := j["text"].(string); !strings.Contains(text, "3rd notice") || !strings.Contains(text, "3 messages from this person") || !strings.Contains(text, "And 12 more flagged") {
		t.Errorf("summary text:\n%s", text)
	}
}

// The SMTP alert says page or concern, the notice number and the folded
// count, in both languages; a repeat has a Message-ID of its own.
func TestSMTPAlertWords(t *testing.T) {
	ms := smtpsink.Start(t)
	ch := newSMTPChannel(t, "smtp:0", relayConfig(ms))
	folded := pageOf("k", "ana@example.org", 1)
	folded.Count = 3
	frConcern := concernOf("k")
	frConcern.Lang = "fr"
	frFolded := folded
	frFolded.Lang = "fr"
	for _, tc := range []struct {
		a               Alert
		subject, prio   string
		body            []string
		wantSameMsgIDAs *Alert
	}{
		{sampleAlert("k"), "EMERGENCY: message from Ana Dupont <ana@example.org>", "1", []string{"EMERGENCY (boundaryd): a message matched"}, nil},
		{folded, "EMERGENCY (2nd notice): 3 messages from Ana Dupont <ana@example.org>", "1", []string{"3 messages from this person", "2nd notice: not yet seen"}, nil},
		{frFolded, "URGENCE (2e avis) : 3 messages de Ana Dupont <ana@example.org>", "1", []string{"3 messages de cette personne", "2e avis : pas encore vu"}, nil},
		{concernOf("k"), "Early look: message from Ana Dupont <ana@example.org>", "3", []string{"below an emergency", "in the hold folder"}, nil},
		{frConcern, "À regarder : message de Ana Dupont <ana@example.org>", "3", []string{"sans être une urgence", "dossier des messages retenus"}, nil},
	} {
		raw, err := ch.Message(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		h, body := mailBody(t, string(raw))
		subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
		if subject != tc.subject || h.Get("X-Priority") != tc.prio {
			t.Errorf("subject %q X-Priority %s; want %q %s", subject, h.Get("X-Priority"), tc.subject, tc.prio)
		}
		for _, want := range tc.body {
			if !strings.Contains(body, want) {
				t.Errorf("%q: body lacks %q:\n%s", tc.subject, want, body)
			}
		}
	}
	first, _ := ch.Message(sampleAlert("k"))
	again, _ := ch.Message(pageOf("k", "ana@example.org", 1))
	h1, _ := mailBody(t, string(first))
	h2, _ := mailBody(t, string(again))
	if h1.Get("Message-Id") == h2.Get("Message-Id") {
		t.Error("a repeat has the first page's Message-ID: a receiver could drop it as a duplicate")
	}
	if err := ch.Send(context.Background(), folded); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, ms.C, "folded page"); !strings.Contains(string(m.Data), "X-Boundary-Kind: alert") {
		t.Errorf("sent alert lacks X-Boundary-Kind")
	}
}

// statusHook answers each request with the next status of a script (the
// last one for ever) and records the bodies it answered 2xx to.
type statusHook struct {
	srv   *httptest.Server
	mu    sync.Mutex
	codes []int
	n     atomic.Int32
	ok    chan string
}

func newStatusHook(t *testing.T, codes ...int) *statusHook {
	h := &statusHook{codes: codes, ok: make(chan string, 1000)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := readAll(r)
		i := int(h.n.Add(1)) - 1
		h.mu.Lock()
		code := h.codes[min(i, len(h.codes)-1)]
		h.mu.Unlock()
		if code < 300 {
			h.ok <- body
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *statusHook) set(codes ...int) {
	h.mu.Lock()
	h.codes = codes
	h.mu.Unlock()
	h.n.Store(0)
}

// A 4xx other than 408/429 is refused for good: one attempt, logged at
// error, recorded as failed on the message's history, dropped, the channel
// marked broken; the SMTP channel still delivers; a later success clears
// the mark.
func TestPermanentRefusal(t *testing.T) {
	for _, code := range []int{401, 403, 404, 410} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			ms := smtpsink.Start(t)
			hk := newStatusHook(t, code)
			st := openStore(t, t.TempDir())
			defer st.Close()
			if _, err := st.AppendAudit(store.AuditEntry{Key: "k1", Verdict: "escalate"}); err != nil {
				t.Fatal(err)
			}
			logs := newLogCapture()
			opts, results := observed(fastOpts(slog.New(logs)))
			d := newDispatcherGroups(t, st, []ChannelGroup{{GroupPrimary, []Channel{
				newSMTPChannel(t, "smtp:0", relayConfig(ms)), newWebhookChannel(t, "webhook:1", hk.srv.URL, ""),
			}}}, opts)
			runDispatcher(t, d)
			if n, _ := d.Enqueue(sampleAlert("k1"), GroupPrimary); n != 2 {
				t.Fatalf("%d entries", n)
			}
			recv(t, ms.C, "SMS while the webhook refuses")
			var refused Result
			for i := 0; i < 2; i++ {
				if r := recv(t, results, "attempt"); r.Channel == "webhook:1" {
					refused = r
				}
			}
			if !refused.Permanent || refused.Err == nil {
				t.Fatalf("webhook result %+v, want a permanent refusal", refused)
			}
			line := recv(t, logs.errors, "error log of the refusal")
			if !strings.Contains(line, "refused the alert for good") || !strings.Contains(line, fmt.Sprint(code)) {
				t.Errorf("error log %q", line)
			}
			var broken ChannelStatus
			for _, s := range d.Status() {
				if s.Name == "webhook:1" {
					broken = s
				}
			}
			if !broken.Broken() || !strings.Contains(broken.BrokenError, fmt.Sprint(code)) {
				t.Errorf("status %+v, want broken with HTTP %d", broken, code)
			}
			if pending, _ := st.OutboxPending(""); len(pending) != 0 {
				t.Errorf("refused entry still pending: %+v", pending)
			}
			audit, _ := st.Audit(time.Time{})
			if len(audit) != 1 || len(audit[0].AlertsFailed) != 1 || audit[0].AlertsFailed[0].Channel != "webhook:1" || len(audit[0].Alerts) != 1 {
				t.Errorf("audit %+v, want the SMS delivered and the webhook failed", audit)
			}
			if n, _ := d.Enqueue(sampleAlert("k1"), GroupPrimary); n != 0 {
				t.Errorf("a refused alert was queued again (%d)", n)
			}
			if got := hk.n.Load(); got != 1 {
				t.Errorf("webhook asked %d times, want once", got)
			}
			// A restart does not hide the broken channel.
			again := newDispatcherGroups(t, st, []ChannelGroup{{GroupPrimary, []Channel{newWebhookChannel(t, "webhook:1", hk.srv.URL, "")}}}, opts)
			if s := again.Status()[0]; !s.Broken() || s.BrokenError != broken.BrokenError {
				t.Errorf("after a restart: %+v, want still broken", s)
			}
			hk.set(200)
			d.Enqueue(sampleAlert("k2"), GroupPrimary)
			recv(t, hk.ok, "delivery after the fix")
			recv(t, results, "attempt")
			recv(t, results, "attempt")
			for _, s := range d.Status() {
				if s.Broken() {
					t.Errorf("%s still broken after a success", s.Name)
				}
			}
		})
	}
}

// 5xx, 408 and 429 are retried with backoff until accepted; none marks
// the channel broken.
func TestTransientRetriedThenDelivered(t *testing.T) {
	hk := newStatusHook(t, 500, 503, 408, 429, 200)
	st := openStore(t, t.TempDir())
	defer st.Close()
	opts, results := observed(fastOpts(quietLogger()))
	d := newDispatcherGroups(t, st, []ChannelGroup{{GroupPrimary, []Channel{newWebhookChannel(t, "webhook:0", hk.srv.URL, "")}}}, opts)
	runDispatcher(t, d)
	d.Enqueue(sampleAlert("k"), GroupPrimary)
	recv(t, hk.ok, "delivery after retries")
	for i := 0; i < 5; i++ {
		r := recv(t, results, "attempt")
		if r.Permanent {
			t.Errorf("attempt %d counted permanent: %v", r.Attempt, r.Err)
		}
		if i == 4 && (r.Err != nil || r.Attempt != 5) {
			t.Errorf("last attempt %+v", r)
		}
		if i < 4 && d.Status()[0].Broken() {
			t.Error("a transient failure marked the channel broken")
		}
	}
}

// An SMTP 5xx is refused for good; a 4xx is retried.
func TestSMTPPermanentAndTransient(t *testing.T) {
	ms := smtpsink.Start(t)
	ch := newSMTPChannel(t, "smtp:0", relayConfig(ms))
	ms.Fail(1, smtpsink.Fault{Code: 550, Stage: smtpsink.AtRcpt})
	if err := ch.Send(context.Background(), sampleAlert("k")); !IsPermanent(err) {
		t.Errorf("550: %v, want permanent", err)
	}
	ms.Fail(1, smtpsink.Fault{Code: 451, Stage: smtpsink.AtMail})
	if err := ch.Send(context.Background(), sampleAlert("k")); err == nil || IsPermanent(err) {
		t.Errorf("451: %v, want a transient error", err)
	}
	if err := ch.Send(context.Background(), sampleAlert("k")); err != nil {
		t.Errorf("healed: %v", err)
	}
}

// Fairness: one sender's 300 repeats queued, then another sender's first
// page: it is the next one sent, and first pages go oldest first.
func TestFirstPageBeforeRepeats(t *testing.T) {
	gate := make(chan struct{})
	var (
		mu    sync.Mutex
		order []string
		first = make(chan struct{})
		seen  = make(chan string, 400)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			From   string `json:"from"`
			Repeat int    `json:"repeat"`
		}
		_ = json.Unmarshal([]byte(readAll(r)), &b)
		mu.Lock()
		order = append(order, fmt.Sprintf("%s#%d", b.From, b.Repeat))
		n := len(order)
		mu.Unlock()
		if n == 1 {
			close(first)
			<-gate
		}
		w.WriteHeader(200)
		seen <- b.From
	}))
	defer srv.Close()
	st := openStore(t, t.TempDir())
	defer st.Close()
	d := newDispatcherGroups(t, st, []ChannelGroup{{GroupPrimary, []Channel{newWebhookChannel(t, "webhook:0", srv.URL, "")}}}, fastOpts(quietLogger()))
	const floods = 300
	if err := st.Update(func(tx *store.Tx) error {
		for i := 0; i < floods; i++ {
			if _, err := d.EnqueueTx(tx, pageOf(fmt.Sprintf("a%d", i), "a@example.org", 1), GroupPrimary); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)
	recv(t, first, "first repeat in flight")
	t0 := time.Now()
	d.Enqueue(pageOf("b", "b@example.org", 0), GroupPrimary)
	d.Enqueue(pageOf("c", "c@example.org", 0), GroupPrimary)
	close(gate)
	recv(t, seen, "the repeat in flight")
	if got := recv(t, seen, "next request"); got != "b@example.org" {
		t.Fatalf("next sent: %s, want b's first page", got)
	}
	waited := time.Since(t0)
	if got := recv(t, seen, "request after b"); got != "c@example.org" {
		t.Errorf("after b: %s, want c's first page (first pages oldest first)", got)
	}
	for i := 0; i < floods-1; i++ {
		recv(t, seen, "the remaining repeats")
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("B's first page sent right after the repeat in flight, %v after it was queued, ahead of %d repeats", waited.Round(time.Millisecond), floods-1)
	if len(order) != floods+2 {
		t.Errorf("%d requests, want %d", len(order), floods+2)
	}
}

// A repeat has its own outbox key: queued twice across a reopen of the
// store (the daemon crashed between queueing it and recording that it
// did), it is one entry, sent once.
func TestRepeatKeyCrashSafe(t *testing.T) {
	dir := t.TempDir()
	hk := newHookSink(t)
	groups := func() []ChannelGroup {
		return []ChannelGroup{{GroupPrimary, []Channel{newWebhookChannel(t, "webhook:0", hk.srv.URL, "")}}}
	}
	st := openStore(t, dir)
	d := newDispatcherGroups(t, st, groups(), fastOpts(quietLogger()))
	for _, a := range []Alert{sampleAlert("k"), pageOf("k", "ana@example.org", 1)} {
		if n, err := d.Enqueue(a, GroupPrimary); err != nil || n != 1 {
			t.Fatalf("repeat %d: Enqueue = %d, %v", a.Repeat, n, err)
		}
	}
	st.Close()

	st = openStore(t, dir)
	defer st.Close()
	d = newDispatcherGroups(t, st, groups(), fastOpts(quietLogger()))
	if n, err := d.Enqueue(pageOf("k", "ana@example.org", 1), GroupPrimary); err != nil || n != 0 {
		t.Fatalf("same repeat after reopen: Enqueue = %d, %v; want 0", n, err)
	}
	if pending, _ := st.OutboxPending(""); len(pending) != 2 || pending[1].Key != "k#r1" {
		t.Fatalf("pending %+v, want the first page and one repeat", pending)
	}
	runDispatcher(t, d)
	got := map[float64]int{}
	for i := 0; i < 2; i++ {
		got[decodeJSON(t, recv(t, hk.reqs, "delivery").body)["repeat"].(float64)]++
	}
	if n, _ := d.Enqueue(pageOf("k", "ana@example.org", 1), GroupPrimary); n != 0 {
		t.Errorf("delivered repeat queued again")
	}
	if n, _ := d.Enqueue(pageOf("k", "ana@example.org", 2), GroupPrimary); n != 1 {
		t.Errorf("second repeat not queued")
	}
	recv(t, hk.reqs, "second repeat")
	expectNone(t, hk.reqs, "a duplicate")
	if got[0] != 1 || got[1] != 1 {
		t.Errorf("deliveries by repeat %v, want one each", got)
	}
}

// TestNtfyActionButton: with an action link, ntfy shows one POST button
// (acknowledge a page, release a concern notice's messages), cleared once
// tapped; a link that could break the header's syntax is left out, and a
// test page has none.
func TestNtfyActionButton(t *testing.T) {
	hk := newHookSink(t)
	w, err := NewWebhook(WebhookConfig{Name: "ntfy", URL: hk.srv.URL, Format: FormatNtfy, Location: paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	page := sampleAlert("p")
	page.ActionURL = "https://bd.example.net/ack/0123abcd"
	concern := concernOf("c")
	concern.ActionURL = "https://bd.example.net/release/4567ef"
	concern.Lang = "fr"
	broken := sampleAlert("b")
	broken.ActionURL = "https://bd.example.net/ack/x, method=GET"
	test := Alert{Key: "t", Kind: KindTest, ActionURL: "https://bd.example.net/ack/t"}
	for _, tc := range []struct {
		a    Alert
		want string
	}{
		{page, "http, Acknowledge, https://bd.example.net/ack/0123abcd, method=POST, clear=true"},
		{concern, "http, Remettre dans la boîte, https://bd.example.net/release/4567ef, method=POST, clear=true"},
		{broken, ""},
		{test, ""},
		{sampleAlert("none"), ""},
	} {
		if err := w.Send(context.Background(), tc.a); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, hk.reqs, "ntfy request").header.Get("Actions"); got != tc.want {
			t.Errorf("%s: Actions %q, want %q", tc.a.Key, got, tc.want)
		}
	}
}
