package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

const crashAlerts = 20

// TestKillNineRepeatsAtMostOneAlert kills a dispatcher process with SIGKILL
// right after the webhook accepted an alert (before the process can record
// it), restarts delivery from the same state and counts what arrived: every
// alert at least once, at most one alert twice.
func TestKillNineRepeatsAtMostOneAlert(t *testing.T) {
	if os.Getenv("BOUNDARY_NOTIFY_CHILD") != "" {
		crashChild()
		return
	}
	var (
		mu     sync.Mutex
		counts = map[string]int{}
		total  int
	)
	killNow := make(chan struct{})
	delivered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Not decodeJSON: t.Fatal must not run on the server's goroutine; a
		// bad body shows up as a wrong count instead.
		var a struct {
			MessageID string `json:"message_id"`
		}
		_ = json.Unmarshal([]byte(readAll(r)), &a)
		mu.Lock()
		counts[a.MessageID]++
		total++
		n := total
		mu.Unlock()
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		if n == 5 {
			close(killNow)
		}
		mu.Lock()
		if len(counts) == crashAlerts {
			select {
			case delivered <- struct{}{}:
			default:
			}
		}
		mu.Unlock()
	}))
	defer srv.Close()

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineRepeatsAtMostOneAlert$")
	cmd.Env = append(os.Environ(), "BOUNDARY_NOTIFY_CHILD=1", "BOUNDARY_DIR="+dir, "BOUNDARY_URL="+srv.URL)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-killNow:
	case <-time.After(waitFor):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child delivered fewer than 5 alerts")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	mu.Lock()
	before := total
	mu.Unlock()

	st := openStore(t, dir)
	defer st.Close()
	d, err := NewDispatcher(st, []Channel{newWebhookChannel(t, "webhook:0", srv.URL, "")}, fastOpts(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)
	select {
	case <-delivered:
	case <-time.After(waitFor):
		t.Fatal("not every alert delivered after restart")
	}
	// Re-enqueueing everything (as a re-scan would) must add nothing.
	for i := 0; i < crashAlerts; i++ {
		if n, err := d.Enqueue(crashAlert(i), GroupPrimary); err != nil || n != 0 {
			t.Errorf("re-enqueue %d added %d (%v)", i, n, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for id, c := range counts {
		if c > 1 {
			dups += c - 1
			t.Logf("%s delivered %d times", id, c)
		}
	}
	t.Logf("killed after %d deliveries; %d alerts, %d requests, %d duplicate(s)", before, len(counts), total, dups)
	if len(counts) != crashAlerts || dups > 1 {
		t.Errorf("got %d distinct alerts and %d duplicates; want %d and at most 1", len(counts), dups, crashAlerts)
	}
}

func crashAlert(i int) Alert {
	a := sampleAlert(fmt.Sprintf("key-%02d", i))
	a.MessageID = fmt.Sprintf("<m%02d@example.org>", i)
	return a
}

func crashChild() {
	st, err := openStoreErr(os.Getenv("BOUNDARY_DIR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ch, err := NewWebhook(WebhookConfig{Name: "webhook:0", URL: os.Getenv("BOUNDARY_URL"), Timeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	d, err := NewDispatcher(st, []Channel{ch}, fastOpts(quietLogger()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; i < crashAlerts; i++ {
		if _, err := d.Enqueue(crashAlert(i), GroupPrimary); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.Run(ctx)
	os.Exit(0)
}
