package classify

import (
	"fmt"
	"strconv"
	"strings"
	"unique"
)

// Phrase program instructions: a tiny Thompson NFA over tokens.
const (
	opWord  = iota // consume a token whose key equals key (or is one typo away, when fuzzy)
	opStem         // consume a token whose key starts with key
	opAny          // consume any token within the same sentence (gaps)
	opSplit        // fork to x and y
	opJmp          // go to x
	opMatch        // phrase complete
	opNum          // consume a token made of digits ("40")
)

type inst struct {
	op    uint8
	fuzzy bool
	key   string
	x, y  int32
}

// phrase is one compiled phrase: its source, and until a matcher packs it into its tables, its program.
type phrase struct {
	src string
	c   *phraseCode // until newMatcher packs it
}

// phraseCode is a phrase's program as compilePhrase leaves it, words as strings: newMatcher turns the words
// into its vocabulary's numbers, packs everything into its shared tables and drops this.
type phraseCode struct {
	b           *phraseBuild // while compiling only
	code        []cinst      // the consuming instructions
	next        []uint16     // per consuming instruction, the state list that follows it
	lists       []listRef
	lpcs        []int32      // the state lists' instructions, packed one after the other
	first       []firstEntry // the start instructions that take a word, sorted by word
	firstOther  []int32      // start instructions to try on any word (stems, numbers)
	firstWord   []string     // words a match can start with
	firstStem   []string     // stems a match can start with
	secondStem  []string     // stems a match can continue with
	secondFuzzy []string     // words a match can continue with one typo away
	oneWords    []string     // first words that are a whole match on their own, sorted
	seconds     []string     // the words a match can continue with, unless anySecond, sorted
	firstNum    bool         // a match can start with a number (#)
	anySecond   bool         // a stem or a number alone is a match: the program decides
	secondNum   bool         // a number can come next
	secondGap   int          // most gap tokens before the next word, stem or number
	maxSpan     int32        // most tokens a match can cover
}

// phraseBuild holds what only compiling needs; compact drops it.
type phraseBuild struct {
	prog       []inst
	closure    [][]int32 // per instruction, the consuming instructions its empty moves reach
	accepts    []bool    // per instruction, whether they reach the match
	firstByKey map[string][]int32
	second     map[string]bool
	oneWord    map[string]bool
}

// maxGap bounds ~N so that a phrase's span, and so matching time, stays small.
const maxGap = 8

// fuzzyMinLen is the shortest phrase word that also matches a one-letter typo; shorter words collide with
// real words too often ("mourir"/"nourrir").
const fuzzyMinLen = 7

// Phrase syntax tree.
type pnode struct {
	kind  int // 0 word, 1 stem, 2 gap, 3 seq, 4 alt, 5 opt
	key   string
	n     int
	items []*pnode
}

type phraseParser struct {
	src  string
	toks []string
	pos  int
	tz   *tokenizer
}

func compilePhrase(src string) (*phrase, error) {
	if len(src) > 1000 {
		return nil, fmt.Errorf("phrase %.40q...: longer than 1000 bytes", src)
	}
	p := &phraseParser{src: src, toks: lexPhrase(src), tz: newTokenizer()}
	root, err := p.parseSeq(0)
	if err != nil {
		return nil, fmt.Errorf("phrase %q: %w", src, err)
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("phrase %q: unexpected %q", src, p.toks[p.pos])
	}
	if len(root.items) == 0 {
		return nil, fmt.Errorf("phrase %q: no words", src)
	}
	ph := &phraseCode{b: &phraseBuild{}}
	words := countWords(root)
	c := &phraseCompiler{fuzzy: words >= 2}
	c.emit(root)
	c.prog = append(c.prog, inst{op: opMatch})
	ph.b.prog = c.prog
	ph.computeClosures()
	ph.maxSpan = int32(span(root))
	if ph.maxSpan > 64 {
		return nil, fmt.Errorf("phrase %q: can cover up to %d words; keep phrases under 64", src, ph.maxSpan)
	}
	// What can a match start with? Follow the empty moves from the start.
	seen := make([]bool, len(ph.b.prog))
	var walk func(pc int) error
	walk = func(pc int) error {
		if seen[pc] {
			return nil
		}
		seen[pc] = true
		in := ph.b.prog[pc]
		switch in.op {
		case opWord:
			ph.firstWord = append(ph.firstWord, in.key)
		case opStem:
			ph.firstStem = append(ph.firstStem, in.key)
		case opAny:
			return fmt.Errorf("phrase %q: cannot start with a gap or an optional part that may leave only a gap", src)
		case opNum:
			ph.firstNum = true
		case opSplit:
			if err := walk(int(in.x)); err != nil {
				return err
			}
			return walk(int(in.y))
		case opJmp:
			return walk(int(in.x))
		case opMatch:
			return fmt.Errorf("phrase %q: can match no words at all", src)
		}
		return nil
	}
	if err := walk(0); err != nil {
		return nil, err
	}
	ph.compact()
	return &phrase{src: src, c: ph}, nil
}

// lexPhrase splits phrase source into syntax tokens and word atoms.
func lexPhrase(s string) []string {
	var out []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']' || c == '|':
			out = append(out, s[i:i+1])
			i++
		case strings.HasPrefix(s[i:], "..."):
			out = append(out, "...")
			i += 3
		case strings.HasPrefix(s[i:], "…"):
			out = append(out, "...")
			i += len("…")
		case c == '~':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()[]|~", rune(s[j])) && !strings.HasPrefix(s[j:], "...") &&
				!strings.HasPrefix(s[j:], "…") {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// parseSeq parses items until a closing token; depth bounds nesting.
func (p *phraseParser) parseSeq(depth int) (*pnode, error) {
	if depth > 8 {
		return nil, fmt.Errorf("nested too deeply")
	}
	seq := &pnode{kind: 3}
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		switch {
		case t == ")" || t == "]" || t == "|":
			return seq, nil
		case t == "(" || t == "[":
			p.pos++
			closer := ")"
			if t == "[" {
				closer = "]"
			}
			alt := &pnode{kind: 4}
			for {
				s, err := p.parseSeq(depth + 1)
				if err != nil {
					return nil, err
				}
				alt.items = append(alt.items, s)
				if p.pos >= len(p.toks) {
					return nil, fmt.Errorf("missing %s", closer)
				}
				if p.toks[p.pos] == "|" {
					p.pos++
					continue
				}
				if p.toks[p.pos] != closer {
					return nil, fmt.Errorf("expected %s but found %q", closer, p.toks[p.pos])
				}
				p.pos++
				break
			}
			optional := t == "["
			var keep []*pnode
			for _, a := range alt.items {
				if len(a.items) == 0 {
					optional = true
				} else {
					keep = append(keep, a)
				}
			}
			if len(keep) == 0 {
				return nil, fmt.Errorf("empty %s%s", t, closer)
			}
			alt.items = keep
			if optional {
				seq.items = append(seq.items, &pnode{kind: 5, items: []*pnode{alt}})
			} else {
				seq.items = append(seq.items, alt)
			}
		case t == "...":
			p.pos++
			seq.items = append(seq.items, &pnode{kind: 2, n: 3})
		case strings.HasPrefix(t, "~"):
			p.pos++
			n, err := strconv.Atoi(t[1:])
			if err != nil || n < 1 || n > maxGap {
				return nil, fmt.Errorf("gap %q: want ~1 to ~%d", t, maxGap)
			}
			seq.items = append(seq.items, &pnode{kind: 2, n: n})
		case t == "#":
			p.pos++
			seq.items = append(seq.items, &pnode{kind: 6})
		default:
			p.pos++
			stem := strings.HasSuffix(t, "*")
			w := strings.TrimSuffix(t, "*")
			if strings.Contains(w, "*") {
				return nil, fmt.Errorf("word %q: * only at the end of a word", t)
			}
			toks := p.tz.tokens(w, nil)
			if len(toks) == 0 {
				return nil, fmt.Errorf("word %q has no letters or digits", t)
			}
			for k, tk := range toks {
				// Phrase words repeat across thousands of phrases: keep one copy of each.
				n := &pnode{kind: 0, key: unique.Make(tk.key).Value()}
				if stem && k == len(toks)-1 {
					if len(tk.key) < 3 && !isDigits(tk.key) {
						return nil, fmt.Errorf("stem %q: needs at least 3 letters", t)
					}
					n.kind = 1
				}
				seq.items = append(seq.items, n)
			}
		}
	}
	return seq, nil
}

func countWords(n *pnode) int {
	switch n.kind {
	case 0, 1, 6:
		return 1
	case 2:
		return 0
	case 4:
		m := 0
		for _, it := range n.items {
			m = max(m, countWords(it))
		}
		return m
	}
	c := 0
	for _, it := range n.items {
		c += countWords(it)
	}
	return c
}

func span(n *pnode) int {
	switch n.kind {
	case 0, 1, 6:
		return 1
	case 2:
		return n.n
	case 4:
		m := 0
		for _, it := range n.items {
			m = max(m, span(it))
		}
		return m
	}
	c := 0
	for _, it := range n.items {
		c += span(it)
	}
	return c
}

type phraseCompiler struct {
	prog  []inst
	fuzzy bool
}

func (c *phraseCompiler) emit(n *pnode) {
	switch n.kind {
	case 0:
		// The first word must be spelled right (it is the index key); later long words may carry one typo.
		c.prog = append(c.prog, inst{op: opWord, key: n.key, fuzzy: c.fuzzy && len(c.prog) > 0 && len(n.key) >= fuzzyMinLen})
	case 1:
		c.prog = append(c.prog, inst{op: opStem, key: n.key})
	case 6:
		c.prog = append(c.prog, inst{op: opNum})
	case 2:
		// ~N: N optional "any" steps.
		for range n.n {
			split := len(c.prog)
			c.prog = append(c.prog, inst{op: opSplit})
			c.prog = append(c.prog, inst{op: opAny})
			c.prog[split].x = int32(split + 1)
			c.prog[split].y = int32(len(c.prog))
		}
	case 3:
		for _, it := range n.items {
			c.emit(it)
		}
	case 4:
		var jumps []int
		for i, it := range n.items {
			if i == len(n.items)-1 {
				c.emit(it)
				break
			}
			split := len(c.prog)
			c.prog = append(c.prog, inst{op: opSplit, x: int32(split + 1)})
			c.emit(it)
			jumps = append(jumps, len(c.prog))
			c.prog = append(c.prog, inst{op: opJmp})
			c.prog[split].y = int32(len(c.prog))
		}
		for _, j := range jumps {
			c.prog[j].x = int32(len(c.prog))
		}
	case 5:
		split := len(c.prog)
		c.prog = append(c.prog, inst{op: opSplit, x: int32(split + 1)})
		for _, it := range n.items {
			c.emit(it)
		}
		c.prog[split].y = int32(len(c.prog))
	}
}

// negationWords are the words whose presence inside a phrase makes it a statement that already contains its
// negation ("I don't want to live", "je ne veux plus vivre"): such phrases are not cancelled by negation.
var negationWords = map[string]bool{
	"not": true, "no": true, "never": true, "nothing": true, "nobody": true, "nowhere": true, "without": true,
	"ne": true, "pas": true, "plus": true, "jamais": true, "rien": true, "aucun": true, "aucune": true,
	"personne": true, "sans": true, "ni": true, "non": true, "none": true, "nor": true, "anymore": true,
	"longer": true,
}

// editOne reports whether a and b differ by at most one insertion, deletion or substitution, or one swap of
// neighbouring letters.
func editOne(a, b string) bool {
	if a == b {
		return true
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	switch {
	case la == lb:
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
