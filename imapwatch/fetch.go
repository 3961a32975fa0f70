package imapwatch

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/boundaryd/boundaryd/classify/mailtext"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Fetched is what classification needs of one message: never attachment
// bytes, never more than MaxTextBytes of any text part nor
// textBytesPerMessage of text in all, never more than MaxHeaderBytes of
// header.
type Fetched struct {
	UID          uint32
	InternalDate time.Time
	Size         int64 // RFC822.SIZE of the whole message
	Flags        []string
	Header       []byte // the raw top-level header, blank line included when it fitted
	Parts        []Part // every leaf part, in MIME order
	// Errors says what of the message could not be read in full (a header
	// longer than MaxHeaderBytes, text past the per-message cap), for the
	// classification result: the message is still classified and handled,
	// never dropped.
	Errors []string
}

// Part is one leaf of the MIME tree, the one type from the fetch to the
// classifier (mailtext.Part). Fetch sets Body only for text/plain and
// text/html parts that are not attachments; it holds the bytes as stored,
// still in Encoding (base64, quoted-printable...) and Charset.
type Part = mailtext.Part

// Fetch reads the given UIDs of the selected mailbox with BODY.PEEK (no
// \Seen): first flags and sizes, then structure, then header (a partial
// range of MaxHeaderBytes), then only the text parts, each capped at
// MaxTextBytes. Messages gone meanwhile are skipped. Every answer is read
// under a byte budget computed from what was asked: a server that sends more
// ends the session with ErrTooMuchData.
func (s *Session) Fetch(ctx context.Context, uids []uint32) ([]Fetched, error) {
	var all []Fetched
	// Batches bound memory and the number of commands in flight when a
	// large backlog is scanned.
	for len(uids) > 0 {
		got, n, err := s.FetchUpTo(ctx, uids[:min(len(uids), fetchBatch)], 0)
		if err != nil {
			return all, err
		}
		all = append(all, got...)
		uids = uids[n:]
	}
	return all, nil
}

// FetchUpTo is Fetch of the longest prefix of uids (one message at least)
// whose messages can hold at most maxBytes of header and text in all (0: no
// limit), judged from their RFC822.SIZE before anything else is fetched: the
// caller's memory stays bounded whatever the sizes, and a batch of small
// messages is fetched in one go. covered is how many of uids were dealt with
// (fetched, or gone from the mailbox); the caller fetches the rest later.
func (s *Session) FetchUpTo(ctx context.Context, uids []uint32, maxBytes int64) (msgs []Fetched, covered int, err error) {
	if len(uids) == 0 {
		return nil, 0, nil
	}
	// Text parts of many messages take longer than one command; the bound
	// still catches a stall.
	timeout := s.opts.CommandTimeout * time.Duration(1+len(uids)/8)
	err = s.guard(ctx, timeout, "imap fetch", func() error {
		byUID, err := s.fetchSizes(uids)
		if err != nil {
			return err
		}
		covered = len(uids)
		if maxBytes > 0 {
			covered = s.prefixWithin(uids, byUID, maxBytes)
		}
		if msgs, err = s.fetchHeaders(uids[:covered], byUID); err != nil {
			return err
		}
		return s.fetchTexts(msgs)
	})
	if err != nil {
		return nil, 0, err
	}
	return msgs, covered, nil
}

// messageBytesAtMost is the most of header and text Fetch keeps of one
// message.
func (o Options) messageBytesAtMost() int64 { return o.MaxHeaderBytes + o.textBytesPerMessage() }

// prefixWithin is how many of uids (one at least) fit in maxBytes, each
// message counting its size up to what Fetch keeps of it at most.
func (s *Session) prefixWithin(uids []uint32, byUID map[uint32]*Fetched, maxBytes int64) int {
	var sum int64
	for i, u := range uids {
		if f := byUID[u]; f != nil {
			sum += min(max(f.Size, 0), s.opts.messageBytesAtMost())
		}
		if i > 0 && sum > maxBytes {
			return i
		}
	}
	return len(uids)
}

const (
	fetchBatch = 64
	// textGroupBytes bounds the text fetched by one group of pipelined
	// commands (and so their read budget).
	textGroupBytes = 8 << 20
	// minTextRequest is the least fetched of a text part whose size is
	// known, so that a server's slightly wrong BODYSTRUCTURE size (some
	// count lines differently) does not cut a short part.
	minTextRequest = 4 << 10
)

// textBytesPerMessage is the text fetched of one message in all: what the
// classifier examines (MaxTextBytes of decoded text) with room for the
// transfer encoding and the HTML alternative.
func (o Options) textBytesPerMessage() int64 { return 4 * o.MaxTextBytes }

// fetchSizes reads each message's flags, date and size: the first command,
// whose answer gives the budgets of the others.
func (s *Session) fetchSizes(uids []uint32) (map[uint32]*Fetched, error) {
	byUID := map[uint32]*Fetched{}
	err := s.fetchEach("imap fetch sizes", uids, &imap.FetchOptions{
		UID:          true,
		Flags:        true,
		InternalDate: true,
		RFC822Size:   true,
	}, perMessageBudget(uids, flagsBytesPerMessage), func(b *imapclient.FetchMessageBuffer) bool {
		if b.InternalDate.IsZero() {
			return false
		}
		f := &Fetched{UID: uint32(b.UID), InternalDate: b.InternalDate, Size: b.RFC822Size}
		for _, fl := range b.Flags {
			f.Flags = append(f.Flags, string(fl))
		}
		byUID[f.UID] = f
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("sizes: %w", err)
	}
	return byUID, nil
}

// fetchHeaders reads the structure, then the header, of those of uids whose
// sizes are in byUID: separate commands, so that each answer has a budget
// fitted to it. Parsed, a flag list or a BODYSTRUCTURE costs 10 to 15 times
// its bytes (a header literal, about its bytes): they get small budgets. A
// BODYSTRUCTURE's honest size grows with the message's, so structures are
// fetched in groups whose allowances (structureAllowance) add up to at most
// structureGroupBytes.
func (s *Session) fetchHeaders(uids []uint32, byUID map[uint32]*Fetched) ([]Fetched, error) {
	present := make([]uint32, 0, len(uids))
	for _, uid := range uids {
		if byUID[uid] != nil {
			present = append(present, uid)
		}
	}
	slices.Sort(present)
	present = slices.Compact(present)

	allowance := func(uids []uint32) int64 {
		var n int64
		for _, u := range uids {
			if f := byUID[u]; f != nil {
				n += structureAllowance(f.Size)
			}
		}
		return n
	}
	structured := map[uint32]bool{}
	for rest := present; len(rest) > 0; {
		n, cost := 0, int64(0)
		for n < len(rest) && (n == 0 || cost+structureAllowance(byUID[rest[n]].Size) <= structureGroupBytes) {
			cost += structureAllowance(byUID[rest[n]].Size)
			n++
		}
		group := rest[:n]
		rest = rest[n:]
		err := s.fetchEach("imap fetch structure", group, &imap.FetchOptions{
			UID:           true,
			BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		}, allowance, func(b *imapclient.FetchMessageBuffer) bool {
			f := byUID[uint32(b.UID)]
			if f == nil {
				return true // not asked
			}
			if b.BodyStructure == nil {
				return false
			}
			var more int
			f.Parts, more = leaves(b.BodyStructure, s.opts.MaxTextBytes)
			if more > 0 {
				f.Errors = append(f.Errors, fmt.Sprintf("more than %d MIME parts: %d more were not examined", maxPartsPerMessage, more))
			}
			structured[f.UID] = true
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("structure: %w", err)
		}
	}
	// A message without an answer below was expunged in between: skipped,
	// as one gone before the first command.
	present = slices.DeleteFunc(present, func(u uint32) bool { return !structured[u] })
	if len(present) == 0 {
		return nil, nil
	}

	var out []Fetched
	err := s.fetchEach("imap fetch headers", present, &imap.FetchOptions{
		UID: true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true,
			Partial: &imap.SectionPartial{Size: s.opts.MaxHeaderBytes}}},
	}, perMessageBudget(present, s.opts.MaxHeaderBytes+sectionOverhead), func(b *imapclient.FetchMessageBuffer) bool {
		f := byUID[uint32(b.UID)]
		if f == nil || !structured[f.UID] {
			return true // not asked, or answered twice
		}
		for _, sec := range b.BodySection {
			if sec.Section.Specifier == imap.PartSpecifierHeader && len(sec.Section.Part) == 0 {
				var problem string
				f.Header, problem = cutHeader(sec.Bytes, s.opts.MaxHeaderBytes)
				if problem != "" {
					f.Errors = append(f.Errors, problem)
				}
				out = append(out, *f)
				delete(structured, f.UID)
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("headers: %w", err)
	}
	slices.SortFunc(out, func(a, b Fetched) int { return cmp.Compare(a.UID, b.UID) })
	return out, nil
}

// structureAllowance is the most an honest BODYSTRUCTURE of a message of
// size bytes takes: a MIME part costs 9 bytes of message at least
// ("\r\n--b\r\n" and a blank line) and some 72 in the structure
// (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL
// NIL)), plus what its header fields give (parameters, an embedded
// message's envelope), each at most a few times their own bytes; 12 times
// the size leaves a margin. Capped at maxStructureBytes: Dovecot stops at
// 10000 parts.
func structureAllowance(size int64) int64 {
	return min(max(12*size, minStructureBytes), maxStructureBytes)
}

// perMessageBudget is a read budget of n bytes for each of uids.
func perMessageBudget(uids []uint32, n int64) func([]uint32) int64 {
	return func(want []uint32) int64 { return int64(len(want)) * n }
}

// fetchEach runs one UID FETCH of opts for uids under a read budget of
// defaultReadBudget plus budget(uids asked), and hands each message's
// answer to take. take reports false when the answer lacks what was asked:
// go-imap gave its slot to an unsolicited flags-only FETCH of the same UID
// and discarded the real one. Those UIDs are asked once more.
func (s *Session) fetchEach(what string, uids []uint32, opts *imap.FetchOptions, budget func([]uint32) int64, take func(*imapclient.FetchMessageBuffer) bool) error {
	want := uids
	for round := 0; round < 2 && len(want) > 0; round++ {
		s.limitReads(what, defaultReadBudget+budget(want))
		bufs, err := s.c.Fetch(uidSet(want), opts).Collect()
		if err != nil {
			return err
		}
		want = nil
		for _, b := range bufs {
			if b.UID == 0 {
				continue // an unsolicited FETCH (flag change) of another message
			}
			if !take(b) {
				want = append(want, uint32(b.UID))
			}
		}
	}
	if len(want) > 0 {
		return fmt.Errorf("incomplete answer for uids %v", want)
	}
	return nil
}

// cutHeader checks a header fetched with a partial range of max bytes. One
// that filled the range without reaching its blank line was longer: it is
// cut after its last complete line and the problem is named, for the
// classification result.
func cutHeader(h []byte, max int64) ([]byte, string) {
	if int64(len(h)) < max || bytes.HasSuffix(h, []byte("\n\r\n")) || bytes.HasSuffix(h, []byte("\n\n")) {
		return h, ""
	}
	h = h[:max] // a server that sent more than asked is cut all the same
	if i := bytes.LastIndexByte(h, '\n'); i >= 0 {
		h = h[:i+1]
	}
	return h, fmt.Sprintf("header longer than %s: only its first %d bytes were examined", formatBytes(max), len(h))
}

// textRequest is one text part to fetch and how much of it.
type textRequest struct {
	part int   // index in Fetched.Parts
	size int64 // partial range asked
}

// planTexts chooses which text parts of f to fetch and how much of each:
// the whole part up to MaxTextBytes (a little more than its announced size,
// in case the server's count is off), and no more than
// textBytesPerMessage for the message. Parts past that are marked
// Truncated with an empty body, and the message says so in its Errors.
func (s *Session) planTexts(f *Fetched) []textRequest {
	var reqs []textRequest
	left := s.opts.textBytesPerMessage()
	skipped := 0
	for j, p := range f.Parts {
		if !p.IsText() {
			continue
		}
		size := s.opts.MaxTextBytes
		if p.Size > 0 {
			size = min(size, max(2*p.Size, minTextRequest))
		}
		if left < min(size, minTextRequest) {
			f.Parts[j].Body, f.Parts[j].Truncated = []byte{}, true
			skipped++
			continue
		}
		size = min(size, left)
		left -= size
		reqs = append(reqs, textRequest{part: j, size: size})
	}
	if skipped > 0 {
		f.Errors = append(f.Errors, fmt.Sprintf("%d text part(s) past the first %s of text were not examined",
			skipped, formatBytes(s.opts.textBytesPerMessage())))
	}
	return reqs
}

// fetchTexts fetches the planned text parts of out. Messages whose text
// parts have the same section paths (the common case: "1", or "1" and "2")
// share one UID FETCH, each section asked with the largest range any of them
// needs; each message's answer is still cut to its own range. The commands
// are pipelined in groups whose read budget is the sum of what they can
// return, at most textGroupBytes (one command alone may exceed it).
func (s *Session) fetchTexts(out []Fetched) error {
	type textCmd struct {
		paths []string                          // section paths asked
		sizes []int64                           // range asked of each path
		reqs  map[uint32]map[string]textRequest // uid -> path -> its own request
		uids  []uint32
		cost  int64 // most the answer can hold
	}
	var cmds []*textCmd
	open := map[string]*textCmd{} // paths key -> the command being filled
	for i := range out {
		reqs := s.planTexts(&out[i])
		if len(reqs) == 0 {
			continue
		}
		own := make(map[string]textRequest, len(reqs))
		paths := make([]string, 0, len(reqs))
		for _, r := range reqs {
			p := out[i].Parts[r.part].Path
			own[p] = r
			paths = append(paths, p)
		}
		slices.Sort(paths)
		key := strings.Join(paths, " ")
		c := open[key]
		if c != nil {
			// What the command would cost with this message in it.
			grown := int64(0)
			for k, p := range c.paths {
				grown += max(c.sizes[k], own[p].size) + sectionOverhead
			}
			if grown*int64(len(c.uids)+1) > textGroupBytes {
				c = nil
			}
		}
		if c == nil {
			c = &textCmd{paths: paths, sizes: make([]int64, len(paths)), reqs: map[uint32]map[string]textRequest{}}
			open[key] = c
			cmds = append(cmds, c)
		}
		for k, p := range c.paths {
			c.sizes[k] = max(c.sizes[k], own[p].size)
		}
		c.reqs[out[i].UID] = own
		c.uids = append(c.uids, out[i].UID)
	}
	for _, c := range cmds {
		per := int64(0)
		for _, n := range c.sizes {
			per += n + sectionOverhead
		}
		c.cost = per * int64(len(c.uids))
	}
	byUID := make(map[uint32]*Fetched, len(out))
	for i := range out {
		byUID[out[i].UID] = &out[i]
	}
	var firstErr error
	for len(cmds) > 0 {
		n, cost := 0, int64(0)
		for n < len(cmds) && (n == 0 || cost+cmds[n].cost <= textGroupBytes) {
			cost += cmds[n].cost
			n++
		}
		group := cmds[:n]
		cmds = cmds[n:]

		s.limitReads("imap fetch text parts", defaultReadBudget+cost)
		// Pipelined: every command of the group is written before any
		// answer is read.
		sent := make([]*imapclient.FetchCommand, len(group))
		for k, c := range group {
			items := make([]*imap.FetchItemBodySection, len(c.paths))
			for j, path := range c.paths {
				items[j] = &imap.FetchItemBodySection{
					Part:    pathInts(path),
					Peek:    true,
					Partial: &imap.SectionPartial{Offset: 0, Size: c.sizes[j]},
				}
			}
			sent[k] = s.c.Fetch(uidSet(c.uids), &imap.FetchOptions{UID: true, BodySection: items})
		}
		// go-imap hands each FETCH response to its command over an
		// unbuffered channel: every command must be drained concurrently,
		// or the reader blocks on the second one while we wait on the first
		// (and closing the socket would not release it).
		results := make([][]*imapclient.FetchMessageBuffer, len(sent))
		errs := make([]error, len(sent))
		var wg sync.WaitGroup
		for k, cmd := range sent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[k], errs[k] = cmd.Collect()
			}()
		}
		wg.Wait()
		for k, c := range group {
			if errs[k] != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("text parts of uids %v: %w", uidSet(c.uids), errs[k])
				}
				continue
			}
			for _, b := range results[k] {
				own, asked := c.reqs[uint32(b.UID)]
				f := byUID[uint32(b.UID)]
				if !asked || f == nil {
					continue // an unsolicited FETCH of another message
				}
				for _, sec := range b.BodySection {
					r, ok := own[pathString(sec.Section.Part)]
					if !ok || sec.Section.Specifier != imap.PartSpecifierNone {
						continue
					}
					body := sec.Bytes
					if body == nil {
						body = []byte{}
					}
					p := &f.Parts[r.part]
					// A part that filled its range may go on: past
					// MaxTextBytes, or past a size the server got wrong.
					if int64(len(body)) >= r.size && r.size != p.Size {
						p.Truncated = true
					}
					if int64(len(body)) > r.size {
						// The command asked more for another message.
						body = body[:r.size:r.size]
						p.Truncated = true
					}
					p.Body = body
				}
			}
		}
		if firstErr != nil {
			return firstErr
		}
	}
	return nil
}

// maxPartsPerMessage bounds the leaves kept of one message's structure.
const maxPartsPerMessage = 1000

// leaves flattens a body structure into its leaf parts, the first
// maxPartsPerMessage of them; more counts the others.
func leaves(bs imap.BodyStructure, max int64) (parts []Part, more int) {
	bs.Walk(func(path []int, b imap.BodyStructure) bool {
		sp, ok := b.(*imap.BodyStructureSinglePart)
		if !ok {
			return true
		}
		if len(parts) >= maxPartsPerMessage {
			more++
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
	return parts, more
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
