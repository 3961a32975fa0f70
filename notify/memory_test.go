package notify

import (
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/store"
)

// TestMemoryFallbackSentOnceAndRecorded: an alert kept in memory (the state
// refused to record it) is sent, retried after a failure, and recorded as
// delivered once it is sent; queued durably afterwards (the daemon handles
// the message again once its state works), it is not sent a second time.
func TestMemoryFallbackSentOnceAndRecorded(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	hook := newHookSink(t)
	hook.status.Store(503) // the first attempt fails
	ch := newWebhookChannel(t, "webhook:0", hook.srv.URL, FormatJSON)
	results := make(chan Result, 10)
	d, err := NewDispatcher(st, []Channel{ch}, DispatcherOptions{MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Observe: func(r Result) { results <- r }})
	if err != nil {
		t.Fatal(err)
	}
	stop := runDispatcher(t, d)
	defer stop()
	a := sampleAlert("m1#abc")
	if n, err := d.EnqueueMemory(a, GroupPrimary); err != nil || n != 1 {
		t.Fatalf("EnqueueMemory: %d, %v", n, err)
	}
	if n, _ := d.EnqueueMemory(a, GroupPrimary); n != 0 {
		t.Errorf("the same alert kept twice in memory")
	}
	if _, depth := d.Health(); depth != 1 {
		t.Errorf("depth with one alert in memory: %d", depth)
	}
	if r := recv(t, results, "first attempt"); r.Err == nil {
		t.Fatalf("first attempt did not fail: %+v", r)
	}
	hook.status.Store(200)
	recv(t, hook.reqs, "webhook alert sent from memory")
	if r := recv(t, results, "second attempt"); r.Err != nil || r.Attempt != 2 {
		t.Errorf("second attempt: %+v", r)
	}
	key, _ := a.Normalized()
	deadline := time.Now().Add(waitFor)
	for {
		var delivered bool
		if err := st.View(func(tx *store.Tx) error {
			_, delivered, err = tx.Delivered(key.DedupeKey(), "webhook:0")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if delivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delivery from memory was never recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, err := d.Enqueue(a, GroupPrimary); err != nil || n != 0 {
		t.Errorf("durable enqueue after the memory delivery added %d (%v), want 0", n, err)
	}
	expectNone(t, hook.reqs, "second webhook alert")
	if _, depth := d.Health(); depth != 0 {
		t.Errorf("depth after delivery: %d", depth)
	}
}
