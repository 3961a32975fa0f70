package classify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZZFramesOnly(t *testing.T) {
	fo := newTestClassifier(t)
	fo.m, fo.regexes = newMatcher(nil), nil
	for _, dir := range []string{"testdata/corpus", "testdata/heldout", "testdata/sealed"} {
		for _, l := range readLabels(t, dir) {
			raw, _ := os.ReadFile(filepath.Join(dir, l.file))
			r := fo.Classify(Parse(strings.NewReader(string(raw))))
			if (l.expect == VerdictEscalate) != (r.Level == LevelPage) {
				fmt.Printf("%s %s/%s [%s] %s: %s\n    %s\n", l.expect, dir[9:], l.file, r.Level, l.kind, l.note, describeFrames(r.Frames))
			}
		}
	}
}
