package imapclient

import (
	"bufio"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

// maxListDepth mirrors imapwire's limit: body levels plus the leaf count
// against it.
const maxListDepth = 1000

// nestedBody is a BODYSTRUCTURE of depth multipart levels around one text part.
func nestedBody(depth int) string {
	return strings.Repeat("(", depth) + `("text" "plain" NIL NIL NIL "7bit" 0 0)` + strings.Repeat(` "mixed")`, depth)
}

// readBody must count its own recursion against the decoder's nesting limit:
// without it a hostile server's deep BODYSTRUCTURE grows the stack until the
// runtime aborts the process ("goroutine stack exceeds 1000000000-byte
// limit"), which no recover can catch.
func TestReadBodyNestingIsBounded(t *testing.T) {
	for _, tt := range []struct {
		depth int
		ok    bool
	}{{1, true}, {100, true}, {maxListDepth - 2, true}, {maxListDepth - 1, false}, {100000, false}, {10000000, false}} {
		dec := imapwire.NewDecoder(bufio.NewReader(strings.NewReader(nestedBody(tt.depth)+"\r\n")), imapwire.ConnSideClient)
		bs, err := readBody(dec, &Options{})
		if tt.ok {
			if err != nil {
				t.Errorf("depth %d: %v", tt.depth, err)
				continue
			}
			levels := 0
			for mp, ok := bs.(*imap.BodyStructureMultiPart); ok; mp, ok = mp.Children[0].(*imap.BodyStructureMultiPart) {
				levels++
			}
			if levels != tt.depth {
				t.Errorf("depth %d: parsed %d levels", tt.depth, levels)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
			t.Errorf("depth %d: err = %v, want the max depth error", tt.depth, err)
		}
	}
}
