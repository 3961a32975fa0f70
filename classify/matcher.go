package classify

import (
	"slices"
	"sort"
	"strings"
)

// matcher finds every occurrence of a set of compiled phrases in a token stream. It indexes phrases by the
// words they can start with, so the cost per token is a few map lookups plus a bounded run of the phrase
// programs that can start there: linear in the text, whatever it contains.
type matcher struct {
	phrases   []*phrase
	byWord    map[string][]int32
	byStem    map[string][]stemRef // by the stem's first two bytes: one lookup per token
	shortStem []stemRef            // stems shorter than two bytes
	byNum     []int32              // phrases that can start with a number ("30 paracetamol")
	maxProg   int
}

func newMatcher(phrases []*phrase) *matcher {
	m := &matcher{
		phrases: phrases,
		byWord:  map[string][]int32{},
		byStem:  map[string][]stemRef{},
	}
	stems := map[string][]int32{}
	var order []string
	for i, ph := range phrases {
		id := int32(i)
		if ph.starts == nil {
			panic("classify: a phrase indexed by two matchers") // compile phrases once per matcher
		}
		for _, w := range ph.starts.firstWord {
			m.byWord[w] = appendUnique(m.byWord[w], id)
		}
		for _, s := range ph.starts.firstStem {
			if _, ok := stems[s]; !ok {
				order = append(order, s)
			}
			stems[s] = appendUnique(stems[s], id)
		}
		if ph.firstNum {
			m.byNum = appendUnique(m.byNum, id)
		}
		m.maxProg = max(m.maxProg, len(ph.code))
		ph.starts = nil // indexed: the matcher's maps hold it now
	}
	for _, s := range order {
		ref := stemRef{stem: s, ids: stems[s]}
		if len(s) < 2 {
			m.shortStem = append(m.shortStem, ref)
			continue
		}
		m.byStem[s[:2]] = append(m.byStem[s[:2]], ref)
	}
	return m
}

// stemRef is one stem and the phrases that can start with it.
type stemRef struct {
	stem string
	ids  []int32
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
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
	cands     []int32
	stamp     []uint32 // state dedup stamps, per instruction
	sgen      uint32
	cur, next []int32
}

// find calls fn for each phrase occurrence, in token order. fn returns false to stop early.
func (m *matcher) find(toks []token, sc *matchScratch, fn func(hit) bool) {
	if len(m.phrases) == 0 {
		return
	}
	if len(sc.seen) < len(m.phrases) {
		sc.seen = make([]uint32, len(m.phrases))
		sc.gen = 0
	}
	// fn may run another matcher's find with this scratch (a rule's judgement makes the context analysis on
	// first use): this call keeps its candidate list to itself.
	cands := sc.cands
	sc.cands = nil
	defer func() { sc.cands = cands }()
	for p := range toks {
		cands = m.candidates(toks[p].key, cands, sc)
		for _, id := range cands {
			ph := m.phrases[id]
			// A one-word alternative taking this very word is the shortest match: no program to run.
			if ph.oneWords.has(toks[p].key) {
				if !fn(hit{phrase: id, start: p, end: p + 1}) {
					return
				}
				continue
			}
			// Most candidates fail on the second word: check it before running the program.
			if !ph.anySecond && (p+1 >= len(toks) || !ph.takesSecond(toks[p+1].key)) {
				continue
			}
			if end := ph.matchAt(toks, p, sc); end > 0 {
				if !fn(hit{phrase: id, start: p, end: end}) {
					return
				}
			}
		}
	}
}

// candidates lists, once each, the phrases that may start with token key k.
func (m *matcher) candidates(k string, out []int32, sc *matchScratch) []int32 {
	sc.gen++
	if sc.gen == 0 { // wrapped: clear the stamps
		clear(sc.seen)
		sc.gen = 1
	}
	out = out[:0]
	add := func(ids []int32) {
		for _, id := range ids {
			if sc.seen[id] != sc.gen {
				sc.seen[id] = sc.gen
				out = append(out, id)
			}
		}
	}
	add(m.byWord[k])
	if len(m.byNum) > 0 && isDigits(k) {
		add(m.byNum)
	}
	if len(k) >= 2 {
		for _, st := range m.byStem[k[:2]] {
			if strings.HasPrefix(k, st.stem) {
				add(st.ids)
			}
		}
	}
	for _, st := range m.shortStem {
		if strings.HasPrefix(k, st.stem) {
			add(st.ids)
		}
	}
	return out
}

// matchAt runs the phrase program from token p and returns the end of the shortest match, or -1. The state
// set holds only consuming instructions; the empty moves were followed once, at compile time (closure).
func (ph *phrase) matchAt(toks []token, p int, sc *matchScratch) int {
	if cap(sc.stamp) < len(ph.code) {
		sc.stamp = make([]uint32, len(ph.code))
		sc.sgen = 0
	}
	stamp := sc.stamp[:len(ph.code)]
	next := sc.next[:0]
	// First step: only the start instructions that can take this word (found by key, not by trying them all).
	sc.sgen++
	if sc.sgen == 0 {
		clear(sc.stamp)
		sc.sgen = 1
	}
	t0 := &toks[p]
	first := ph.firstFor(t0.key)
	for k := 0; k < len(first)+len(ph.firstOther); k++ {
		var pc int32
		if k < len(first) {
			pc = first[k].pc
		} else {
			pc = ph.firstOther[k-len(first)]
			if !ph.consumes(pc, t0) {
				continue
			}
		}
		pcs, accept := ph.list(ph.next[pc])
		if accept {
			return p + 1
		}
		for _, q := range pcs {
			if stamp[q] != sc.sgen {
				stamp[q] = sc.sgen
				next = append(next, q)
			}
		}
	}
	cur := next
	next = sc.cur[:0]
	limit := min(len(toks), p+int(ph.maxSpan))
	for pos := p + 1; pos < limit && len(cur) > 0; pos++ {
		t := &toks[pos]
		if pos > p && t.brk == brkSentence {
			break // phrases stay within one sentence
		}
		sc.sgen++
		if sc.sgen == 0 {
			clear(sc.stamp)
			sc.sgen = 1
		}
		next = next[:0]
		for _, pc := range cur {
			if !ph.consumes(pc, t) {
				continue
			}
			pcs, accept := ph.list(ph.next[pc])
			if accept {
				sc.cur, sc.next = cur, next
				return pos + 1
			}
			for _, q := range pcs {
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

// consumes reports whether instruction pc accepts token t.
func (ph *phrase) consumes(pc int32, t *token) bool {
	in := &ph.code[pc]
	switch in.op {
	case opWord:
		return t.key == in.key || (in.fuzzy && len(t.key) >= fuzzyMinLen-1 && editOne(t.key, in.key))
	case opStem:
		return strings.HasPrefix(t.key, in.key)
	case opNum:
		return isDigits(t.key)
	case opAny:
		// A gap never swallows a negation: "vais pas me suicider" is not "vais ... me suicider".
		return !negationWords[t.key]
	}
	return false
}

// computeClosures records, for every instruction, the consuming instructions reachable through empty moves
// and whether the match state is.
func (ph *phrase) computeClosures() {
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
		for _, q := range ph.b.closure[pc+1] {
			switch in := ph.b.prog[q]; {
			case in.op == opWord:
				ph.b.second[in.key] = true
				if in.fuzzy {
					ph.secondFuzzy = append(ph.secondFuzzy, in.key)
				}
			case in.op == opStem:
				ph.secondStem = append(ph.secondStem, in.key)
			default:
				ph.anySecond = true // a gap or a number: the program decides
			}
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

// takesSecond reports whether a match can continue with the word k after its first word (when no gap or
// number can come second): an exact word, a stem, or a long word one typo away.
func (ph *phrase) takesSecond(k string) bool {
	if ph.seconds.has(k) {
		return true
	}
	for _, st := range ph.secondStem {
		if strings.HasPrefix(k, st) {
			return true
		}
	}
	if len(k) >= fuzzyMinLen-1 {
		for _, w := range ph.secondFuzzy {
			if editOne(k, w) {
				return true
			}
		}
	}
	return false
}

// listRef is a set of consuming instructions a match may be at (lpcs[off:off+n]), and whether the match is
// complete there.
type listRef struct {
	off    uint32
	n      uint16
	accept bool
}

// list returns state list i: its instructions and whether the match is complete there.
func (ph *phrase) list(i uint16) ([]int32, bool) {
	l := ph.lists[i]
	return ph.lpcs[l.off : l.off+uint32(l.n)], l.accept
}

// compact keeps only the consuming instructions, renumbered, and replaces the per-instruction closures by an
// index into the phrase's distinct state lists (an alternation's words share the list that follows them). The
// compiled engine stays small this way: most instructions were splits and jumps, and most closures repeats.
func (ph *phrase) compact() {
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
	ph.oneWords, ph.seconds = newKeySet(ph.b.oneWord), newKeySet(ph.b.second)
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

// firstFor returns the start instructions that take word k.
func (ph *phrase) firstFor(k string) []firstEntry {
	f := ph.first
	i, hi := 0, len(f)
	if hi > keySetScan {
		for i < hi { // binary search for the first entry >= k
			m := int(uint(i+hi) >> 1)
			if f[m].key < k {
				i = m + 1
			} else {
				hi = m
			}
		}
	} else {
		for i < len(f) && f[i].key != k {
			i++
		}
	}
	j := i
	for j < len(f) && f[j].key == k {
		j++
	}
	return f[i:j]
}

// keySet is a set of words, sorted: scanned in place when short, binary-searched when long (far smaller than a
// map). A 64-bit filter of the words' lengths and end letters turns most absent words away before any compare.
type keySet struct {
	list  []string
	bloom uint64
}

const keySetScan = 4

func newKeySet(m map[string]bool) keySet {
	if len(m) == 0 {
		return keySet{}
	}
	s := keySet{list: make([]string, 0, len(m))}
	for k := range m {
		s.list = append(s.list, k)
		s.bloom |= keyBit(k)
	}
	sort.Strings(s.list)
	return s
}

// keyBit is a word's bit in a keySet's filter: its length and first and last bytes.
func keyBit(k string) uint64 {
	if k == "" {
		return 1
	}
	h := uint(len(k))*0x9E37 ^ uint(k[0])*0x85EB ^ uint(k[len(k)-1])*0xC2B2
	return 1 << (h % 64)
}

func (s keySet) has(k string) bool {
	if s.bloom&keyBit(k) == 0 {
		return false
	}
	if len(s.list) > keySetScan {
		lo, hi := 0, len(s.list)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if s.list[m] < k {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo < len(s.list) && s.list[lo] == k
	}
	for _, x := range s.list {
		if len(x) == len(k) && x == k {
			return true
		}
	}
	return false
}
