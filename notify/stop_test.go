package notify

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
)

// TestStopLetsAttemptInFlightFinish: the receiver has read the alert when
// the stop begins and answers only after that. The attempt gets its
// answer, is recorded as delivered before Run returns, and the next start
// has nothing to send: the alert is not paged twice. (Before StopGrace the
// stop cut the request at once; the entry stayed pending and the next
// start sent the same alert again, the duplicate seen in
// TestServerMatrix/memory/restart under load.)
func TestStopLetsAttemptInFlightFinish(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 10)
	hangUps := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- readAll(r)
		<-ctx.Done() // the stop has begun
		// Answer unless the client hangs up first (what a stop that cuts
		// the attempt does); the bound only limits how long that is looked
		// for.
		select {
		case <-r.Context().Done():
			hangUps <- struct{}{}
			return
		case <-time.After(300 * time.Millisecond):
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	st := openStore(t, dir)
	defer st.Close()
	opts, results := observed(fastOpts(quietLogger()))
	opts.StopGrace = waitFor
	d, err := NewDispatcher(st, []Channel{newWebhookChannel(t, "webhook:1", srv.URL, "")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	if _, err := d.Enqueue(sampleAlert("k1"), GroupPrimary); err != nil {
		t.Fatal(err)
	}
	recv(t, got, "webhook request")
	cancel()
	select {
	case <-done:
	case <-time.After(2 * waitFor):
		t.Fatal("dispatcher did not stop")
	}
	select {
	case <-hangUps:
		t.Error("the stop cut the attempt in flight: the receiver had the alert, the daemon did not record it")
	default:
	}
	select {
	case r := <-results:
		if r.Err != nil {
			t.Errorf("attempt in flight at stop: %v, want accepted", r.Err)
		}
	default:
		t.Error("the attempt in flight at stop was not recorded")
	}
	pending, err := st.OutboxPending("")
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Fatalf("after the stop %d entries pending (first: %s on %s): the next start would page again", len(pending), pending[0].Key, pending[0].Channel)
	}

	// The next start: nothing is sent again.
	d2, err := NewDispatcher(st, []Channel{newWebhookChannel(t, "webhook:1", srv.URL, "")}, fastOpts(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d2)
	d2.Kick()
	expectNone(t, got, "webhook resend after restart")
}

// TestStopCutsSMTPAfterGrace: a relay that never answers the end of DATA
// (it has the whole message) does not hold the stop beyond StopGrace; the
// entry stays pending and uncounted, sent again at the next start, and the
// stop says so in the log.
func TestStopCutsSMTPAfterGrace(t *testing.T) {
	ms := smtpsink.Start(t)
	ms.Fail(-1, smtpsink.Fault{Stage: smtpsink.AtData, Hang: true})
	cfg := relayConfig(ms)
	cfg.Timeout = time.Minute
	st := openStore(t, t.TempDir())
	defer st.Close()
	started := make(chan struct{}, 1)
	logs := newLogCapture()
	opts := fastOpts(slog.New(logs))
	opts.StopGrace = 200 * time.Millisecond
	d, err := NewDispatcher(st, []Channel{observedChannel{newSMTPChannel(t, "smtp:0", cfg), started}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := runDispatcher(t, d)
	if _, err := d.Enqueue(sampleAlert("k"), GroupPrimary); err != nil {
		t.Fatal(err)
	}
	recv(t, started, "send start")
	t0 := time.Now()
	stop()
	if el := time.Since(t0); el > opts.StopGrace+time.Second {
		t.Errorf("stop took %v with a relay that never answers (grace %v)", el, opts.StopGrace)
	}
	if pending, _ := st.OutboxPending(""); len(pending) != 1 || pending[0].Attempts != 0 {
		t.Errorf("an attempt cut by the stop must stay pending and uncounted: %+v", pending)
	}
	var cut bool
	for _, l := range logs.all() {
		cut = cut || strings.Contains(l, "sent again at the next start")
	}
	if !cut {
		t.Errorf("the cut attempt was not logged:\n%s", strings.Join(logs.all(), "\n"))
	}
}
