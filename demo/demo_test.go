package demo

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestDemoWeek plays the demo week at full speed and checks what happened
// (not how it was told).
func TestDemoWeek(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out bytes.Buffer
	got, err := Run(ctx, Options{Out: &out})
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	want := Outcome{
		Held:      7, // Ana ×3, Tom ×2, the newsletter, Sam
		Escalated: 2, // Léa's overdose, Julia's report about Mark
		Passed:    1, // the partner
		Alerts:    2,
		Acks:      5, // not the newsletter, not Ana's second within 72 h, not the emergencies
		Windows:   2, // Tuesday 18:00 and Saturday 10:00
		Released:  6,
		// The 10 messages and 2 digests, less Tom's Sunday message, which
		// waits for the next Tuesday.
		Inbox:      11,
		HoldFolder: 1,
	}
	if got != want {
		t.Errorf("demo outcome\n got %+v\nwant %+v\n%s", got, want, out.String())
	}
}
