package imapwatch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Fetched is what classification needs of one message: never attachment
// bytes, never more than MaxTextBytes of any text part.
type Fetched struct {
	UID          uint32
	InternalDate time.Time
	Size         int64 // RFC822.SIZE of the whole message
	Flags        []string
	Header       []byte // the raw top-level header, blank line included
	Parts        []Part // every leaf part, in MIME order
}

// Part is one leaf of the MIME tree. Body is set only for text/plain and
// text/html parts that are not attachments; it holds the bytes as stored,
// still in Encoding (base64, quoted-printable...) and Charset.
type Part struct {
	Path        string // IMAP section path, e.g. "1.2"
	MediaType   string // lower case, e.g. "text/plain"
	Charset     string
	Encoding    string // Content-Transfer-Encoding, lower case
	Disposition string // "inline", "attachment" or ""
	Filename    string
	Size        int64 // encoded size on the server
	Body        []byte
	Truncated   bool // Body holds only the first MaxTextBytes
}

// IsText reports whether the part is a body text worth classifying.
func (p Part) IsText() bool {
	if p.MediaType != "text/plain" && p.MediaType != "text/html" {
		return false
	}
	return p.Disposition != "attachment" && p.Filename == ""
}

// Fetch reads the given UIDs of the selected mailbox with BODY.PEEK (no
// \Seen): first header, structure, flags and sizes, then only the text
// parts, each capped at MaxTextBytes. Messages gone meanwhile are skipped.
func (s *Session) Fetch(ctx context.Context, uids []uint32) ([]Fetched, error) {
	var all []Fetched
	// Batches bound memory and the number of commands in flight when a
	// large backlog is scanned.
	for len(uids) > 0 {
		n := min(len(uids), fetchBatch)
		got, err := s.fetchBatch(ctx, uids[:n])
		if err != nil {
			return all, err
		}
		all = append(all, got...)
		uids = uids[n:]
	}
	return all, nil
}

const fetchBatch = 64

func (s *Session) fetchBatch(ctx context.Context, uids []uint32) ([]Fetched, error) {
	var out []Fetched
	// Text parts of many messages take longer than one command; the bound
	// still catches a stall.
	timeout := s.opts.CommandTimeout * time.Duration(1+len(uids)/8)
	err := s.guard(ctx, timeout, "imap fetch", func() error {
		opts := &imap.FetchOptions{
			UID:           true,
			Flags:         true,
			InternalDate:  true,
			RFC822Size:    true,
			BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
			BodySection:   []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}},
		}
		want := uids
		for round := 0; round < 2 && len(want) > 0; round++ {
			bufs, err := s.c.Fetch(uidSet(want), opts).Collect()
			if err != nil {
				return fmt.Errorf("headers: %w", err)
			}
			want = nil
			for _, b := range bufs {
				if b.UID == 0 {
					continue // an unsolicited FETCH (flag change) of another message
				}
				if b.BodyStructure == nil {
					// go-imap gave our slot to an unsolicited flags-only
					// FETCH of this UID; the real answer was discarded.
					want = append(want, uint32(b.UID))
					continue
				}
				f := Fetched{UID: uint32(b.UID), InternalDate: b.InternalDate, Size: b.RFC822Size}
				for _, fl := range b.Flags {
					f.Flags = append(f.Flags, string(fl))
				}
				for _, sec := range b.BodySection {
					if sec.Section.Specifier == imap.PartSpecifierHeader && len(sec.Section.Part) == 0 {
						f.Header = sec.Bytes
					}
				}
				f.Parts = leaves(b.BodyStructure, s.opts.MaxTextBytes)
				out = append(out, f)
			}
		}
		if len(want) > 0 {
			return fmt.Errorf("headers: incomplete answer for uids %v", want)
		}
		slices.SortFunc(out, func(a, b Fetched) int { return cmp.Compare(a.UID, b.UID) })

		// Pipelined: every text fetch is written before any answer is read.
		type pending struct {
			idx  int
			cmd  *imapclient.FetchCommand
			secs map[string]int // section path -> part index
		}
		var cmds []pending
		for i := range out {
			var items []*imap.FetchItemBodySection
			secs := map[string]int{}
			for j, p := range out[i].Parts {
				if !p.IsText() {
					continue
				}
				items = append(items, &imap.FetchItemBodySection{
					Part:    pathInts(p.Path),
					Peek:    true,
					Partial: &imap.SectionPartial{Offset: 0, Size: s.opts.MaxTextBytes},
				})
				secs[p.Path] = j
			}
			if len(items) == 0 {
				continue
			}
			var one imap.UIDSet
			one.AddNum(imap.UID(out[i].UID))
			cmds = append(cmds, pending{idx: i, secs: secs,
				cmd: s.c.Fetch(one, &imap.FetchOptions{UID: true, BodySection: items})})
		}
		// go-imap hands each FETCH response to its command over an
		// unbuffered channel: every command must be drained concurrently,
		// or the reader blocks on the second one while we wait on the first
		// (and closing the socket would not release it).
		results := make([][]*imapclient.FetchMessageBuffer, len(cmds))
		errs := make([]error, len(cmds))
		var wg sync.WaitGroup
		for k, pc := range cmds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[k], errs[k] = pc.cmd.Collect()
			}()
		}
		wg.Wait()
		var firstErr error
		for k, pc := range cmds {
			if errs[k] != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("text parts of uid %d: %w", out[pc.idx].UID, errs[k])
				}
				continue
			}
			for _, b := range results[k] {
				if uint32(b.UID) != out[pc.idx].UID {
					continue
				}
				for _, sec := range b.BodySection {
					j, ok := pc.secs[pathString(sec.Section.Part)]
					if !ok || sec.Section.Specifier != imap.PartSpecifierNone {
						continue
					}
					body := sec.Bytes
					if body == nil {
						body = []byte{}
					}
					if int64(len(body)) > s.opts.MaxTextBytes {
						body = body[:s.opts.MaxTextBytes]
					}
					out[pc.idx].Parts[j].Body = body
				}
			}
		}
		return firstErr
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// leaves flattens a body structure into its leaf parts.
func leaves(bs imap.BodyStructure, max int64) []Part {
	var parts []Part
	bs.Walk(func(path []int, b imap.BodyStructure) bool {
		sp, ok := b.(*imap.BodyStructureSinglePart)
		if !ok {
			return true
		}
		p := Part{
			Path:      pathString(path),
			MediaType: sp.MediaType(),
			Charset:   strings.ToLower(sp.Params["charset"]),
			Encoding:  strings.ToLower(sp.Encoding),
			Filename:  sp.Filename(),
			Size:      int64(sp.Size),
		}
		if d := sp.Disposition(); d != nil {
			p.Disposition = strings.ToLower(d.Value)
		}
		p.Truncated = p.IsText() && p.Size > max
		parts = append(parts, p)
		return true
	})
	return parts
}

func pathString(path []int) string {
	if len(path) == 0 {
		return "1"
	}
	s := make([]string, len(path))
	for i, n := range path {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

func pathInts(path string) []int {
	var out []int
	for _, f := range strings.Split(path, ".") {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}
