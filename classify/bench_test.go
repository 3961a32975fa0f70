package classify

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// typical5KB is a plausible patient mail of about 5 KB: a few paragraphs, a signature and a quoted reply.
func typical5KB() string {
	para := "Bonjour, je voulais vous dire que la semaine a été difficile. Au travail, mon chef m'a encore reproché " +
		"des retards qui ne sont pas de mon fait, et je n'ai pas beaucoup dormi. I keep thinking about what we said " +
		"last Tuesday about boundaries with my mother; I tried the exercise but it was hard to stay calm.\n\n"
	quote := "> Merci pour votre message. Je lis mes courriels le mardi. En cas d'urgence, appelez le 15 ou le 3114.\n"
	body := strings.Repeat(para, 12) + "Cordialement,\nMarie Dupont\n\nLe mar. 3 mars 2026 à 10:00, Cabinet <dr@example.org> a écrit :\n" +
		strings.Repeat(quote, 6)
	return "From: Marie <marie@example.org>\r\nSubject: Re: la semaine\r\nMessage-ID: <b@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
}

// BenchmarkClassify measures classification (parsing excluded unless named) over the corpus and a typical
// 5 KB message; b.SetBytes makes `go test -bench` report MB/s.
func BenchmarkClassify(b *testing.B) {
	c := newTestClassifier(b)
	b.Run("typical-5KB", func(b *testing.B) {
		m := Parse(strings.NewReader(typical5KB()))
		b.SetBytes(int64(len(m.Body) + len(m.Subject)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			c.Classify(m)
		}
		// CPU time per message: on a shared machine wall time also counts the other processes' turns.
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/1e6, "cpu-ms/op")
	})
	b.Run("typical-5KB-with-parse", func(b *testing.B) {
		raw := typical5KB()
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			c.Classify(Parse(strings.NewReader(raw)))
		}
	})
	b.Run("corpus", func(b *testing.B) {
		files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.eml"))
		if len(files) == 0 {
			b.Skip("no corpus")
		}
		var msgs []*Message
		var size int64
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			m := Parse(strings.NewReader(string(raw)))
			msgs = append(msgs, m)
			size += int64(len(m.Body) + len(m.Subject))
		}
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range msgs {
				c.Classify(m)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
	})
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
