package classify

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// matcher finds every occurrence of a set of compiled phrases in a token stream. It indexes phrases by the
// words they can start with, so the cost per token is a few lookups plus a bounded run of the phrase programs
// that can start there: linear in the text, whatever it contains.
//
// Everything is packed into a few flat tables shared by all the phrases: the words are numbered once
// (vocab), each token is looked up once per call, and the programs compare numbers, not strings.
type matcher struct {
	phrases []*phrase        // by phrase id: the source (the programs are packed below)
	vocab   map[string]int32 // the phrases' words and stems, and the negation words (ids below nNeg)
	words   []string         // by word id
	masks   []uint32         // by word id: byteMask of the word
	nNeg    int32

	wordStart []uint32 // per word id: the phrases that can start with it are starts[wordStart[id]:wordStart[id+1]]
	starts    []int32
	stemFirst [4]uint64   // first bytes of the stems of at least two bytes
	stemPre   []stemGroup // by the stems' first two bytes, sorted
	stems     []stemRef   // grouped by stemPre, in order of first use
	shortStem []stemRef   // stems shorter than two bytes
	byNum     []int32     // phrases that can start with a number ("30 paracetamol")

	heads []phHead
	insts []uint32 // per instruction (all phrases, one after the other): op | fuzzy<<3 | word id<<4
	nexts []uint32 // per instruction: the state list that follows it
	lists []uint32 // per state list: its start in lpcs<<1 | complete; one more entry ends the last
	lpcs  []uint16 // the state lists' instructions, numbered within their phrase
	data  []int32  // per phrase (phHead.data): one-word ids, second-word ids, second stems, second typo words, (first word, pc) pairs, other start pcs

	maxProg int
}

// phHead is where a phrase's program and sets are in the matcher's tables.
type phHead struct {
	code     uint32 // its first instruction in insts
	data     uint32 // its section of data
	secBloom uint64 // bit id%64 of each second word
	ncode    uint16
	none     uint16 // one-word ids (sorted)
	nsec     uint16 // second-word ids (sorted)
	nstem    uint16 // second stems (word ids)
	nfuzzy   uint16 // second words that may carry a typo (word ids)
	nfirst   uint16 // (first word id, pc) pairs, sorted
	nother   uint16 // start instructions to try on any word
	maxSpan  uint8
	gap      uint8 // most gap tokens before the second word, stem or number
	flags    uint8
}

// phHead flags.
const (
	phAnySecond = 1 // a stem or a number alone is a match: the program decides
	phSecondNum = 2 // a number can come second
)

// Instruction encoding in matcher.insts.
const (
	instOpMask  = 7
	instFuzzy   = 8
	instArgBits = 4
)

// stemRef is one stem and the phrases that can start with it.
type stemRef struct {
	stem string
	ids  []int32
}

// stemGroup is the run of stems sharing their first two bytes.
type stemGroup struct {
	pre      uint16
	from, to uint32 // in matcher.stems
}

// Per-token flags computed once per find.
const (
	tokNeg    = 1 // a negation word: a gap never swallows it
	tokDigits = 2 // made of digits
)

func newMatcher(phrases []*phrase) *matcher {
	m := &matcher{phrases: phrases, vocab: map[string]int32{}}
	negs := make([]string, 0, len(negationWords))
	for w := range negationWords {
		negs = append(negs, w)
	}
	sort.Strings(negs)
	for _, w := range negs {
		m.word(w)
	}
	m.nNeg = int32(len(m.words))
	for _, ph := range phrases {
		if ph.c == nil {
			panic("classify: a phrase indexed by two matchers") // compile phrases once per matcher
		}
		for _, w := range ph.c.firstWord {
			m.word(w)
		}
	}
	// The phrases that can start with each word, in phrase order.
	byWord := make([][]int32, len(m.words))
	stems := map[string][]int32{}
	var order []string
	for i, ph := range phrases {
		id := int32(i)
		for _, w := range ph.c.firstWord {
			wi := m.vocab[w]
			byWord[wi] = appendUnique(byWord[wi], id)
		}
		for _, s := range ph.c.firstStem {
			if _, ok := stems[s]; !ok {
				order = append(order, s)
			}
			stems[s] = appendUnique(stems[s], id)
		}
		if ph.c.firstNum {
			m.byNum = appendUnique(m.byNum, id)
		}
	}
	m.wordStart = make([]uint32, 0, len(byWord)+1)
	for _, ids := range byWord {
		m.wordStart = append(m.wordStart, uint32(len(m.starts)))
		m.starts = append(m.starts, ids...)
	}
	m.wordStart = append(m.wordStart, uint32(len(m.starts)))
	byPre := map[uint16][]stemRef{}
	var pres []uint16
	for _, s := range order {
		ref := stemRef{stem: s, ids: slices.Clip(stems[s])}
		if len(s) < 2 {
			m.shortStem = append(m.shortStem, ref)
			continue
		}
		pre := uint16(s[0])<<8 | uint16(s[1])
		if _, ok := byPre[pre]; !ok {
			pres = append(pres, pre)
		}
		byPre[pre] = append(byPre[pre], ref)
		m.stemFirst[s[0]>>6] |= 1 << (s[0] & 63)
	}
	slices.Sort(pres)
	for _, pre := range pres {
		g := stemGroup{pre: pre, from: uint32(len(m.stems))}
		m.stems = append(m.stems, byPre[pre]...)
		g.to = uint32(len(m.stems))
		m.stemPre = append(m.stemPre, g)
	}
	// The programs.
	lists := map[string]uint32{}
	var key []byte
	m.heads = make([]phHead, len(phrases))
	for i, ph := range phrases {
		m.pack(&m.heads[i], ph.c, lists, &key)
		ph.c = nil // packed: the matcher's tables hold it now
	}
	m.lists = append(m.lists, uint32(len(m.lpcs))<<1)
	for len(m.wordStart) < len(m.words)+1 { // words no phrase starts with
		m.wordStart = append(m.wordStart, uint32(len(m.starts)))
	}
	// Exact sizes: the tables grew by appending, up to twice what they hold.
	m.wordStart, m.starts = slices.Clone(m.wordStart), slices.Clone(m.starts)
	m.insts, m.nexts, m.lists, m.lpcs, m.data = slices.Clone(m.insts), slices.Clone(m.nexts), slices.Clone(m.lists),
		slices.Clone(m.lpcs), slices.Clone(m.data)
	m.words, m.masks = slices.Clone(m.words), slices.Clone(m.masks)
	m.settle()
	return m
}

// settle moves what the matcher keeps for good (the phrases, their sources, the words) into a few large
// allocations of its own. Compiling leaves them scattered among its garbage (the YAML parser's scalars, the
// phrase programs), whose memory a long-running daemon could then never give back.
func (m *matcher) settle() {
	n := 0
	for _, ph := range m.phrases {
		n += len(ph.src)
	}
	var b strings.Builder
	b.Grow(n)
	for _, ph := range m.phrases {
		b.WriteString(ph.src)
	}
	srcs := b.String()
	packed := make([]phrase, len(m.phrases))
	for i, ph := range m.phrases {
		packed[i].src, srcs = srcs[:len(ph.src)], srcs[len(ph.src):]
		m.phrases[i] = &packed[i] // in place: the caller's slice is this one
	}
	n = 0
	for _, w := range m.words {
		n += len(w)
	}
	b = strings.Builder{}
	b.Grow(n)
	for _, w := range m.words {
		b.WriteString(w)
	}
	all := b.String()
	m.vocab = make(map[string]int32, len(m.words))
	for i, w := range m.words {
		m.words[i], all = all[:len(w)], all[len(w):]
		m.vocab[m.words[i]] = int32(i)
	}
}

// byteMask has bit b&31 set for each byte b of w. One insertion, deletion, substitution or swap changes at
// most two bits of it, so a mask further away turns a typo comparison down without reading the words.
func byteMask(w string) uint32 {
	var x uint32
	for i := 0; i < len(w); i++ {
		x |= 1 << (w[i] & 31)
	}
	return x
}

// typo reports whether token key k (byteMask km) is word id w with one typo: editOne, after the cheap
// rejections (lengths, byte masks).
func (m *matcher) typo(k string, km uint32, w int32) bool {
	ws := m.words[w]
	if d := len(k) - len(ws); d > 1 || d < -1 || bits.OnesCount32(km^m.masks[w]) > 2 {
		return false
	}
	return editOne(k, ws)
}

// word returns the id of w, numbering it on first sight.
func (m *matcher) word(w string) int32 {
	if id, ok := m.vocab[w]; ok {
		return id
	}
	id := int32(len(m.words))
	m.vocab[w] = id
	m.words = append(m.words, w)
	m.masks = append(m.masks, byteMask(w))
	return id
}

// pack appends one phrase's program and sets to the matcher's tables. Identical state lists, within a phrase
// or across phrases, are stored once.
func (m *matcher) pack(h *phHead, pc *phraseCode, lists map[string]uint32, key *[]byte) {
	if len(pc.code) >= 1<<16 || pc.maxSpan > 255 {
		panic("classify: phrase too large to pack") // compilePhrase caps phrases far below this
	}
	h.code, h.ncode, h.maxSpan = uint32(len(m.insts)), uint16(len(pc.code)), uint8(pc.maxSpan)
	if pc.anySecond {
		h.flags |= phAnySecond
	}
	if pc.secondNum {
		h.flags |= phSecondNum
	}
	h.gap = uint8(pc.secondGap)
	m.maxProg = max(m.maxProg, len(pc.code))
	for i, in := range pc.code {
		v := uint32(in.op)
		if in.fuzzy {
			v |= instFuzzy
		}
		if in.op == opWord || in.op == opStem {
			v |= uint32(m.word(in.key)) << instArgBits
		}
		m.insts = append(m.insts, v)
		l := pc.lists[pc.next[i]]
		k := (*key)[:0]
		if l.accept {
			k = append(k, 1)
		}
		for _, q := range pc.lpcs[l.off : l.off+uint32(l.n)] {
			k = append(k, byte(q), byte(q>>8))
		}
		*key = k
		li, ok := lists[string(k)]
		if !ok {
			li = uint32(len(m.lists))
			lists[string(k)] = li
			v := uint32(len(m.lpcs)) << 1
			if l.accept {
				v |= 1
			}
			m.lists = append(m.lists, v)
			for _, q := range pc.lpcs[l.off : l.off+uint32(l.n)] {
				m.lpcs = append(m.lpcs, uint16(q))
			}
		}
		m.nexts = append(m.nexts, li)
	}
	h.data = uint32(len(m.data))
	sortedIDs := func(ws []string) uint16 {
		from := len(m.data)
		for _, w := range ws {
			m.data = append(m.data, m.word(w))
		}
		slices.Sort(m.data[from:])
		return uint16(len(ws))
	}
	h.none = sortedIDs(pc.oneWords)
	h.nsec = sortedIDs(pc.seconds)
	for _, id := range m.data[len(m.data)-int(h.nsec):] {
		h.secBloom |= 1 << (uint32(id) & 63)
	}
	for _, s := range pc.secondStem {
		m.data = append(m.data, m.word(s))
	}
	h.nstem = uint16(len(pc.secondStem))
	for _, s := range pc.secondFuzzy {
		m.data = append(m.data, m.word(s))
	}
	h.nfuzzy = uint16(len(pc.secondFuzzy))
	type pair struct{ id, pc int32 }
	firsts := make([]pair, len(pc.first))
	for i, f := range pc.first {
		firsts[i] = pair{m.word(f.key), f.pc}
	}
	slices.SortFunc(firsts, func(a, b pair) int {
		if a.id != b.id {
			return int(a.id - b.id)
		}
		return int(a.pc - b.pc)
	})
	for _, f := range firsts {
		m.data = append(m.data, f.id, f.pc)
	}
	h.nfirst = uint16(len(firsts))
	m.data = append(m.data, pc.firstOther...)
	h.nother = uint16(len(pc.firstOther))
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// sortedKeys returns a set's words, sorted.
func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hit is one phrase occurrence: tokens [start, end).
type hit struct {
	phrase     int32
	start, end int
}

// matchScratch is per-call working memory.
type matchScratch struct {
	seen      []uint32 // candidate dedup stamps, per phrase
	gen       uint32
	stamp     []uint32 // state dedup stamps, per instruction
	sgen      uint32
	cur, next []uint16
	// Per find call, by nesting depth: fn may run another matcher's find with this scratch (a rule's
	// judgement makes the context analysis on first use), which must not overwrite the outer call's lists.
	levels []*findScratch
	depth  int
}

// findScratch is one find call's lists: the current word's candidates and every token's word id and flags.
type findScratch struct {
	cands []int32
	ids   []int32
	flags []uint8
	masks []uint32 // byteMask of the tokens long enough to carry a typo
	reach []uint64 // per token, the bloom bits (id%64) of the words that may come second after it (reachWords)
}

// reachWords is how many tokens after a phrase's first word reach covers: mayContinue's scan of a phrase whose
// second word must come within that many is answered by one AND when no second word is in reach.
const reachWords = 8

// find calls fn for each phrase occurrence, in token order. fn returns false to stop early.
func (m *matcher) find(toks []token, sc *matchScratch, fn func(hit) bool) {
	if len(m.heads) == 0 || len(toks) == 0 {
		return
	}
	if len(sc.seen) < len(m.heads) {
		sc.seen = make([]uint32, len(m.heads))
		sc.gen = 0
	}
	if sc.depth == len(sc.levels) {
		sc.levels = append(sc.levels, &findScratch{})
	}
	fs := sc.levels[sc.depth]
	sc.depth++
	defer func() { sc.depth-- }()
	ids, flags, masks := fs.ids[:0], fs.flags[:0], fs.masks[:0]
	for i := range toks {
		k := toks[i].key
		id, ok := m.vocab[k]
		if !ok {
			id = -1
		}
		var f uint8
		if uint32(id) < uint32(m.nNeg) {
			f |= tokNeg
		}
		if k != "" && '0' <= k[0] && k[0] <= '9' && isDigits(k) {
			f |= tokDigits
		}
		var km uint32
		if len(k) >= fuzzyMinLen-1 {
			km = byteMask(k)
		}
		ids, flags, masks = append(ids, id), append(flags, f), append(masks, km)
	}
	fs.ids, fs.flags, fs.masks = ids, flags, masks
	// reach[p] holds what mayContinue could meet after token p: it stops before a sentence break and after a
	// negation, as the scan does, so a phrase whose second words are all out of reach cannot continue.
	reach := fs.reach[:0]
	for p := range toks {
		var b uint64
		for q := p + 1; q < len(toks) && q <= p+reachWords; q++ {
			if toks[q].brk == brkSentence {
				break
			}
			if ids[q] >= 0 {
				b |= 1 << (uint32(ids[q]) & 63)
			}
			if flags[q]&tokNeg != 0 {
				break
			}
		}
		reach = append(reach, b)
	}
	fs.reach = reach
	cands := fs.cands
	for p := range toks {
		id := ids[p]
		cands = m.candidates(toks[p].key, id, flags[p]&tokDigits != 0, cands[:0], sc)
		fs.cands = cands
		for _, pi := range cands {
			h := &m.heads[pi]
			// A one-word alternative taking this very word is the shortest match: no program to run.
			if h.none > 0 && inSorted(m.data[h.data:h.data+uint32(h.none)], id) {
				if !fn(hit{phrase: pi, start: p, end: p + 1}) {
					return
				}
				continue
			}
			// Most candidates fail on the second word: look for it before running the program.
			if outOfReach(h, fs, p) {
				continue
			}
			if h.flags&phAnySecond == 0 && !m.mayContinue(h, toks, fs, p) {
				continue
			}
			if end := m.matchAt(h, toks, fs, p, sc); end > 0 {
				if !fn(hit{phrase: pi, start: p, end: end}) {
					return
				}
			}
		}
	}
}

// candidates appends to out, once each, the phrases that may start with token key k (word id id).
func (m *matcher) candidates(k string, id int32, digits bool, out []int32, sc *matchScratch) []int32 {
	sc.gen++
	if sc.gen == 0 { // wrapped: clear the stamps
		clear(sc.seen)
		sc.gen = 1
	}
	if id >= 0 {
		out = addCands(out, m.starts[m.wordStart[id]:m.wordStart[id+1]], sc)
	}
	if digits && len(m.byNum) > 0 {
		out = addCands(out, m.byNum, sc)
	}
	if len(k) >= 2 && m.stemFirst[k[0]>>6]&(1<<(k[0]&63)) != 0 {
		pre := uint16(k[0])<<8 | uint16(k[1])
		for _, g := range m.stemPre {
			if g.pre == pre {
				for _, st := range m.stems[g.from:g.to] {
					if strings.HasPrefix(k, st.stem) {
						out = addCands(out, st.ids, sc)
					}
				}
				break
			}
		}
	}
	for _, st := range m.shortStem {
		if strings.HasPrefix(k, st.stem) {
			out = addCands(out, st.ids, sc)
		}
	}
	return out
}

func addCands(out, ids []int32, sc *matchScratch) []int32 {
	for _, id := range ids {
		if sc.seen[id] != sc.gen {
			sc.seen[id] = sc.gen
			out = append(out, id)
		}
	}
	return out
}

// inSorted reports whether id is in the sorted list s.
func inSorted(s []int32, id int32) bool {
	if len(s) <= 8 {
		for _, x := range s {
			if x == id {
				return true
			}
		}
		return false
	}
	i, _ := slices.BinarySearch(s, id)
	return i < len(s) && s[i] == id
}

// outOfReach reports, with one AND, that a phrase taking only exact second words, within reachWords, has none
// of them after token p: mayContinue would scan for nothing.
func outOfReach(h *phHead, fs *findScratch, p int) bool {
	return h.flags&(phAnySecond|phSecondNum) == 0 && h.nstem == 0 && h.nfuzzy == 0 && int(h.gap) < reachWords &&
		h.secBloom&fs.reach[p] == 0
}

// mayContinue reports whether a match starting at token p can go on: one of the words, stems or numbers that
// can come second is within reach, past at most h.gap gap tokens, in the same sentence, with no negation in
// between (a gap never takes one). It never turns down a match the program would find.
func (m *matcher) mayContinue(h *phHead, toks []token, fs *findScratch, p int) bool {
	end := min(len(toks), p+2+int(h.gap), p+int(h.maxSpan))
	for q := p + 1; q < end; q++ {
		if toks[q].brk == brkSentence {
			return false
		}
		if m.takesSecond(h, toks[q].key, fs.ids[q], fs.masks[q]) || (h.flags&phSecondNum != 0 && fs.flags[q]&tokDigits != 0) {
			return true
		}
		if fs.flags[q]&tokNeg != 0 {
			return false
		}
	}
	return false
}

// takesSecond reports whether a match can continue with the word k (word id id) after its first word (when
// no gap or number can come second): an exact word, a stem, or a long word one typo away.
func (m *matcher) takesSecond(h *phHead, k string, id int32, km uint32) bool {
	d := m.data[h.data+uint32(h.none):]
	if id >= 0 && h.secBloom&(1<<(uint32(id)&63)) != 0 && inSorted(d[:h.nsec], id) {
		return true
	}
	d = d[h.nsec:]
	for _, st := range d[:h.nstem] {
		if strings.HasPrefix(k, m.words[st]) {
			return true
		}
	}
	if len(k) >= fuzzyMinLen-1 {
		for _, w := range d[h.nstem : h.nstem+h.nfuzzy] {
			if m.typo(k, km, w) {
				return true
			}
		}
	}
	return false
}

// matchAt runs the phrase program from token p and returns the end of the shortest match, or -1. The state
// set holds only consuming instructions; the empty moves were followed once, at compile time (closure).
func (m *matcher) matchAt(h *phHead, toks []token, fs *findScratch, p int, sc *matchScratch) int {
	n := int(h.ncode)
	if cap(sc.stamp) < n {
		sc.stamp = make([]uint32, max(n, m.maxProg))
		sc.sgen = 0
	}
	code := m.insts[h.code : h.code+uint32(n)]
	nexts := m.nexts[h.code : h.code+uint32(n)]
	stamp := sc.stamp[:n]
	next := sc.next[:0]
	sc.sgen++
	if sc.sgen == 0 {
		clear(sc.stamp)
		sc.sgen = 1
	}
	// First step: only the start instructions that can take this word (found by number, not by trying them
	// all), then the stems and numbers.
	d := m.data[h.data+uint32(h.none)+uint32(h.nsec)+uint32(h.nstem)+uint32(h.nfuzzy):]
	firsts, others := d[:2*int(h.nfirst)], d[2*int(h.nfirst):2*int(h.nfirst)+int(h.nother)]
	id0 := fs.ids[p]
	i := 0
	if len(firsts) > 2*keyScan {
		lo, hi := 0, len(firsts)/2
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if firsts[2*mid] < id0 {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		i = 2 * lo
	} else {
		for i < len(firsts) && firsts[i] < id0 {
			i += 2
		}
	}
	for ; i < len(firsts) && firsts[i] == id0; i += 2 {
		if m.follow(nexts[firsts[i+1]], stamp, &next, sc.sgen) {
			return p + 1
		}
	}
	for _, pc := range others {
		if m.consumes(code[pc], toks, fs, p) && m.follow(nexts[pc], stamp, &next, sc.sgen) {
			return p + 1
		}
	}
	cur := next
	next = sc.cur[:0]
	limit := min(len(toks), p+int(h.maxSpan))
	for pos := p + 1; pos < limit && len(cur) > 0; pos++ {
		if toks[pos].brk == brkSentence {
			break // phrases stay within one sentence
		}
		sc.sgen++
		if sc.sgen == 0 {
			clear(sc.stamp)
			sc.sgen = 1
		}
		next = next[:0]
		for _, pc := range cur {
			if !m.consumes(code[pc], toks, fs, pos) {
				continue
			}
			li := nexts[pc]
			l0, l1 := m.lists[li], m.lists[li+1]
			if l0&1 != 0 {
				sc.cur, sc.next = cur, next
				return pos + 1
			}
			for _, q := range m.lpcs[l0>>1 : l1>>1] {
				if stamp[q] != sc.sgen {
					stamp[q] = sc.sgen
					next = append(next, q)
				}
			}
		}
		cur, next = next, cur
	}
	sc.cur, sc.next = cur, next
	return -1
}

// follow adds state list li's instructions to next, once each, and reports whether the match is complete.
func (m *matcher) follow(li uint32, stamp []uint32, next *[]uint16, gen uint32) bool {
	l0, l1 := m.lists[li], m.lists[li+1]
	if l0&1 != 0 {
		return true
	}
	for _, q := range m.lpcs[l0>>1 : l1>>1] {
		if stamp[q] != gen {
			stamp[q] = gen
			*next = append(*next, q)
		}
	}
	return false
}

// keyScan is the most (word, pc) pairs scanned in place before a binary search.
const keyScan = 4

// consumes reports whether instruction in accepts token pos.
func (m *matcher) consumes(in uint32, toks []token, fs *findScratch, pos int) bool {
	switch in & instOpMask {
	case opWord:
		arg := int32(in >> instArgBits)
		if fs.ids[pos] == arg {
			return true
		}
		k := toks[pos].key
		return in&instFuzzy != 0 && len(k) >= fuzzyMinLen-1 && m.typo(k, fs.masks[pos], arg)
	case opStem:
		return strings.HasPrefix(toks[pos].key, m.words[in>>instArgBits])
	case opNum:
		return fs.flags[pos]&tokDigits != 0
	case opAny:
		// A gap never swallows a negation: "vais pas me suicider" is not "vais ... me suicider".
		return fs.flags[pos]&tokNeg == 0
	}
	return false
}

// computeClosures records, for every instruction, the consuming instructions reachable through empty moves
// and whether the match state is.
func (ph *phraseCode) computeClosures() {
	n := len(ph.b.prog)
	ph.b.closure = make([][]int32, n+1)
	ph.b.accepts = make([]bool, n+1)
	seen := make([]int, n)
	// Only the start and the instruction after each consuming one are ever looked up; identical lists (the
	// continuations of an alternation's words) share one backing array.
	intern := map[string][]int32{}
	var key []byte
	closureOf := func(start int) {
		var list []int32
		accept := false
		var walk func(pc int)
		walk = func(pc int) {
			if seen[pc] == start+1 {
				return
			}
			seen[pc] = start + 1
			switch in := ph.b.prog[pc]; in.op {
			case opSplit:
				walk(int(in.x))
				walk(int(in.y))
			case opJmp:
				walk(int(in.x))
			case opMatch:
				accept = true
			default:
				list = append(list, int32(pc))
			}
		}
		walk(start)
		key = key[:0]
		for _, pc := range list {
			key = append(key, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
		}
		if shared, ok := intern[string(key)]; ok {
			list = shared
		} else if len(list) > 0 {
			list = append([]int32(nil), list...) // exact size
			intern[string(key)] = list
		}
		ph.b.closure[start], ph.b.accepts[start] = list, accept
	}
	closureOf(0)
	for pc := 0; pc < n; pc++ {
		switch ph.b.prog[pc].op {
		case opWord, opStem, opAny, opNum:
			if pc+1 < n {
				closureOf(pc + 1)
			}
		}
	}
	ph.b.second = map[string]bool{}
	for _, pc := range ph.b.closure[0] {
		if ph.b.accepts[pc+1] {
			if in := ph.b.prog[pc]; in.op == opWord {
				if ph.b.oneWord == nil {
					ph.b.oneWord = map[string]bool{}
				}
				ph.b.oneWord[in.key] = true
			} else {
				ph.anySecond = true // a stem or a number alone: the program decides
			}
			continue
		}
		// What the match can take next, looking past gaps: a match needs one of these words, stems or
		// numbers within the next secondGap+1 tokens.
		cur := ph.b.closure[pc+1]
		for depth := 0; len(cur) > 0; depth++ {
			var next []int32
			seen := map[int32]bool{} // per depth: the deepest way to a word is the one that counts
			for _, q := range cur {
				switch in := ph.b.prog[q]; in.op {
				case opAny:
					if ph.b.accepts[q+1] {
						ph.anySecond = true // complete after a gap alone: the program decides
					}
					for _, r := range ph.b.closure[q+1] {
						if !seen[r] {
							seen[r] = true
							next = append(next, r)
						}
					}
					continue
				case opWord:
					ph.b.second[in.key] = true
					if in.fuzzy && !slices.Contains(ph.secondFuzzy, in.key) {
						ph.secondFuzzy = append(ph.secondFuzzy, in.key)
					}
				case opStem:
					if !slices.Contains(ph.secondStem, in.key) {
						ph.secondStem = append(ph.secondStem, in.key)
					}
				case opNum:
					ph.secondNum = true
				}
				ph.secondGap = max(ph.secondGap, depth)
			}
			cur = next
		}
	}
	ph.b.firstByKey = map[string][]int32{}
	for _, pc := range ph.b.closure[0] {
		if in := ph.b.prog[pc]; in.op == opWord {
			ph.b.firstByKey[in.key] = append(ph.b.firstByKey[in.key], pc)
		} else {
			ph.firstOther = append(ph.firstOther, pc)
		}
	}
}

// listRef is a set of consuming instructions a match may be at (lpcs[off:off+n]), and whether the match is
// complete there.
type listRef struct {
	off    uint32
	n      uint16
	accept bool
}

// compact keeps only the consuming instructions, renumbered, and replaces the per-instruction closures by an
// index into the phrase's distinct state lists (an alternation's words share the list that follows them). The
// compiled engine stays small this way: most instructions were splits and jumps, and most closures repeats.
func (ph *phraseCode) compact() {
	n := len(ph.b.prog)
	renum := make([]int32, n)
	consuming := 0
	for _, in := range ph.b.prog {
		if in.op == opWord || in.op == opStem || in.op == opAny || in.op == opNum {
			consuming++
		}
	}
	prog := make([]cinst, 0, consuming)
	for pc, in := range ph.b.prog {
		renum[pc] = -1
		switch in.op {
		case opWord, opStem, opAny, opNum:
			renum[pc] = int32(len(prog))
			prog = append(prog, cinst{op: in.op, fuzzy: in.fuzzy, key: in.key})
		}
	}
	index := map[string]uint16{}
	var lists []listRef
	var lpcs []int32
	var key []byte
	add := func(old []int32, accept bool) (uint16, bool) {
		key = key[:0]
		if accept {
			key = append(key, 1)
		}
		for _, pc := range old {
			q := renum[pc]
			key = append(key, byte(q), byte(q>>8), byte(q>>16), byte(q>>24))
		}
		if i, ok := index[string(key)]; ok {
			return i, true
		}
		if len(lists) >= 1<<16 || len(old) >= 1<<16 {
			return 0, false
		}
		index[string(key)] = uint16(len(lists))
		off := uint32(len(lpcs))
		for _, pc := range old {
			lpcs = append(lpcs, renum[pc])
		}
		lists = append(lists, listRef{off: off, n: uint16(len(old)), accept: accept})
		return uint16(len(lists) - 1), true
	}
	next := make([]uint16, len(prog))
	for pc := range ph.b.prog {
		if q := renum[pc]; q >= 0 {
			i, ok := add(ph.b.closure[pc+1], ph.b.accepts[pc+1])
			if !ok {
				panic("phrase too large to compact") // compilePhrase caps phrases far below this
			}
			next[q] = i
		}
	}
	for k, pcs := range ph.b.firstByKey {
		for _, pc := range pcs {
			ph.first = append(ph.first, firstEntry{key: k, pc: renum[pc]})
		}
	}
	sort.Slice(ph.first, func(i, j int) bool {
		if ph.first[i].key != ph.first[j].key {
			return ph.first[i].key < ph.first[j].key
		}
		return ph.first[i].pc < ph.first[j].pc
	})
	ph.first = slices.Clip(ph.first)
	ph.oneWords, ph.seconds = sortedKeys(ph.b.oneWord), sortedKeys(ph.b.second)
	for i, pc := range ph.firstOther {
		ph.firstOther[i] = renum[pc]
	}
	ph.code, ph.next, ph.lists, ph.lpcs = prog, next, slices.Clip(lists), slices.Clip(lpcs)
	ph.b = nil
}

// cinst is a compiled, consuming instruction.
type cinst struct {
	op    uint8
	fuzzy bool
	key   string
}

// firstEntry is a start instruction and the word it takes.
type firstEntry struct {
	key string
	pc  int32
}
