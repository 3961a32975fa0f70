package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Ana  Martin", "Ana Martin"},
		{"evil\r\nBcc: x@y", "evil Bcc: x@y"},
		{"\x1b[31mred\x1b[0m", "[31mred [0m"},
		{"gpj.\u202eexe", "gpj. exe"}, // right-to-left override
		{"pay\u200bpal", "pay pal"},   // zero-width space
		{"a\u2028b\u2029c", "a b c"},  // line and paragraph separators
		{"caf\xe9", "caf\uFFFD"},      // invalid UTF-8
		{"\ue000private", "private"},  // private use, then trimmed
		{"Zoé Léger", "Zoé Léger"},    // letters stay
	} {
		if got := OneLine(tt.in, 0); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := OneLine(strings.Repeat("word ", 100), 20)
	if utf8.RuneCountInString(long) > 20 || !strings.HasSuffix(long, "…") {
		t.Errorf("OneLine bound: %q", long)
	}
}

func TestLines(t *testing.T) {
	got := Lines("first\r\nsecond\rthird\n\x1b]0;title\x07\u202efourth\t.", 0)
	want := "first\nsecond\nthird\n]0;titlefourth\t."
	if got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("abc", 0); got != "abc" {
		t.Errorf("no limit: %q", got)
	}
	if got := Truncate("hello world", 7); got != "hello…" {
		t.Errorf("Truncate = %q", got)
	}
}
