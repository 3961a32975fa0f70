package daemon

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/clock"
)

func TestProgressReportsCountRateAndTimeLeft(t *testing.T) {
	var buf syncBuffer
	clk := clock.NewFake(time.Date(2031, 5, 6, 7, 0, 0, 0, time.UTC))
	p := newProgress(slog.New(slog.NewTextHandler(&buf, nil)), clk, 1000)
	p.done(100)
	if buf.String() != "" {
		t.Fatalf("reported before %s: %s", progressEvery, buf.String())
	}
	// Ten seconds into the pass, 400 of 1000 done: 40/s, 15 s left.
	clk.Advance(10 * time.Second)
	p.done(300)
	out := buf.String()
	for _, want := range []string{"done=400", "of=1000", "per_second=40", "time_left=15s"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress line lacks %s: %s", want, out)
		}
	}
	p.finish()
	if !strings.Contains(buf.String(), "inbox sorted") {
		t.Errorf("no closing line: %s", buf.String())
	}
}
