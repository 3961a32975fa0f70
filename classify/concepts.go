package classify

import (
	"slices"
	"strings"
)

// Stage tokens -> concepts: every concept term of every language is found in one pass over a field's tokens,
// then each occurrence is judged in its own context (quoted history, signature, bulk mail, negation, past,
// resolved, topic, a benign ending). Role concepts (the writer, a child, another person) and benign markers are
// never cancelled: they say who and what the sentence is about.

// conceptHit is one concept occurrence.
type conceptHit struct {
	concept uint8
	term    int32 // the lexicon term that matched
	field   *fieldText
	start   int // tokens [start, end) of the field
	end     int
	sent    int32 // message-wide sentence number
	reason  Reason
	trigger string
	// refusable: an awareness marker, which the writer may be refusing ("I didn't want to call 999"); judged
	// on first use of the markers, in the term's language lang.
	refusable bool
	lang      uint8
}

func (h *conceptHit) live() bool { return h.reason == "" }

// evidence is every concept occurrence of a message, in field and token order.
type evidence struct {
	hits     []conceptHit
	sents    int32 // message-wide sentence count
	unjudged bool  // no frame could fire, so the occurrences were not judged in context
}

// maxConceptHits bounds the occurrences kept per message (text crafted to repeat a term millions of times
// still classifies in linear time; the first ones are the ones that decide).
const maxConceptHits = 20000

func (c *Classifier) concepts(sc *scratch, fields []*fieldText, inf *informational, langs uint8) *evidence {
	lx := c.lex
	ev := &evidence{}
	var lastRole [64]int32 // per role concept: 1 + the sentence of its last occurrence
	for _, f := range fields {
		if len(f.toks) == 0 {
			continue
		}
		first := len(ev.hits)
		lx.m.find(f.toks, &sc.ms, func(h hit) bool {
			if lx.termLang[h.phrase]&langs == 0 {
				return true
			}
			id := lx.termOf[h.phrase]
			sent := f.sent0 + f.sentence[h.start]
			// Who is involved (the writer, a child) needs saying once per sentence.
			if lx.concepts[id].role {
				if lastRole[id] == sent+1 {
					return true
				}
				lastRole[id] = sent + 1
			}
			// One occurrence per concept and start token: overlapping terms of a concept say the same thing.
			for i := len(ev.hits) - 1; i >= first && ev.hits[i].start == h.start; i-- {
				if ev.hits[i].concept == id {
					if h.end > ev.hits[i].end {
						ev.hits[i].end = h.end
					}
					return true
				}
			}
			ev.hits = append(ev.hits, conceptHit{concept: id, term: h.phrase, field: f, start: h.start, end: h.end, sent: sent})
			return len(ev.hits) < maxConceptHits
		})
		if len(ev.hits) >= maxConceptHits {
			break
		}
	}
	if n := len(fields); n > 0 {
		last := fields[n-1]
		ev.sents = last.sent0 + last.sents
	}
	*inf = lx.fromConcepts(*inf, ev, fields[len(fields)-1])
	lx.markInformational(ev)
	// Context only ever cancels evidence: when no frame fires with every occurrence counted, none will, and
	// the context analysis can be spared (most mail).
	if len(lx.fire(ev)) == 0 {
		ev.unjudged = true
		return ev
	}
	// Severity first: it shields the other evidence of its sentence.
	for i := range ev.hits {
		h := &ev.hits[i]
		if d := &lx.concepts[h.concept]; d.severe {
			lx.judge(h, d, *inf, false)
			if h.live() {
				h.field.severe[h.field.sentence[h.start]] = true
			}
		}
	}
	for i := range ev.hits {
		h := &ev.hits[i]
		if d := &lx.concepts[h.concept]; !d.severe {
			lx.judge(h, d, *inf, h.field.severe[h.field.sentence[h.start]])
		}
	}
	lx.informational(ev)
	return ev
}

// imminentIntent reports whether a sentence of the writer's holds both a counting explicit intent in the first
// person ("I have decided to end my life") and a set time close by ("tonight", "this weekend"): an
// announced act, which no score of the model dismisses, however long and ordinary the rest of the mail.
func (lx *lexicon) imminentIntent(ev *evidence) bool {
	for i := range ev.hits {
		h := &ev.hits[i]
		if h.concept != lx.now || !h.live() || len(h.field.intents) == 0 {
			continue
		}
		if slices.Contains(h.field.intents, h.field.sentence[h.start]) {
			return true
		}
	}
	return false
}

// judge sets why one occurrence does not count, if it does not.
func (lx *lexicon) judge(h *conceptHit, d *conceptDef, inf informational, shielded bool) {
	f := h.field
	if d.role || d.benign {
		return
	}
	switch {
	case f.useSeg && f.toks[h.start].seg == segQuoted:
		h.reason = ReasonQuoted
		return
	case f.useSeg && f.toks[h.start].seg == segSignature:
		h.reason = ReasonSignature
		return
	case inf.bulk:
		h.reason, h.trigger = ReasonBulk, "List-Id/List-Unsubscribe/Precedence header"
		return
	case inf.appeal && !f.selfInClause(h.start):
		h.reason, h.trigger = ReasonBulk, "fundraising or newsletter wording"
		return
	}
	negatable := d.negatable == negYes
	if d.negatable == negAuto {
		negatable = true
		for _, t := range f.toks[h.start:h.end] {
			if negationWords[t.key] {
				negatable = false
				break
			}
		}
	}
	severe := d.severe || shielded
	// The term's own language decides which context words apply: an English term is not cancelled by a
	// French word that happens to be spelt like an English one ("these", "journal").
	langs := lx.termLang[h.term] & d.langs
	h.reason, h.trigger = f.context().suppression(h.start, h.end, langs, negatable, false, severe)
	if h.reason == "" && d.ending && !severe {
		if e, ok := f.ending(langs); ok {
			h.reason, h.trigger = ReasonEnding, e.src
		}
	}
}

// markInformational records, per field, the occurrences of awareness material ("if you are struggling,
// call..."), recovery milestones and therapy homework; the segments they govern are worked out on first use.
func (lx *lexicon) markInformational(ev *evidence) {
	homework := ""
	for i := range ev.hits {
		h := &ev.hits[i]
		switch {
		case lx.informative.has(int(h.concept)):
			h.refusable, h.lang = lx.concepts[h.concept].name == "benign.awareness", lx.termLang[h.term]
			h.field.informHits = append(h.field.informHits, h)
			if h.concept == lx.homework && homework == "" {
				homework = wordsOf(h)
			}
		case lx.everyday.has(int(h.concept)):
			h.field.everydayHits = append(h.field.everydayHits, h)
		case lx.accident.has(int(h.concept)):
			h.field.accidentHits = append(h.field.accidentHits, h)
		}
	}
	if homework != "" {
		for i := range ev.hits {
			ev.hits[i].field.homework = homework
		}
	}
}

// refused reports an awareness marker (a crisis line, the emergency number) that the writer negates in a clause
// not addressed to the reader: "I didn't want to call 999", "je voulais pas appeler le 15" speak of the writer's
// danger, not of a leaflet's advice.
func (f *fieldText) refused(h *conceptHit) bool {
	return h.refusable && f.context().negation(h.start, h.end, h.lang) != "" && !f.clauseHas(h.start, addressWords)
}

// addressWords speak to the reader or of anyone: awareness material's "if you don't feel safe, call...".
var addressWords = map[string]bool{"you": true, "your": true, "u": true, "ur": true, "someone": true, "somebody": true,
	"anyone": true, "vous": true, "votre": true, "tu": true, "ton": true, "ta": true, "quelqu": true, "quelqu'un": true}

// clauseHas reports whether the clause of token i has one of the words, looking at most maxScan tokens each way.
func (f *fieldText) clauseHas(i int, words map[string]bool) bool {
	fc := f.context()
	c := fc.clause[i]
	for j := i; j >= 0 && j > i-maxScan && fc.clause[j] == c; j-- {
		if words[f.toks[j].key] {
			return true
		}
	}
	for j := i + 1; j < len(f.toks) && j < i+maxScan && fc.clause[j] == c; j++ {
		if words[f.toks[j].key] {
			return true
		}
	}
	return false
}

// informAt returns the informational marker governing token i (one in its segment: the sentence up to a
// contrast word), or "".
func (f *fieldText) informAt(i int) string {
	if len(f.informHits) == 0 && f.homework == "" {
		return ""
	}
	fc := f.context()
	if f.inform == nil {
		f.inform = map[int32]string{}
		for _, h := range f.informHits {
			if f.refused(h) {
				continue // "I didn't want to call 999": the writer refusing help is no awareness material
			}
			if seg := fc.segment[h.start]; f.inform[seg] == "" {
				f.inform[seg] = wordsOf(h)
			}
		}
	}
	if w := f.inform[fc.segment[i]]; w != "" {
		return w
	}
	if w := f.informListAt(i); w != "" {
		return w
	}
	// Therapy homework quotes old thoughts: "Automatic thought: 'I want to die'" is a thought written down.
	if f.homework != "" && f.inQuotes(i) {
		return f.homework
	}
	return ""
}

// maxListBack bounds how far back, in tokens, a list of awareness material is followed.
const maxListBack = 200

// informListAt returns the informational marker that heads the impersonal sentences token i belongs to: awareness
// material goes on past its first sentence ("Warning signs: talking about being a burden. Giving away
// possessions.") for as long as nobody in it speaks of themselves and the paragraph goes on. A sentence with
// the writer in it ("I have given away my things") is the writer's own.
func (f *fieldText) informListAt(i int) string {
	if len(f.inform) == 0 {
		return ""
	}
	fc := f.context()
	for j := i; j < len(f.toks) && j < i+maxScan && fc.sentence[j] == fc.sentence[i]; j++ {
		if firstPersonWords[f.toks[j].key] || objectWords[f.toks[j].key] {
			return ""
		}
	}
	for j := i - 1; j >= 0 && j >= i-maxListBack; j-- {
		k := f.toks[j].key
		if firstPersonWords[k] || objectWords[k] || f.paragraphAfter(j) {
			return ""
		}
		if w := f.inform[fc.segment[j]]; w != "" {
			return w
		}
	}
	return ""
}

// paragraphAfter reports a blank line between token j and the next one.
func (f *fieldText) paragraphAfter(j int) bool {
	a, b := f.toks[j].end, f.toks[j+1].start
	return a < b && b <= len(f.text) && strings.Count(f.text[a:b], "\n") >= 2
}

// inQuotes reports whether token i lies between quotation marks (“ ” « » " " and ' ' around words).
func (f *fieldText) inQuotes(i int) bool {
	if f.quoted == nil {
		f.quoted = quotedSpans(f.text)
	}
	at := f.toks[i].start
	for _, sp := range f.quoted {
		if sp[0] <= at && at < sp[1] {
			return true
		}
	}
	return false
}

// quotedSpans finds the byte ranges between matching quotation marks, at most maxScan of them.
func quotedSpans(text string) [][2]int {
	spans := [][2]int{}
	open, want := -1, rune(0)
	prev := rune(' ')
	for i, r := range text {
		if len(spans) >= maxScan {
			break
		}
		switch {
		case open >= 0 && r == want && (r != '\'' || !isWordRune(nextRune(text, i+1))):
			spans = append(spans, [2]int{open, i})
			open = -1
		case open < 0:
			switch r {
			case '“':
				open, want = i, '”'
			case '«':
				open, want = i, '»'
			case '"':
				open, want = i, '"'
			case '‘':
				open, want = i, '’'
			case '\'':
				if !isWordRune(prev) {
					open, want = i, '\''
				}
			}
		case r == '\n' && text[max(0, i-1)] == '\n':
			open = -1 // a quote does not run past a paragraph
		}
		prev = r
	}
	return spans
}

func nextRune(s string, i int) rune {
	for _, r := range s[min(i, len(s)):] {
		return r
	}
	return ' '
}

// everydayAt returns a marker of ordinary use (sports, crafts, cooking) in the segment of token i, or "".
func (f *fieldText) everydayAt(i int) string { return f.markerAt(f.everydayHits, i) }

// accidentAt returns a marker of an accident ("while cooking", "rien de grave") in the segment of token i, or "".
func (f *fieldText) accidentAt(i int) string { return f.markerAt(f.accidentHits, i) }

func (f *fieldText) markerAt(hits []*conceptHit, i int) string {
	if len(hits) == 0 {
		return ""
	}
	seg := f.context().segment[i]
	for _, h := range hits {
		if f.fc.segment[h.start] == seg {
			return wordsOf(h)
		}
	}
	return ""
}

// informational cancels the risk concepts that share a segment with an informational marker, unless
// present-tense severity is in the sentence. The segment, not the sentence: in "I know it says call 988 but I
// have the blades out" the words after "but" are the writer's own.
func (lx *lexicon) informational(ev *evidence) {
	for i := range ev.hits {
		h := &ev.hits[i]
		d := &lx.concepts[h.concept]
		f := h.field
		if (len(f.informHits) == 0 && f.homework == "") || !h.live() || d.role || d.benign || f.severe[h.sent-f.sent0] {
			continue
		}
		if w := f.informAt(h.start); w != "" {
			h.reason, h.trigger = ReasonInformational, w
		}
	}
}

func wordsOf(h *conceptHit) string {
	f := h.field
	return collapseSpace(f.text[f.toks[h.start].start:f.toks[h.end-1].end])
}

// selfInClause reports whether the clause of token i has the writer in it ("I", "my", "je", "moi"), looking
// at most maxScan tokens each way.
func (f *fieldText) selfInClause(i int) bool {
	fc := f.context()
	c := fc.clause[i]
	for j := i; j >= 0 && j > i-maxScan && fc.clause[j] == c; j-- {
		if firstPersonWords[f.toks[j].key] {
			return true
		}
	}
	for j := i + 1; j < len(f.toks) && j < i+maxScan && fc.clause[j] == c; j++ {
		if firstPersonWords[f.toks[j].key] {
			return true
		}
	}
	return false
}

// ending returns a benign-ending marker for the languages in the field or in another field of the message: a
// move named in the subject explains a farewell in the body, and the other way round.
func (f *fieldText) ending(langs uint8) (ctxHit, bool) {
	if h, ok := f.ownEnding(langs); ok {
		return h, true
	}
	for _, p := range f.peers {
		if p != f && len(p.toks) > 0 {
			if h, ok := p.ownEnding(langs); ok {
				return h, true
			}
		}
	}
	return ctxHit{}, false
}

// ownEnding returns the field's own benign-ending marker for the languages, looked up once per field.
func (f *fieldText) ownEnding(langs uint8) (ctxHit, bool) {
	if !f.endingDone {
		f.endingDone = true
		for _, l := range []uint8{langEN, langFR} {
			if h, ok := f.context().ending(l); ok {
				f.endings[l] = h
				f.endingLangs |= l
			}
		}
	}
	for _, l := range []uint8{langEN, langFR} {
		if langs&l != 0 && f.endingLangs&l != 0 {
			return f.endings[l], true
		}
	}
	return ctxHit{}, false
}
