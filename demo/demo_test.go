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
	playWeek(t, time.Time{})
}

// TestDemoWeekFarFromToday plays the same week years before and after the
// real date: nothing in the pipeline may compare the demo's fake time with
// the machine's clock (the first acknowledgement went missing once the real
// date passed the demo's Monday).
func TestDemoWeekFarFromToday(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, monday := range []time.Time{
		time.Date(2019, 3, 25, 0, 0, 0, 0, paris),  // years behind, the week DST starts
		time.Date(2041, 10, 21, 0, 0, 0, 0, paris), // years ahead
	} {
		t.Run(monday.Format("2006-01-02"), func(t *testing.T) { playWeek(t, monday) })
	}
}

func TestDemoWeekRefusesAnotherDay(t *testing.T) {
	_, err := Run(t.Context(), Options{Out: new(bytes.Buffer), Monday: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err == nil {
		t.Fatal("a week starting on a Tuesday was accepted")
	}
}

func playWeek(t *testing.T, monday time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out bytes.Buffer
	got, err := Run(ctx, Options{Out: &out, Monday: monday})
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
		Notices:   1, // Tom's Monday evening message (a concern), at Tuesday 08:00
		PagesRead: 2, // both emergencies opened on the phone at once: acknowledged, never repeated
		// The 10 messages and 2 digests, less Tom's Sunday message, which
		// waits for the next Tuesday.
		Inbox:      11,
		HoldFolder: 1,
	}
	if got != want {
		t.Errorf("demo outcome\n got %+v\nwant %+v\n%s", got, want, out.String())
	}
}
