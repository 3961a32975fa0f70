package digest

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkBuild200 measures a large window (200 held messages): go test ./digest -bench Build200 -run '^$'
func BenchmarkBuild200(b *testing.B) {
	o := testOptions()
	entries := make([]Entry, 200)
	for i := range entries {
		entries[i] = Entry{FromName: fmt.Sprintf("Patient %d", i%40), From: fmt.Sprintf("p%d@example.org", i%40),
			Subject: fmt.Sprintf("Subject number %d", i), Snippet: "Two lines of new text, the kind a patient writes.\nSecond line.",
			Received: o.Window.Add(-time.Duration(i) * time.Minute)}
	}
	var size int
	for b.Loop() {
		raw, err := Build(o, entries)
		if err != nil {
			b.Fatal(err)
		}
		size = len(raw)
	}
	b.ReportMetric(float64(size), "bytes/digest")
}
