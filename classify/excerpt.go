package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// excerpt returns the matched bytes [a, b) with about 60 bytes of context each side, on word boundaries.
func excerpt(text string, a, b int) string {
	const ctx = 60
	lo := max(0, a-ctx)
	for lo > 0 && lo < a && !utf8.RuneStart(text[lo]) {
		lo++
	}
	if lo > 0 {
		if i := strings.IndexAny(text[lo:a], " \n\t"); i >= 0 {
			lo += i + 1
		}
	}
	hi := min(len(text), b+ctx)
	for hi < len(text) && hi > b && !utf8.RuneStart(text[hi]) {
		hi--
	}
	if hi < len(text) {
		if i := strings.LastIndexAny(text[b:hi], " \n\t"); i >= 0 {
			hi = b + i
		}
	}
	out := collapseSpace(text[lo:hi])
	if lo > 0 {
		out = "..." + out
	}
	if hi < len(text) {
		out += "..."
	}
	return out
}

func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// snippet returns the first lines of new text (no quotes, no signature), at most about 240 bytes.
func snippet(body string, segs []uint8) string {
	lines := strings.Split(body, "\n")
	var parts []string
	size := 0
	for i, l := range lines {
		if i < len(segs) && segs[i] != segNew {
			continue
		}
		l = collapseSpace(l)
		if l == "" {
			continue
		}
		parts = append(parts, l)
		size += len(l)
		if len(parts) >= 4 || size >= 240 {
			break
		}
	}
	s := strings.Join(parts, " ")
	if len(s) > 240 {
		s = strings.ToValidUTF8(s[:240], "") + "..."
	}
	return s
}
