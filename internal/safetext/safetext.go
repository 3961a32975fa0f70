// Package safetext makes text that someone else wrote (a sender's name, a
// subject, a snippet, an excerpt) safe to show the therapist or to put in a
// header: valid UTF-8, no control characters (so nothing can pose as a new
// header or line, or drive a terminal), no Unicode format characters (bidi
// overrides such as U+202E reorder what is read; zero-width ones hide
// words), no private-use characters, bounded length. It is the one place
// these rules live; the digest, the alerts, the acknowledgements and
// explain's terminal output use it.
package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hidden reports the characters that never reach a reader as they are.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) ||
		r == '\u2028' || r == '\u2029'
}

// OneLine returns s on one line: invalid UTF-8 replaced, every hidden
// character (line breaks included) turned into a space, runs of space
// collapsed, at most max runes (max <= 0: no limit) with an ellipsis.
func OneLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if hidden(r) {
			return ' '
		}
		return r
	}, s)
	return Truncate(strings.Join(strings.Fields(s), " "), max)
}

// Lines is OneLine for text whose line breaks matter: CRLF and CR become
// LF, tabs stay, every other hidden character is dropped, and the result is
// trimmed; at most max runes (max <= 0: no limit).
func Lines(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if hidden(r) {
			return -1
		}
		return r
	}, s)
	return Truncate(strings.TrimSpace(s), max)
}

// Truncate cuts s to at most max runes, the last being an ellipsis, at a
// word's end where the cut leaves trailing space. max <= 0 means no limit.
func Truncate(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max-1]), unicode.IsSpace) + "…"
}
