package classify

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/boundaryd/boundaryd/classify/textmodel"
)

// maxRulesHeap is the heap the compiled engine may hold: the phrase rules, the context lexicons, the concept
// lexicons and the frames. The goal is 2 MB (v2: 4 MB, v3: 3.07 MB before the matcher packed its phrases into
// flat tables: 1.42 MB; v4's lexicons with the packed matcher: see TestCompiledHeap -v).
const maxRulesHeap = 2 << 20

// TestCompiledHeap measures the live heap of a freshly compiled engine (rules, context and concept lexicons,
// frames) and fails above the ceiling.
func TestCompiledHeap(t *testing.T) {
	used := compiledHeap(t)
	t.Logf("compiled engine: %.2f MB live heap", float64(used)/(1<<20))
	if used > maxRulesHeap {
		t.Errorf("compiled engine holds %d bytes, over %d", used, maxRulesHeap)
	}
}

// maxModelHeap is the heap the text model may hold: an idf byte and a two-byte weight per bucket.
const maxModelHeap = 800 << 10

// TestModelHeap measures the live heap of the text model once read.
func TestModelHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := textmodel.Read(bytes.NewReader(builtinModelFile))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(m)
	used := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("text model: %.2f MB live heap", float64(used)/(1<<20))
	if used > maxModelHeap {
		t.Errorf("the text model holds %d bytes, over %d", used, maxModelHeap)
	}
}

// BenchmarkCompile reports the time to compile the engine and the heap it keeps (heap-MB).
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := loadLexicon(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(compiledHeap(b))/(1<<20), "heap-MB")
}

func compiledHeap(t testing.TB) uint64 {
	t.Helper()
	// The shared lexicons load once per process; load them first so that they are not counted twice below.
	if _, err := sharedContext(); err != nil {
		t.Fatal(err)
	}
	if _, err := sharedLexicon(); err != nil {
		t.Fatal(err)
	}
	if _, err := sharedModel(); err != nil { // measured on its own by TestModelHeap
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, err := loadContext()
	if err != nil {
		t.Fatal(err)
	}
	lex, err := loadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(lex)
	runtime.KeepAlive(c)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}
