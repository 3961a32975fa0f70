package classify

import (
	"slices"
	"strings"

	"github.com/boundaryd/boundaryd/classify/mailtext"
	"unicode/utf8"
)

// Boundary strengths recorded before a token.
const (
	brkNone     = 0
	brkClause   = 1 // comma, colon, semicolon, dash, ellipsis, single line break
	brkSentence = 2 // . ! ? or a blank line
)

// Segment labels: which part of a message a line belongs to (mailtext.Segments).
const (
	segNew       = mailtext.SegNew
	segQuoted    = mailtext.SegQuoted
	segSignature = mailtext.SegSignature
)

// token is one normalised word of a field with where it came from.
type token struct {
	key   string // matching form: folded, contractions expanded, repeated letters squeezed
	norm  string // folded form before squeezing (what regexes see)
	start int    // byte offsets of the source word in the field text
	end   int
	brk   uint8 // boundary before this token
	seg   uint8 // segment label of the token's line
}

// tokenizer turns field text into tokens. It is cheap to reuse and not safe for concurrent use.
type tokenizer struct {
	f    *folder
	word []byte
	out  []byte // backing store for keys and norms, turned into one string per field
	refs []tokRef
	cur  tokRef  // source position of the word being emitted
	toks []token // the tokens handed out since the last reset, one field after the other
}

// maxKeptTokens bounds the token memory a tokenizer keeps between messages (about 450 KB).
const maxKeptTokens = 8 << 10

type tokRef struct {
	ks, ke, ns, ne int
	start, end     int
	brk, seg       uint8
}

func newTokenizer() *tokenizer { return &tokenizer{f: newFolder()} }

// reset lets the tokenizer reuse the memory of the tokens it has handed out: call it only when none of them
// is in use any more (a new message).
func (tz *tokenizer) reset() {
	if cap(tz.toks) > maxKeptTokens {
		tz.toks = nil
		return
	}
	clear(tz.toks) // no hold on the last message's text
	tz.toks = tz.toks[:0]
}

// tokens splits text into tokens. segs gives the label of each line (by line index); nil means all new text.
func (tz *tokenizer) tokens(text string, segs []uint8) []token {
	tz.out = tz.out[:0]
	tz.refs = tz.refs[:0]
	if est := len(text) / 5; cap(tz.refs) < est {
		tz.refs = make([]tokRef, 0, est)
		tz.out = make([]byte, 0, len(text)*2)
	}
	brk := uint8(brkNone)
	line := 0
	seg := uint8(segNew)
	if len(segs) > 0 {
		seg = segs[0]
	}
	newlines := 0
	lineStart := 0
	for i := 0; i < len(text); {
		r, sz := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, sz = utf8.DecodeRuneInString(text[i:])
		}
		if isWordRune(r) {
			j := i + sz
			for j < len(text) {
				r2, sz2 := rune(text[j]), 1
				if r2 >= utf8.RuneSelf {
					r2, sz2 = utf8.DecodeRuneInString(text[j:])
				}
				if isWordRune(r2) {
					j += sz2
					continue
				}
				// An apostrophe inside a word belongs to it ("don't", "j'ai").
				if isApostrophe(r2) && j+sz2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[j+sz2:])
					if isWordRune(r3) {
						j += sz2
						continue
					}
				}
				break
			}
			tz.addWord(text[i:j], i, j, brk, seg)
			brk = brkNone
			newlines = 0
			i = j
			continue
		}
		if laughing[r] {
			// Laughing faces mark a joke as plainly as "lol" does.
			tz.cur = tokRef{start: i, end: i + sz, brk: brk, seg: seg}
			tz.emit("lol")
			brk = brkNone
			newlines = 0
			i += sz
			continue
		}
		switch r {
		case '\n':
			line++
			if line < len(segs) {
				seg = segs[line]
			}
			newlines++
			switch {
			case newlines >= 2:
				brk = max(brk, brkSentence)
			case hardBreak(text, lineStart, i):
				brk = max(brk, brkClause)
			}
			lineStart = i + 1
		case '.':
			if strings.HasPrefix(text[i+1:], ".") || (i > 0 && text[i-1] == '.') {
				brk = max(brk, brkClause) // an ellipsis trails off rather than ends a sentence
			} else {
				brk = max(brk, brkSentence)
			}
		case '!', '?':
			brk = max(brk, brkSentence)
		case ',', ';', ':', '…', '–', '—', '(', ')', '[', ']', '•', '|', '/':
			brk = max(brk, brkClause)
		case '-':
			// A spaced hyphen is a dash; a hyphen inside a word ("self-harm") just separates words.
			if i > 0 && i+1 < len(text) && (text[i-1] == ' ' || text[i+1] == ' ') {
				brk = max(brk, brkClause)
			}
		}
		i += sz
	}
	s := string(tz.out)
	from := len(tz.toks)
	tz.toks = slices.Grow(tz.toks, len(tz.refs)) // the fields handed out before keep the old array if it moves
	for _, rf := range tz.refs {
		tz.toks = append(tz.toks, token{key: s[rf.ks:rf.ke], norm: s[rf.ns:rf.ne], start: rf.start, end: rf.end, brk: rf.brk, seg: rf.seg})
	}
	return tz.toks[from:len(tz.toks):len(tz.toks)]
}

// addWord folds one source word and emits one or more tokens for it.
func (tz *tokenizer) addWord(w string, start, end int, brk, seg uint8) {
	tz.word = tz.word[:0]
	hasApos := false
	for i := 0; i < len(w); {
		if c := w[i]; c < utf8.RuneSelf { // ASCII, most words: the same as appendFold, without decoding
			switch {
			case c == '\'' || c == '`':
				tz.word = append(tz.word, '\'')
				hasApos = true
			case 'A' <= c && c <= 'Z':
				tz.word = append(tz.word, c+'a'-'A')
			default:
				tz.word = append(tz.word, c)
			}
			i++
			continue
		}
		r, sz := utf8.DecodeRuneInString(w[i:])
		i += sz
		if isApostrophe(r) {
			tz.word = append(tz.word, '\'')
			hasApos = true
			continue
		}
		tz.word = tz.f.appendFold(tz.word, r)
	}
	tz.cur = tokRef{start: start, end: end, brk: brk, seg: seg}
	if !hasApos {
		if mayBeShorthand(tz.word) {
			if exp, ok := shorthandWords[string(tz.word)]; ok {
				for _, p := range exp {
					tz.emit(p)
				}
				return
			}
		}
		tz.emitBytes(tz.word)
		return
	}
	expandWords(string(tz.word), true, tz.emit)
}

// shorthandLens has, per first byte, bit n set when a shorthand word of n bytes starts with it: most words
// need no map lookup.
var shorthandLens = func() (t [256]uint32) {
	for k := range shorthand {
		if len(k) < 32 {
			t[k[0]] |= 1 << len(k)
		} else {
			t[k[0]] |= 1 // longer: always look up
		}
	}
	return t
}()

func mayBeShorthand(w []byte) bool {
	if len(w) == 0 {
		return false
	}
	bits := shorthandLens[w[0]]
	return bits&1 != 0 || (len(w) < 32 && bits&(1<<len(w)) != 0)
}

// shorthandWords is shorthand split into words once.
var shorthandWords = func() map[string][]string {
	m := make(map[string][]string, len(shorthand))
	for k, v := range shorthand {
		m[k] = strings.Fields(v)
	}
	return m
}()

// expandWords splits a folded word into the words it stands for: French elisions, English contractions and
// shorthand ("dont", "jveux") become full words.
func expandWords(w string, hasApos bool, emit func(string)) {
	if !hasApos {
		if exp, ok := shorthandWords[w]; ok {
			for _, p := range exp {
				emit(p)
			}
			return
		}
		emit(w)
		return
	}
	parts := strings.Split(w, "'")
	// French elisions at the front: j'ai, qu'il, j'l'ai.
	for len(parts) > 1 {
		full, ok := elisions[parts[0]]
		if !ok {
			break
		}
		emit(full)
		parts = parts[1:]
	}
	if len(parts) == 1 {
		expandWords(parts[0], false, emit)
		return
	}
	if len(parts) == 2 {
		a, b := parts[0], parts[1]
		switch b {
		case "t":
			if strings.HasSuffix(a, "n") && len(a) > 1 {
				base := a[:len(a)-1]
				if full, ok := contractionBase[base]; ok {
					base = full
				}
				emit(base)
				emit("not")
				return
			}
		case "m":
			emit(a)
			emit("am")
			return
		case "re":
			emit(a)
			emit("are")
			return
		case "ve":
			emit(a)
			emit("have")
			return
		case "ll":
			emit(a)
			emit("will")
			return
		case "d":
			emit(a)
			emit("would")
			return
		case "s":
			emit(a)
			if pronounIs[a] {
				emit("is")
			}
			return
		}
	}
	// Anything else ("aujourd'hui", "o'clock"): glue the parts back together.
	expandWords(strings.Join(parts, ""), false, emit)
}

// emit adds one token for the current source word; the boundary goes to its first token only.
func (tz *tokenizer) emit(n string) {
	if n == "" {
		return
	}
	ns := len(tz.out)
	tz.out = append(tz.out, n...)
	tz.finish(ns)
}

func (tz *tokenizer) emitBytes(n []byte) {
	if len(n) == 0 {
		return
	}
	ns := len(tz.out)
	tz.out = append(tz.out, n...)
	tz.finish(ns)
}

func (tz *tokenizer) finish(ns int) {
	ne := len(tz.out)
	var prev byte
	for i := ns; i < ne; i++ { // squeeze: copy the folded word, dropping repeated letters
		c := tz.out[i]
		if i > ns && c == prev && !('0' <= c && c <= '9') && c < 0x80 {
			continue
		}
		tz.out = append(tz.out, c)
		prev = c
	}
	r := tz.cur
	r.ns, r.ne, r.ks, r.ke = ns, ne, ne, len(tz.out)
	tz.refs = append(tz.refs, r)
	tz.cur.brk = brkNone
}

// laughing faces are read as the word "lol".
var laughing = map[rune]bool{'😂': true, '🤣': true, '😆': true, '😅': true, '😹': true, '😜': true, '😝': true, '😛': true, '🙃': true}

// hardBreak tells a line break the writer meant (a short line, a list item next) from the soft wrapping mail
// clients do at about 72 columns, which must not cut a sentence's clauses.
func hardBreak(text string, lineStart, nl int) bool {
	if utf8.RuneCountInString(text[lineStart:nl]) < 50 {
		return true
	}
	next := strings.TrimLeft(text[nl+1:min(len(text), nl+8)], " \t>")
	if next == "" {
		return true
	}
	c := next[0]
	return c == '-' || c == '*' || (c >= '0' && c <= '9') || strings.HasPrefix(next, "•")
}
