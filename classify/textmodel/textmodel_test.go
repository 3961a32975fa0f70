package textmodel

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	got := Words(nil, "i have", "a", "pills,tonight", "x2", "ete")
	want := []string{"have", "pills", "tonight", "x2", "ete"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Words = %v, want %v", got, want)
	}
}

func TestFeaturesCountEveryPiece(t *testing.T) {
	v := NewVectorizer()
	fs := v.Features([]string{"pills", "pills"})
	total := map[uint8]int{}
	for _, f := range fs {
		total[f.Block] += int(f.Count)
	}
	// Two words and one pair; " pills " has 5+4+3 pieces of 3 to 5 bytes, twice. A collision between the
	// blocks would move a count from one to the other, not lose it.
	if total[uint8(blockWord)]+total[uint8(blockChar)] != 3+2*12 {
		t.Fatalf("counts %v, want 27 in all", total)
	}
	for _, f := range fs {
		if f.Bucket >= buckets {
			t.Fatalf("bucket %d out of range", f.Bucket)
		}
	}
	// The same words give the same features, whatever came before.
	a := fmt.Sprint(sortFeatures(v.Features([]string{"saved", "the", "pills"})))
	v.Features([]string{"something", "else", "entirely", "long"})
	if b := fmt.Sprint(sortFeatures(v.Features([]string{"saved", "the", "pills"}))); a != b {
		t.Fatal("features depend on the previous document")
	}
}

func sortFeatures(fs []Feature) map[uint32]Feature {
	m := map[uint32]Feature{}
	for _, f := range fs {
		m[f.Bucket] = f
	}
	return m
}

func TestFeaturesBounded(t *testing.T) {
	v := NewVectorizer()
	words := make([]string, 3*maxWords)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	n := 0
	for _, f := range v.Features(words) {
		n += int(f.Count)
	}
	if max := maxWords * (2 + 3*(maxWord+2)); n > max {
		t.Fatalf("%d feature occurrences for a huge document, more than the bound %d", n, max)
	}
}

// synthetic builds a separable training set: emergencies share some words, other mail others.
func synthetic(n int) []Doc {
	v := NewVectorizer()
	var docs []Doc
	for i := 0; i < n; i++ {
		emerg := i%3 == 0
		words := []string{"hello", "doctor", fmt.Sprintf("name%d", i%17)}
		if emerg {
			words = append(words, "tonight", "pills", "saved")
		} else {
			words = append(words, "invoice", "tuesday", "thanks")
		}
		if i%7 == 0 { // some noise both ways
			words = append(words, "tonight")
		}
		docs = append(docs, Doc{Features: append([]Feature(nil), v.Features(words)...), Emergency: emerg})
	}
	return docs
}

func TestTrainSeparatesAndOrdersThresholds(t *testing.T) {
	docs := synthetic(120)
	m, err := Train(docs, DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	th := m.Thresholds
	if !(th.Dismiss <= th.Concern && th.Concern <= th.RulePage && th.RulePage <= th.Confirm && th.Confirm <= th.Page) {
		t.Fatalf("thresholds out of order: %+v", th)
	}
	for i, d := range docs {
		s := m.Score(d.Features)
		if d.Emergency != (s.P >= th.Page) {
			t.Fatalf("doc %d (emergency %v): score %.3f against page at %.3f", i, d.Emergency, s.P, th.Page)
		}
	}
	// Deterministic: the same documents train the same model, byte for byte.
	m2, err := Train(docs, DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := m.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := m2.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two trainings on the same documents wrote different files")
	}
}

func TestTrainRefusesOneClass(t *testing.T) {
	docs := synthetic(60)
	for i := range docs {
		docs[i].Emergency = false
	}
	if _, err := Train(docs, DefaultTrainOptions()); err == nil {
		t.Fatal("trained without any emergency")
	}
	if _, err := Train(docs[:3], DefaultTrainOptions()); err == nil {
		t.Fatal("trained on three documents")
	}
}

func TestFileRoundTrip(t *testing.T) {
	docs := synthetic(90)
	m, err := Train(docs, DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	m.Trained = []string{"setA", "setB"}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Trained) != "[setA setB]" || r.Docs != 90 || r.Thresholds != m.Thresholds {
		t.Fatalf("header lost: %v %d %+v", r.Trained, r.Docs, r.Thresholds)
	}
	for _, d := range docs {
		if a, b := m.Score(d.Features).P, r.Score(d.Features).P; a != b {
			t.Fatalf("score %.9f before writing, %.9f after", a, b)
		}
	}
	// A changed weight that the check text reaches is refused (gzip's own checksum guards the rest).
	raw := gunzip(t, buf.Bytes())
	weights := raw[len(raw)-2*buckets:]
	changed := false
	for _, f := range NewVectorizer().Features(Words(nil, checkText...)) {
		if i := 2 * int(f.Bucket); weights[i] != 0 || weights[i+1] != 0 {
			weights[i+1] ^= 0x40
			changed = true
			break
		}
	}
	if !changed {
		t.Fatal("the check text reaches no weight of the model")
	}
	if _, err := Read(bytes.NewReader(regzip(t, raw))); err == nil || !strings.Contains(err.Error(), "check value") {
		t.Fatalf("damaged weights read without error: %v", err)
	}
	if _, err := Read(strings.NewReader("not gzip")); err == nil {
		t.Fatal("read garbage as a model")
	}
	other := gunzip(t, buf.Bytes())
	other[len(magic)+2] = FeatureVersion + 1 // the feature version field
	if _, err := Read(bytes.NewReader(regzip(t, other))); err == nil || !strings.Contains(err.Error(), "retrain") {
		t.Fatalf("a model of another feature version was read: %v", err)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func regzip(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExplainNamesTheWordsThatCount(t *testing.T) {
	m, err := Train(synthetic(120), DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"hello", "doctor", "tonight", "pills", "saved"}
	top := m.Explain(NewVectorizer(), words, 3)
	if len(top) != 3 {
		t.Fatalf("Explain gave %d words, want 3", len(top))
	}
	for i := 1; i < len(top); i++ {
		if math.Abs(top[i].Weight) > math.Abs(top[i-1].Weight) {
			t.Fatalf("not strongest first: %v", top)
		}
	}
	found := false
	for _, c := range top {
		if (c.Word == "pills" || c.Word == "saved") && c.Weight > 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("the emergency words are not among the strongest: %v", top)
	}
	// The contributions add up to the linear score less the bias.
	var sum float64
	for _, c := range m.Explain(NewVectorizer(), words, 100) {
		sum += c.Weight
	}
	z := m.z(NewVectorizer().Features(words))
	if math.Abs(sum-(z-m.bias)) > 1e-6 {
		t.Fatalf("contributions sum to %.6f, the score less the bias is %.6f", sum, z-m.bias)
	}
}

func FuzzFeatures(f *testing.F) {
	f.Add("je ne sais plus", "tonight pills")
	f.Add(strings.Repeat("a", 100), "é\xff\xfe")
	v := NewVectorizer() // one per worker process: each exec reuses its table, as the classifier does
	f.Fuzz(func(t *testing.T, a, b string) {
		fs := v.Features(Words(nil, a, b))
		for _, x := range fs {
			if x.Bucket >= buckets || x.Count == 0 {
				t.Fatalf("bad feature %+v", x)
			}
		}
	})
}

// BenchmarkFeaturesAndScore times the model's own work on about 800 words (a typical 5 KB message).
func BenchmarkFeaturesAndScore(b *testing.B) {
	m, err := Train(synthetic(120), DefaultTrainOptions())
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("i wanted to write before tuesday because the week has been long and my sister called again about the house ", 40)
	words := Words(nil, strings.Fields(text)...)
	v := NewVectorizer()
	b.ReportAllocs()
	for b.Loop() {
		m.Score(v.Features(words))
	}
	b.ReportMetric(float64(len(words)), "words")
}
