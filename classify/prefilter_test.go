package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrefilterSound: find's cheap checks before a phrase program runs (one-word alternatives, the second
// word within reach, the reach bloom) never turn down a match the program finds. Every phrase of the three
// built-in matchers is run at every token of the corpus' messages, with and without the checks.
func TestPrefilterSound(t *testing.T) {
	c := newTestClassifier(t)
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.eml"))
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	if testing.Short() {
		files = files[:20]
	}
	checked := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := Parse(strings.NewReader(string(raw)))
		for _, text := range []string{m.Subject, m.Body} {
			toks := newTokenizer().tokens(text, segmentLines(text))
			for mi, mt := range []*matcher{c.m, c.ctx.m, c.lex.m} {
				sc := &matchScratch{}
				mt.find(toks, sc, func(hit) bool { return true }) // leaves the tokens' ids and flags in levels[0]
				if len(toks) == 0 {
					continue
				}
				fs := sc.levels[0]
				for p := range toks {
					for pi := range mt.heads {
						h := &mt.heads[pi]
						if h.flags&phAnySecond != 0 || (h.none > 0 && inSorted(mt.data[h.data:h.data+uint32(h.none)], fs.ids[p])) {
							continue
						}
						checked++
						if (outOfReach(h, fs, p) || !mt.mayContinue(h, toks, fs, p)) && mt.matchAt(h, toks, fs, p, sc) > 0 {
							t.Errorf("%s: matcher %d turns down phrase %q at token %d (%q)", f, mi, mt.phrases[pi].src, p, toks[p].key)
						}
					}
				}
			}
		}
	}
	t.Logf("%d phrase starts checked", checked)
}
