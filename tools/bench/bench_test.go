package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestQuickBench runs `go run ./tools/bench -quick` end to end against a real
// Dovecot so the bench cannot rot. It asserts outcomes (every emergency
// alerted and flagged, every benign message held, attachments not fetched),
// never timings: those belong to the bench, not to CI.
func TestQuickBench(t *testing.T) {
	missing, install := missingDeps()
	for _, m := range missing {
		if m == "imapfilter" {
			t.Logf("imapfilter not installed: its side of the bench is skipped (%s)", install)
			continue
		}
		if os.Getenv("BOUNDARY_REQUIRE_DOVECOT") == "1" {
			t.Fatalf("%s not found and BOUNDARY_REQUIRE_DOVECOT=1 (%s)", m, install)
		}
		t.Skipf("%s not found (%s); set BOUNDARY_REQUIRE_DOVECOT=1 to fail instead", m, install)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "results.json")
	o := options{quick: true, out: out, seed: 7, logw: testWriter{t}}
	o.scenarios, _ = parseScenarios("latency,backlog,idle,memory,classify")
	rep, err := run(ctx, o)
	if rep == nil {
		t.Fatalf("bench: %v", err)
	}
	if err != nil {
		t.Errorf("bench: %v", err)
	}
	if err := rep.writeJSON(out); err != nil {
		t.Fatal(err)
	}
	imf := len(missing) == 0

	l := rep.Latency
	if l == nil || l.Emergencies == 0 || l.Benign == 0 {
		t.Fatalf("latency scenario did not run: %+v", l)
	}
	bd := l.Boundaryd
	if bd.Alert.N != l.Emergencies || len(bd.MissingAlert) > 0 {
		t.Errorf("boundaryd alerted %d of %d emergencies (missing %v)", bd.Alert.N, l.Emergencies, bd.MissingAlert)
	}
	if bd.AlertWebhook.N != l.Emergencies {
		t.Errorf("webhook got %d of %d alerts", bd.AlertWebhook.N, l.Emergencies)
	}
	if bd.Flagged.N != l.Emergencies || bd.WrongHeld != 0 {
		t.Errorf("boundaryd flagged %d of %d emergencies, held %d of them", bd.Flagged.N, l.Emergencies, bd.WrongHeld)
	}
	if bd.Held.N != l.Benign || bd.WrongFlagged != 0 {
		t.Errorf("boundaryd held %d of %d benign messages, flagged %d of them", bd.Held.N, l.Benign, bd.WrongFlagged)
	}
	if l.IdleFloor.N == 0 {
		t.Errorf("Dovecot IDLE floor not measured")
	}
	if imf && (l.Imapfilter.Flagged.N != l.Emergencies || l.Imapfilter.Held.N != l.Benign) {
		t.Errorf("imapfilter flagged %d/%d, held %d/%d: its configuration does not do the same job",
			l.Imapfilter.Flagged.N, l.Emergencies, l.Imapfilter.Held.N, l.Benign)
	}

	b := rep.Backlog
	if b == nil || b.Messages == 0 || b.Emergencies == 0 || b.WithAttachment == 0 {
		t.Fatalf("backlog scenario did not run with emergencies and attachments: %+v", b)
	}
	if b.Boundaryd.Error != "" || !b.Boundaryd.Complete {
		t.Errorf("boundaryd backlog incomplete (%d of %d): %s", b.Boundaryd.Handled, b.Messages, b.Boundaryd.Error)
	}
	benign := b.Messages - b.Emergencies
	if b.Boundaryd.Flagged != b.Emergencies || b.Boundaryd.InboxLeft != b.Emergencies || b.Boundaryd.Held != benign || b.Boundaryd.Alerts != b.Emergencies {
		t.Errorf("boundaryd backlog outcome: %+v; want %d flagged and alerted, %d held", b.Boundaryd, b.Emergencies, benign)
	}
	if b.Boundaryd.BytesFromIM >= b.MailboxBytes-b.AttachBytes/2 {
		t.Errorf("boundaryd fetched %d bytes of a %d-byte mailbox with %d attachment bytes: attachments downloaded?",
			b.Boundaryd.BytesFromIM, b.MailboxBytes, b.AttachBytes)
	}
	if imf && (b.Imapfilter.Flagged != b.Emergencies || b.Imapfilter.Held != benign) {
		t.Errorf("imapfilter backlog outcome: %+v", b.Imapfilter)
	}

	if i := rep.Idle; i == nil || i.Boundaryd.Error != "" || i.Boundaryd.RSSMaxKB == 0 || i.Boundaryd.GoroutinesT0 == 0 {
		t.Errorf("idle scenario: %+v", i)
	}
	if m := rep.Memory; m == nil || m.Big.Error != "" || m.Small.Error != "" || m.Big.PeakRSSKB == 0 {
		t.Errorf("memory scenario: %+v", m)
	} else if m.Big.BytesFetched > m.Big.MessageBytes/10 {
		t.Errorf("a %d-byte message cost %d bytes of fetch: its attachment was downloaded", m.Big.MessageBytes, m.Big.BytesFetched)
	}
	if c := rep.Classify; c == nil || len(c.Cases) == 0 || c.Cases[0].MBPerS == 0 {
		t.Errorf("classification benchmark not parsed: %+v", c)
	}
	if len(rep.Rows) == 0 {
		t.Errorf("empty table")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
