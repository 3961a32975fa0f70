package digest

import (
	"strings"
	"unicode"
	"unicode/utf8"
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

// clean makes patient text safe to display on one line: valid UTF-8, no control characters (CR and LF
// included, so nothing can pose as a new header or line), no bidi overrides that would reorder what the
// therapist reads, runs of space collapsed, at most max runes with an ellipsis.
func clean(s string, max int) string {
	return truncate(strings.Join(strings.FieldsFunc(scrub(s), unicode.IsSpace), " "), max)
}

// cleanLines is clean for a multi-line snippet: each line cleaned, blank lines dropped, at most maxLines lines
// and max runes overall.
func cleanLines(s string, maxLines, max int) []string {
	var out []string
	left := max
	for _, l := range strings.Split(strings.ReplaceAll(scrub(s), "\r", "\n"), "\n") {
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

// scrub returns valid UTF-8 with control, format (bidi, zero-width) and private characters turned into spaces,
// keeping line feeds and carriage returns for cleanLines to split on.
func scrub(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r':
			return r
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), r == '\u2028', r == '\u2029':
			return ' '
		}
		return r
	}, s)
}

func truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	cut := strings.TrimRightFunc(string(r[:max-1]), unicode.IsSpace)
	return cut + "…"
}
