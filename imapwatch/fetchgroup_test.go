package imapwatch

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Messages with the same text sections share one FETCH, each section asked
// with the largest range any of them needs: every message still gets its own
// text, whole when short, cut at MaxTextBytes and marked Truncated when
// long, never another message's bytes.
func TestFetchGroupedTextsKeepEachMessagesOwn(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			long := strings.Repeat("long line of text to cut\r\n", 12000) // ~300 KB, over MaxTextBytes
			texts := []string{"short one", strings.Repeat("middle ", 3000), long, "another short"}
			for i, txt := range texts {
				srv.Deliver("INBOX", plainMessage("m"+string(rune('a'+i)), txt))
			}
			srv.Deliver("INBOX", attachmentMessage("with attachment", 50<<10))
			s := dialSelected(t, srv)
			got, err := s.Fetch(testCtx(t, 20*time.Second), []uint32{1, 2, 3, 4, 5})
			if err != nil || len(got) != 5 {
				t.Fatalf("Fetch = %d messages, %v", len(got), err)
			}
			max := int(s.Options().MaxTextBytes)
			for i, txt := range texts {
				p := got[i].Parts[0]
				want := txt + "\r\n"
				switch {
				case len(want) > max:
					if len(p.Body) != max || !p.Truncated || !bytes.Equal(p.Body, []byte(want[:max])) {
						t.Errorf("uid %d: %d bytes, truncated %v: want the first %d bytes, truncated", got[i].UID, len(p.Body), p.Truncated, max)
					}
				case string(p.Body) != want || p.Truncated:
					t.Errorf("uid %d: body of %d bytes (truncated %v), want its own %d bytes", got[i].UID, len(p.Body), p.Truncated, len(want))
				}
			}
			att := got[4]
			var seen []string
			for _, p := range att.Parts {
				if p.IsText() {
					seen = append(seen, strings.TrimSpace(string(p.Body)))
				} else if p.Body != nil {
					t.Errorf("attachment %s fetched (%d bytes)", p.Path, len(p.Body))
				}
			}
			if len(seen) != 2 || seen[0] != "with attachment" || seen[1] != "<p>with attachment</p>" {
				t.Errorf("texts of the multipart message = %q", seen)
			}
		})
	}
}

// FetchUpTo stops, judging from the sizes alone, at the message that would
// take the batch past maxBytes (one message at least), and says how many of
// the UIDs it covered; the rest are fetched by the next call.
func TestFetchUpToStopsAtBytes(t *testing.T) {
	srv := memServer{mustMem(t)}
	for range 4 {
		srv.Deliver("INBOX", plainMessage("ten kB", strings.Repeat("0123456789", 1000)))
	}
	s := dialSelected(t, srv)
	ctx := testCtx(t, 10*time.Second)
	uids := []uint32{1, 2, 3, 4}
	got, n, err := s.FetchUpTo(ctx, uids, 25<<10) // two messages of ~10.3 KB fit, not three
	if err != nil || n != 2 || len(got) != 2 || got[0].UID != 1 || got[1].UID != 2 {
		t.Fatalf("FetchUpTo(25 KiB) = %d messages, covered %d, %v; want uids 1 and 2", len(got), n, err)
	}
	got, n, err = s.FetchUpTo(ctx, uids[2:], 1)
	if err != nil || n != 1 || len(got) != 1 || got[0].UID != 3 {
		t.Fatalf("FetchUpTo(1 byte) = %d messages, covered %d, %v; want one message, uid 3", len(got), n, err)
	}
	got, n, err = s.FetchUpTo(ctx, uids[3:], 0)
	if err != nil || n != 1 || len(got) != 1 || !bytes.Contains(got[0].Parts[0].Body, []byte("0123456789")) {
		t.Fatalf("FetchUpTo(no limit) = %d messages, covered %d, %v", len(got), n, err)
	}
}
