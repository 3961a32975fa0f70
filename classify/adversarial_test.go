package classify

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// adversarialUnits are the building blocks of bodies built to hurt a matcher: endless negation triggers,
// endless phrase starts, stretched letters, no spaces at all, thousands of real matches.
var adversarialUnits = map[string]string{
	"negation triggers": "not no never without ne pas jamais but mais ",
	"phrase starts":     "i want to i want to take my take my je veux je veux ",
	"repeated letters":  "kiiiiiiiiiiiiiiiiiiiilll ",
	"no spaces":         "a",
	"real matches":      "I am not going to kill myself, but I want to die. ",
	"long words":        "overdoseoverdoseoverdoseoverdose ",
	"apostrophes":       "j'j'j'j'j'j'don't'n't'm ",
	"quote markers":     "\n> \n-- \nOn Mon, A <a@b> wrote:\n",
	"accents":           "éèêëàâäôöûüçœ ",
}

func fill(unit string, size int) string { return strings.Repeat(unit, size/len(unit)+1)[:size] }

// TestAdversarial10MB runs whole 10 MB messages through Parse and Classify with the default options: text past
// the cap is never examined, so each finishes in well under a second.
func TestAdversarial10MB(t *testing.T) {
	c := newTestClassifier(t)
	for name, unit := range adversarialUnits {
		t.Run(name, func(t *testing.T) {
			raw := "From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n" +
				fill(unit, 10<<20) + "\r\n--B--\r\n"
			start := time.Now()
			withDeadline(t, time.Second, func() {
				r := c.Classify(Parse(strings.NewReader(raw)))
				if r.Verdict == "" {
					t.Error("no verdict")
				}
			})
			t.Logf("%s: %v", name, time.Since(start))
		})
	}
}

// TestEngineLinearTime lifts the cap and checks that the engine's time grows linearly with the text: 4x the
// text may cost at most 8x the time (a quadratic engine would cost 16x).
func TestEngineLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-megabyte inputs")
	}
	c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}, MaxTextBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	// The process's CPU time, not the wall clock: on a loaded machine other
	// processes take the CPU for unpredictable stretches, which says nothing
	// about how the work grows with the input. Best of three.
	measure := func(body string) time.Duration {
		m := &Message{From: "a@b.example", Subject: "x", Body: body}
		best := time.Duration(1 << 62)
		for range 3 {
			start := processCPU(t)
			withDeadline(t, 30*time.Second, func() { c.Classify(m) })
			best = min(best, processCPU(t)-start)
		}
		return best
	}
	for _, name := range []string{"phrase starts", "real matches", "negation triggers", "apostrophes"} {
		unit := adversarialUnits[name]
		small, large := measure(fill(unit, 512<<10)), measure(fill(unit, 2<<20))
		t.Logf("%s: 512 KiB %v, 2 MiB %v (%.1f MB/s)", name, small, large, 2/large.Seconds())
		if large > 8*small+50*time.Millisecond {
			t.Errorf("%s: 4x the text took %.1fx the time", name, float64(large)/float64(small))
		}
	}
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
