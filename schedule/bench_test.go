package schedule

import (
	"testing"
	"time"
)

func BenchmarkNext(b *testing.B) {
	loc := paris(b)
	for _, expr := range []string{"0 18 * * TUE", "* * * * *", "0 0 29 2 *"} {
		w := mustNew(b, []string{expr, "0 10 * * SAT"}, loc)
		at := time.Date(2026, 3, 10, 23, 59, 30, 0, loc)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				w.Next(at)
			}
		})
	}
}

func BenchmarkDue(b *testing.B) {
	loc := paris(b)
	for _, expr := range []string{"0 18 * * TUE", "* * * * *"} {
		w := mustNew(b, []string{expr, "0 10 * * SAT"}, loc)
		now := time.Date(2026, 3, 10, 0, 0, 30, 0, loc)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				w.Due(now.Add(-24*time.Hour), now)
			}
		})
		b.Run(expr+" never delivered", func(b *testing.B) {
			for b.Loop() {
				w.Due(time.Time{}, now)
			}
		})
	}
}

func BenchmarkCheckSpec(b *testing.B) {
	for _, expr := range []string{"0 18 * * TUE", "0 0 30 2 *"} {
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				_ = CheckSpec(expr, time.UTC)
			}
		})
	}
}
