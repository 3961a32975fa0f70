package digest

import (
	"strings"
	"unicode/utf8"

	"github.com/boundaryd/boundaryd/internal/safetext"
)

// Display limits for patient text, in runes. A subject longer than this is almost certainly hostile or
// broken; the therapist opens the original to see it whole.
const (
	maxSubjectRunes = 200
	maxNameRunes    = 80
	maxAddrRunes    = 120
	maxSnippetRunes = 400
	maxSnippetLines = 4
	maxNearMiss     = 10
	maxAttachments  = 20
	maxErrorRunes   = 160
)

// clean makes patient text safe to display on one line (safetext.OneLine).
func clean(s string, max int) string { return safetext.OneLine(s, max) }

// cleanLines is clean for a multi-line snippet: each line cleaned, blank lines dropped, at most maxLines lines
// and max runes overall.
func cleanLines(s string, maxLines, max int) []string {
	var out []string
	left := max
	for _, l := range strings.Split(safetext.Lines(s, 0), "\n") {
		l = clean(l, left)
		if l == "" {
			continue
		}
		if len(out) == maxLines || left <= 0 {
			if n := len(out); n > 0 && !strings.HasSuffix(out[n-1], "…") {
				out[n-1] += " …"
			}
			break
		}
		out = append(out, l)
		left -= utf8.RuneCountInString(l)
	}
	return out
}
