package classify

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The engine's speed work must not change any outcome. TestOutcomeDump writes, for every message of every
// labelled set (testdata/*/labels.tsv) and the typical benchmark message, the whole Result (verdict, level,
// matches, suppressions, frames, concepts) and every raw hit of the three matchers (rules, context lexicon,
// concept lexicon). Run it before and after a change and compare:
//
//	go test ./classify -run TestOutcomeDump -count=1 -args -outcomes.write=/tmp/before.txt
//	... change the engine ...
//	go test ./classify -run TestOutcomeDump -count=1 -args -outcomes.against=/tmp/before.txt
//
// The dump depends on the lexicons and rules, which change often, so it is compared against a file made from
// the same data, not committed.
var (
	outcomesWrite   = flag.String("outcomes.write", "", "TestOutcomeDump: write the outcome dump to this file")
	outcomesAgainst = flag.String("outcomes.against", "", "TestOutcomeDump: fail on any difference from this dump")
)

func TestOutcomeDump(t *testing.T) {
	if *outcomesWrite == "" && *outcomesAgainst == "" {
		t.Skip("no -outcomes.write or -outcomes.against")
	}
	got := outcomeDump(t)
	if *outcomesWrite != "" {
		if err := os.WriteFile(*outcomesWrite, []byte(strings.Join(got, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d messages written to %s", len(got), *outcomesWrite)
	}
	if *outcomesAgainst == "" {
		return
	}
	b, err := os.ReadFile(*outcomesAgainst)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.SplitAfter(string(b), "\n")
	if len(want) > 0 && want[len(want)-1] == "" {
		want = want[:len(want)-1]
	}
	if len(want) != len(got) {
		t.Fatalf("%d lines, the dump has %d", len(got), len(want))
	}
	diffs := 0
	for i := range got {
		if got[i] != want[i] {
			diffs++
			if diffs <= 5 {
				t.Errorf("line %d differs:\n got  %s want %s", i+1, got[i], want[i])
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d lines differ", diffs, len(got))
	} else {
		t.Logf("%d messages: identical outcomes and hits", len(got))
	}
}

// outcomeDump returns one line per message: its name, the Result as JSON, and the raw matcher hits.
func outcomeDump(t *testing.T) []string {
	t.Helper()
	c := newTestClassifier(t)
	dirs, err := filepath.Glob("testdata/*/labels.tsv")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no labelled sets: %v", err)
	}
	sort.Strings(dirs)
	type item struct {
		name string
		raw  string
	}
	items := []item{{"typical-5KB", typical5KB()}}
	for _, lf := range dirs {
		dir := filepath.Dir(lf)
		for _, l := range readLabels(t, dir) {
			raw, err := os.ReadFile(filepath.Join(dir, l.file))
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, item{dir + "/" + l.file, string(raw)})
		}
	}
	// The fuzz seeds' texts: odd tokens, laughing faces, digits.
	seeds, _ := filepath.Glob("testdata/fuzz/*/*")
	sort.Strings(seeds)
	for _, s := range seeds {
		f, err := os.Open(s)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for k := 0; sc.Scan(); k++ {
			line := sc.Text()
			var v string
			switch {
			case strings.HasPrefix(line, "string(") && strings.HasSuffix(line, ")"):
				if _, err := fmt.Sscanf(line[len("string("):len(line)-1], "%q", &v); err != nil {
					continue
				}
			case strings.HasPrefix(line, "[]byte(") && strings.HasSuffix(line, ")"):
				if _, err := fmt.Sscanf(line[len("[]byte("):len(line)-1], "%q", &v); err != nil {
					continue
				}
			default:
				continue
			}
			if !strings.Contains(v, ":") {
				v = "From: a@b.example\r\nSubject: " + v[:len(v)/4] + "\r\n\r\n" + v
			}
			items = append(items, item{fmt.Sprintf("%s#%d", s, k), v})
		}
		f.Close()
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		m := Parse(strings.NewReader(it.raw))
		r := c.Classify(m)
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s\t%s\t%s\n", it.name, js, rawHits(c, m)))
	}
	return out
}

// rawHits lists every hit of the rule, context and concept matchers over the message's fields, hashed.
func rawHits(c *Classifier, m *Message) string {
	sc := &scratch{tz: newTokenizer()}
	h := sha256.New()
	n := 0
	for _, text := range []string{m.Subject, m.Body} {
		toks := sc.tz.tokens(text, segmentLines(text))
		for _, tk := range toks {
			fmt.Fprintf(h, "%q %q %d %d %d %d|", tk.key, tk.norm, tk.start, tk.end, tk.brk, tk.seg)
		}
		for mi, mt := range []*matcher{c.m, c.ctx.m, c.lex.m} {
			mt.find(toks, &sc.ms, func(x hit) bool {
				fmt.Fprintf(h, "%d:%d:%d:%d;", mi, x.phrase, x.start, x.end)
				n++
				return true
			})
		}
	}
	return fmt.Sprintf("%d hits %x", n, h.Sum(nil)[:12])
}
