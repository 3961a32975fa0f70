package classify

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Context hit kinds, read from the embedded context/*.yaml lexicons.
const (
	kNeg = iota
	kNegAfter
	kPseudo
	kUncertain
	kTerm
	kContrast
	kPast
	kPresent
	kTopic
	kIdiom
	kSplitOpen
	kSplitClose
	kResolved
	kHeader
	kEnding
	kStory
	kThreat
	kReported
	numKinds
)

// Language bits: a rule marked lang "fr" is judged with the French lexicon only; a rule without a language
// with both.
const (
	langEN  = 1
	langFR  = 2
	langAny = langEN | langFR
)

func langBits(l string) (uint8, error) {
	switch strings.ToLower(l) {
	case "":
		return langAny, nil
	case "en":
		return langEN, nil
	case "fr":
		return langFR, nil
	}
	return 0, fmt.Errorf("unknown language %q (want en or fr)", l)
}

type lexFile struct {
	Lang          string   `yaml:"lang"`
	Negation      []string `yaml:"negation"`
	NegationAfter []string `yaml:"negation_after"`
	Pseudo        []string `yaml:"pseudo"`
	Uncertain     []string `yaml:"uncertain"`
	Terminators   []string `yaml:"terminators"`
	Contrast      []string `yaml:"contrast"`
	Past          []string `yaml:"past"`
	Present       []string `yaml:"present"`
	Topic         []string `yaml:"topic"`
	Idioms        []string `yaml:"idioms"`
	SplitOpen     []string `yaml:"split_open"`
	SplitClose    []string `yaml:"split_close"`
	Resolved      []string `yaml:"resolved"`
	Headers       []string `yaml:"headers"`
	Endings       []string `yaml:"endings"`
	Story         []string `yaml:"story"`
	Threat        []string `yaml:"threat"`
	Reported      []string `yaml:"reported"`
}

// contextLex is every context phrase of every language in one matcher.
type contextLex struct {
	m     *matcher
	kind  []uint8
	lang  []uint8
	words map[uint8]bool // kinds present at all, for quick exits
}

// sharedContext compiles the embedded lexicons once per process; the result is never modified afterwards, so
// every Classifier can share it.
var sharedContext = sync.OnceValues(loadContext)

func loadContext() (*contextLex, error) {
	cl := &contextLex{words: map[uint8]bool{}}
	var phrases []*phrase
	for _, name := range []string{"en", "fr"} {
		b, err := rulesFS.ReadFile("context/" + name + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("context lexicon %s: %w", name, err)
		}
		var f lexFile
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("context lexicon %s: %w", name, err)
		}
		lb, err := langBits(f.Lang)
		if err != nil {
			return nil, fmt.Errorf("context lexicon %s: %w", name, err)
		}
		lists := [numKinds][]string{
			kNeg: f.Negation, kNegAfter: f.NegationAfter, kPseudo: f.Pseudo, kUncertain: f.Uncertain,
			kTerm: f.Terminators, kContrast: f.Contrast, kPast: f.Past, kPresent: f.Present, kTopic: f.Topic,
			kIdiom: f.Idioms, kSplitOpen: f.SplitOpen, kSplitClose: f.SplitClose, kResolved: f.Resolved, kHeader: f.Headers, kEnding: f.Endings,
			kStory: f.Story, kThreat: f.Threat, kReported: f.Reported,
		}
		for k, list := range lists {
			for _, src := range list {
				ph, err := compilePhrase(src)
				if err != nil {
					return nil, fmt.Errorf("context lexicon %s: %w", name, err)
				}
				phrases = append(phrases, ph)
				cl.kind = append(cl.kind, uint8(k))
				cl.lang = append(cl.lang, lb)
				cl.words[uint8(k)] = true
			}
		}
	}
	cl.m = newMatcher(phrases)
	return cl, nil
}

// ctxHit is one context phrase occurrence.
type ctxHit struct {
	start, end int
	lang       uint8
	src        string
}

// fieldContext is the context analysis of one field: hits by kind and the clause/segment/sentence structure.
type fieldContext struct {
	toks     []token
	hits     [numKinds][]ctxHit
	clause   []int32 // ends at punctuation, line breaks and terminator words
	segment  []int32 // ends at sentence ends and contrast words (scope of past and topic markers)
	sentence []int32
	pseudo   []bool // token lies inside a pseudo-negation
	wordTerm []bool // a terminator word ("and", "so", "et") starts a new clause at this token
}

func (cl *contextLex) analyse(toks []token, sc *matchScratch) *fieldContext {
	fc := &fieldContext{toks: toks}
	n := len(toks)
	fc.clause = make([]int32, n)
	fc.segment = make([]int32, n)
	fc.sentence = make([]int32, n)
	fc.pseudo = make([]bool, n)
	fc.wordTerm = make([]bool, n)
	termStart := make([]uint8, n) // 1 terminator, 2 contrast starts here
	cl.m.find(toks, sc, func(h hit) bool {
		k := cl.kind[h.phrase]
		fc.hits[k] = append(fc.hits[k], ctxHit{start: h.start, end: h.end, lang: cl.lang[h.phrase], src: cl.m.phrases[h.phrase].src})
		switch k {
		case kTerm:
			termStart[h.start] |= 1
		case kContrast:
			termStart[h.start] |= 2
		case kPseudo:
			for i := h.start; i < h.end; i++ {
				fc.pseudo[i] = true
			}
		}
		return true
	})
	// A contrast word inside a past marker ("two years ago today") is part of the date, not a turn.
	inPast := make([]bool, n)
	for _, h := range fc.hits[kPast] {
		for i := h.start + 1; i < h.end && i < n; i++ {
			inPast[i] = true
		}
	}
	var c, s, sent int32
	for i := range toks {
		if i > 0 {
			if toks[i].brk >= brkClause || termStart[i]&1 != 0 {
				c++
			}
			fc.wordTerm[i] = termStart[i]&1 != 0 && toks[i].brk < brkClause && coordinators[toks[i].key] &&
				!(i+1 < n && toks[i+1].brk < brkClause && pastVerb(toks[i+1].key))
			if toks[i].brk == brkSentence {
				sent++
				s++
			} else if termStart[i]&2 != 0 && !inPast[i] {
				s++
			}
		}
		fc.clause[i], fc.segment[i], fc.sentence[i] = c, s, sent
	}
	return fc
}

// Negation windows, in tokens: how far before (or after) a match a trigger still applies.
const (
	negWindowBefore = 5
	negWindowAfter  = 4
	splitOpenWindow = 4
	splitCloseAfter = 3
)

// maxScan bounds how many context hits are looked at for one match, so that text crafted to contain
// millions of triggers still classifies in linear time. Running out of budget never suppresses.
const maxScan = 64

// maxCtxSpan is the longest span a context phrase can cover (compilePhrase caps phrases at 64 tokens).
const maxCtxSpan = 64

// from returns the index of the first hit starting at or after tok (hits are in start order).
func from(hits []ctxHit, tok int) int {
	return sort.Search(len(hits), func(i int) bool { return hits[i].start >= tok })
}

// sameScope returns the hits (in start order) that begin in the same scope —
// segment or sentence, as numbered by scope — as token s, at most maxScan of
// them.
func sameScope(hits []ctxHit, scope []int32, s int) []ctxHit {
	id := scope[s]
	lo := sort.Search(len(hits), func(i int) bool { return scope[hits[i].start] >= id })
	hi := lo
	for hi < len(hits) && hi-lo < maxScan && scope[hits[hi].start] == id {
		hi++
	}
	return hits[lo:hi]
}

// suppression returns why a match of tokens [s, e) does not count, or "" when it does. A third-party rule is
// not cancelled by reported speech ("he said that he...", "il a dit qu'il..."): someone telling of another
// person's danger is exactly what such a rule is for.
//
// Severe (present-tense severity in the sentence: bleeding now, pills just taken) is never cancelled by a past,
// resolved, topic or story marker: only an idiom or a negation in the words' own scope can cancel it.
func (fc *fieldContext) suppression(s, e int, langs uint8, negatable, thirdParty, severe bool) (reason Reason, trigger string) {
	idioms := fc.hits[kIdiom]
	for i, n := from(idioms, s-maxCtxSpan), 0; i < len(idioms) && idioms[i].start < e && n < maxScan; i, n = i+1, n+1 {
		// "My sister is going to kill me" is a figure of speech; with a knife or a threat in the same sentence
		// it is not.
		if h := idioms[i]; h.lang&langs != 0 && s < h.end && fc.inScope(kThreat, fc.sentence, s, -1, langs) == "" {
			return ReasonIdiom, h.src
		}
	}
	if negatable {
		if t := fc.negation(s, e, langs); t != "" {
			return ReasonNegated, t
		}
	}
	if severe {
		return "", ""
	}
	if !fc.presentIn(s, langs) {
		if t := fc.past(s, e, langs); t != "" {
			return ReasonPast, t
		}
		if t := fc.resolvedNear(s, e, langs); t != "" {
			return ReasonResolved, t
		}
	}
	if t := fc.inScope(kHeader, fc.sentence, s, e, langs); t != "" {
		return ReasonTopic, t
	}
	if t := fc.topicOf(kTopic, s, e, langs); t != "" {
		return ReasonTopic, t
	}
	if !thirdParty {
		if t := fc.topicOf(kReported, s, e, langs); t != "" {
			return ReasonTopic, t
		}
	}
	if t := fc.story(s, e, langs); t != "" {
		return ReasonTopic, t
	}
	return "", ""
}

// presentIn reports a present marker ("again", "lately") in the sentence of token s that puts it back in the
// present. One governed by a past marker in its own clause does not: "and again in her thirties" is history too.
func (fc *fieldContext) presentIn(s int, langs uint8) bool {
	for _, h := range sameScope(fc.hits[kPresent], fc.sentence, s) {
		if h.lang&langs == 0 {
			continue
		}
		past := false
		for _, p := range sameScope(fc.hits[kPast], fc.sentence, s) {
			if p.lang&langs != 0 && fc.clause[p.start] == fc.clause[h.start] && (p.start < h.start || p.start >= h.end) {
				past = true
				break
			}
		}
		if !past {
			return true
		}
	}
	return false
}

// ending returns a benign-ending marker (therapy ending, a move, a new therapist) of the field, if any.
// A negated one says the opposite ("I won't see you on Monday", "je ne viendrai pas à la prochaine séance").
func (fc *fieldContext) ending(langs uint8) (ctxHit, bool) {
	for _, h := range fc.hits[kEnding] {
		if h.lang&langs != 0 && fc.negation(h.start, h.end, langs) == "" {
			return h, true
		}
	}
	return ctxHit{}, false
}

// past finds a remote-past marker that governs the match. A marker before the match counts in its segment
// unless a coordinating word ("and", "so", "et") started a new clause in between: "When I was 19, I took an
// overdose" is history, "I went back in there and I'm scared of what I'll do" is not. A marker after the
// match counts only in the match's own clause ("I wanted to die in 2019", not "I want to die, like in 2019").
func (fc *fieldContext) past(s, e int, langs uint8) string {
	hits := fc.hits[kPast]
	for _, h := range sameScope(hits, fc.segment, s) {
		if h.lang&langs == 0 || (h.start >= s && h.start < e) {
			continue
		}
		if h.start >= e {
			if fc.clause[h.start] == fc.clause[e-1] {
				return h.src
			}
			continue
		}
		if !fc.termBetween(min(h.end, s), s) {
			return h.src
		}
	}
	return ""
}

// termBetween reports a clause started by a terminator word in tokens (a, b].
func (fc *fieldContext) termBetween(a, b int) bool {
	for i := a; i <= b && i < len(fc.wordTerm); i++ {
		if fc.wordTerm[i] {
			return true
		}
	}
	return false
}

// story finds a marker of someone else's story ("a man on the platform", "my colleague's brother", "le
// voisin") in the match's segment. Unlike topic markers, they never cancel words in which the writer speaks
// of themselves ("...threatens to kill me", "I want to jump too"): another person in the sentence does not
// make the writer safe.
func (fc *fieldContext) story(s, e int, langs uint8) string {
	hits := fc.hits[kStory]
	if len(hits) == 0 {
		return ""
	}
	for i := s; i < e; i++ {
		if firstPersonWords[fc.toks[i].key] || objectWords[fc.toks[i].key] {
			return ""
		}
	}
	for _, h := range sameScope(hits, fc.segment, s) {
		if h.lang&langs == 0 || (h.start < e && s < h.end) {
			continue
		}
		if h.end <= s && fc.personalBetween(h.end, s) {
			continue
		}
		return h.src
	}
	return ""
}

// coordinators start a new statement rather than a subordinate clause: after them a past marker no longer
// governs ("I went back in there and I'm scared of what I'll do"), whereas after "when", "if" or "qui" it does.
var coordinators = map[string]bool{"and": true, "so": true, "then": true, "et": true, "donc": true, "alors": true, "puis": true}

// pastVerb reports a verb in a past tense with no subject of its own: after "and"/"et" it continues the
// statement before it ("when I was 19 and wanted to die", "quand j'avais 15 ans et voulais mourir") instead
// of starting a new one, so a past marker keeps governing it.
func pastVerb(k string) bool {
	if irregularPast[k] {
		return true
	}
	n := len(k)
	switch {
	case n >= 5 && strings.HasSuffix(k, "ed") && !strings.HasSuffix(k, "eed"):
		return true
	case n >= 6 && (strings.HasSuffix(k, "ais") || strings.HasSuffix(k, "ait")) && !frenchPresentAis[k]:
		return true
	}
	return false
}

// irregularPast are common English simple pasts that do not end in -ed.
var irregularPast = map[string]bool{"took": true, "was": true, "were": true, "had": true, "went": true, "felt": true,
	"thought": true, "wrote": true, "made": true, "ran": true, "hid": true, "bought": true, "kept": true,
	"swallowed": true, "drank": true, "spent": true, "left": true, "stood": true, "sat": true, "lay": true}

// frenchPresentAis are words ending in -ais/-ait that are not imperfect verbs.
var frenchPresentAis = map[string]bool{"jamais": true, "mauvais": true, "francais": true, "anglais": true,
	"desormais": true, "parfait": true, "souhait": true, "portrait": true, "extrait": true, "retrait": true,
	"sais": true, "sait": true, "fais": true, "fait": true, "vais": true, "mais": true, "frais": true, "epais": true,
	"relais": true, "palais": true, "attrait": true}

// personSubjects are the people a "gone"/"parti" can be said of: with one just before it, a resolved marker
// means someone left ("he said he'd kill himself and now he's gone", "il est parti du bureau"), not that an
// urge passed.
var personSubjects = map[string]bool{"he": true, "she": true, "il": true, "elle": true, "husband": true,
	"wife": true, "son": true, "daughter": true, "partner": true, "brother": true, "sister": true, "mother": true,
	"father": true, "mum": true, "mom": true, "dad": true, "friend": true, "mari": true, "femme": true, "fils": true,
	"fille": true, "frere": true, "soeur": true, "mere": true, "pere": true, "ami": true, "amie": true,
	"collegue": true, "compagnon": true, "compagne": true, "colleague": true, "boyfriend": true, "girlfriend": true}

// objectWords are first-person forms that firstPersonWords leaves out because they are also common
// function words elsewhere; inside a match they still mean the writer.
var objectWords = map[string]bool{"myself": true, "us": true, "we": true, "our": true, "nous": true, "m": true, "moi": true}

func (fc *fieldContext) negation(s, e int, langs uint8) string {
	// Someone unsure of themselves, or a double negative, earlier in the sentence: the negation is not trusted.
	unc := fc.hits[kUncertain]
	for i, n := from(unc, fc.sentenceStart(s)), 0; i < len(unc) && unc[i].start < s && n < maxScan; i, n = i+1, n+1 {
		if unc[i].lang&langs != 0 {
			return ""
		}
	}
	last := e - 1
	neg := fc.hits[kNeg]
	for i, n := from(neg, s-negWindowBefore-maxCtxSpan), 0; i < len(neg) && neg[i].start < s && n < maxScan; i, n = i+1, n+1 {
		h := neg[i]
		if h.lang&langs == 0 || h.end > s || s-h.end > negWindowBefore || fc.clause[h.start] != fc.clause[s] {
			continue
		}
		if fc.pseudoAt(h.start, h.end) {
			continue
		}
		return h.src
	}
	after := fc.hits[kNegAfter]
	for i, n := from(after, e), 0; i < len(after) && after[i].start-e <= negWindowAfter && n < maxScan; i, n = i+1, n+1 {
		h := after[i]
		if h.lang&langs == 0 || fc.clause[h.start] != fc.clause[last] || fc.pseudoAt(h.start, h.end) {
			continue
		}
		return h.src
	}
	// French split negation: "je ne me ferai jamais de mal".
	opens, closes := fc.hits[kSplitOpen], fc.hits[kSplitClose]
	for i, n := from(opens, s-splitOpenWindow-maxCtxSpan), 0; i < len(opens) && opens[i].start < s && n < maxScan; i, n = i+1, n+1 {
		o := opens[i]
		if o.lang&langs == 0 || o.end > s || s-o.end > splitOpenWindow || fc.clause[o.start] != fc.clause[s] {
			continue
		}
		for j, m := from(closes, e), 0; j < len(closes) && closes[j].start-e <= splitCloseAfter && m < maxScan; j, m = j+1, m+1 {
			c := closes[j]
			if c.lang&langs == 0 || fc.clause[c.start] != fc.clause[last] || fc.pseudoAt(c.start, c.end) {
				continue
			}
			return o.src + " ... " + c.src
		}
	}
	return ""
}

// sentenceStart returns the first token of the sentence holding token s.
func (fc *fieldContext) sentenceStart(s int) int {
	id := fc.sentence[s]
	return sort.Search(s+1, func(i int) bool { return fc.sentence[i] == id })
}

func (fc *fieldContext) pseudoAt(a, b int) bool {
	for i := a; i < b; i++ {
		if fc.pseudo[i] {
			return true
		}
	}
	return false
}

// inScope returns a hit of kind k outside [s, e) sharing token s's scope (segment or sentence).
func (fc *fieldContext) inScope(k int, scope []int32, s, e int, langs uint8) string {
	hits := fc.hits[k]
	for _, h := range sameScope(hits, scope, s) {
		if h.lang&langs != 0 && (e < 0 || h.start < s || h.start >= e) {
			return h.src
		}
	}
	return ""
}

// resolvedNear finds a "that's over now" marker: after the match in the same sentence ("I had urges to hurt
// myself, but they passed"), or before it in the same segment.
func (fc *fieldContext) resolvedNear(s, e int, langs uint8) string {
	hits := fc.hits[kResolved]
	for _, h := range sameScope(hits, fc.sentence, s) {
		if h.lang&langs == 0 || (h.start > 0 && personSubjects[fc.toks[h.start-1].key]) || personSubjects[fc.toks[h.start].key] {
			continue
		}
		if fc.reportedBefore(h.start) {
			continue // "he says it's over" reports his finality, not a resolved episode
		}
		if fc.pseudoAt(h.start, h.end) {
			continue // "depuis hier, sans arrêt": a pseudo-negation does not say the struggle is over
		}
		if fc.provisionalNear(h.start, h.end) {
			continue // "I feel fine for now": a state that may not last says nothing is over
		}
		if h.start >= e || (h.end <= s && fc.segment[h.start] == fc.segment[s]) {
			return h.src
		}
	}
	return ""
}

// provisional lists the qualifiers that make a "fine" provisional ("for now", "pour l'instant", "so far"), as
// token keys; the tokenizer spells elisions out ("l'instant" is "le instant", "jusqu'ici" "jusque ici").
var provisional = [][]string{
	{"for", "now"}, {"so", "far"}, {"for", "the", "moment"}, {"at", "the", "moment"}, {"for", "the", "time", "being"},
	{"as", "of", "now"}, {"pour", "le", "instant"}, {"pour", "le", "moment"}, {"pour", "le", "heure"},
	{"jusque", "ici"}, {"jusque", "a", "present"}, {"jusque", "la"}, {"a", "ce", "stade"},
}

// provisionalNear reports a provisional qualifier within three tokens of the marker [s, e): one that ends at
// most three tokens before it, or starts at most three after it.
func (fc *fieldContext) provisionalNear(s, e int) bool {
	for _, q := range provisional {
		for i := max(s-3-len(q), 0); i <= s-len(q); i++ {
			if fc.keysAt(i, q) {
				return true
			}
		}
		for i := e; i <= e+3 && i+len(q) <= len(fc.toks); i++ {
			if fc.keysAt(i, q) {
				return true
			}
		}
	}
	return false
}

// keysAt reports whether the tokens from i on have the keys ks.
func (fc *fieldContext) keysAt(i int, ks []string) bool {
	for j, k := range ks {
		if fc.toks[i+j].key != k {
			return false
		}
	}
	return true
}

// reportVerbs introduce someone's words: a resolved marker right after one is what that person said.
var reportVerbs = map[string]bool{"dit": true, "disait": true, "ecrit": true, "repete": true, "says": true,
	"said": true, "wrote": true, "writes": true, "texted": true, "messaged": true, "told": true, "tells": true}

// reportedBefore reports a reporting verb among the three tokens before token i.
func (fc *fieldContext) reportedBefore(i int) bool {
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if reportVerbs[fc.toks[j].key] {
			return true
		}
	}
	return false
}

// firstPersonWords mark the writer speaking of themselves; between a topic word and a match they show the
// writer has moved from the film to their own life ("I saw a film and I want to die").
var firstPersonWords = map[string]bool{"i": true, "me": true, "my": true, "myself": true, "je": true, "moi": true, "mes": true, "mon": true, "ma": true}

// topicOf finds a marker of kind k (topic or reported speech) that governs the match.
func (fc *fieldContext) topicOf(k, s, e int, langs uint8) string {
	hits := fc.hits[k]
	for _, h := range sameScope(hits, fc.segment, s) {
		if h.lang&langs == 0 || (h.start < e && s < h.end) {
			continue
		}
		if h.start >= e && fc.clause[h.start] != fc.clause[e-1] {
			continue // a film named after the words, in another clause, does not make them fiction
		}
		if h.end <= s && fc.clause[h.start] != fc.clause[s] && fc.personalBetween(h.end, s) {
			continue
		}
		return h.src
	}
	return ""
}

func (fc *fieldContext) personalBetween(a, b int) bool {
	for i := a; i < b && i < a+maxScan; i++ {
		if firstPersonWords[fc.toks[i].key] {
			return true
		}
	}
	return b-a >= maxScan
}
