package classify

import (
	"sort"
	"strings"
)

// fieldRun collects the outcome for one field.
type fieldRun struct {
	c      *Classifier
	res    *Result
	name   string
	text   string
	toks   []token
	fc     *fieldContext
	f      *fieldText
	useSeg bool
	bulk   bool
	appeal bool // fundraising or newsletter wording: only the writer's own words count
	seen   map[seenKey]bool
	// For the resolved post-pass: where this field's counting matches are, and the clauses in which a match
	// was found to be over ("the urge to cut myself has gone").
	kept            []keptMatch
	resolvedClauses map[int32]bool
	matchIdx        map[seenKey]int
}

type keptMatch struct {
	idx    int // in res.Matches
	s, e   int
	intent bool // the rule's intent flag
}

// seenKey identifies one reported outcome; repeats of it are not listed again.
type seenKey struct {
	rule   int
	phrase string
	reason Reason
}

// applyRules runs the phrase rules (the user's and the built-in ones) over one field. A match counts unless its
// context cancels it; present-tense severity found by the concept stage in the same sentence shields it from
// past, resolved and topic markers.
func (c *Classifier) applyRules(res *Result, sc *scratch, f *fieldText, inf informational) {
	if len(f.toks) == 0 {
		return
	}
	fr := &fieldRun{c: c, res: res, name: f.name, text: f.text, toks: f.toks, f: f,
		bulk: inf.bulk, appeal: inf.appeal, useSeg: f.useSeg, seen: map[seenKey]bool{}}
	c.m.find(f.toks, &sc.ms, func(h hit) bool {
		ref := c.phraseOf[h.phrase]
		if c.rules[ref.rule].fields&f.bit == 0 {
			return true
		}
		fr.judge(ref.rule, c.phrases[h.phrase].src, h.start, h.end, ref.negatable)
		return true
	})
	if len(c.regexes) > 0 {
		fr.regexes(f.bit)
	}
	// The writer's own explicit intents, where the resolved post-pass leaves them counting.
	var intents []keptMatch
	for _, k := range fr.kept {
		if k.intent && !fr.predictsDeath(k.s, k.e) && (fr.selfDirected(k.s, k.e) || fr.firstPerson(k.s, k.e)) {
			intents = append(intents, k)
		}
	}
	drop := fr.spreadResolved()
	for _, k := range intents {
		if _, gone := drop[k.idx]; !gone {
			f.intents = append(f.intents, f.sentence[k.s])
		}
	}
}

// predictsDeath reports an intent match that foretells dying under a hedge rather than announcing an act ("I
// think I'm going to die", "je crois que je vais mourir": dread of an exam as often as a plan). Only the future
// right before the verb counts ("je vais me laisser mourir" is an act), and only with a hedge in the four words
// before the match ("Tonight I am going to die, I have decided" stays announced). It still counts as a rule
// match; it is only not an announced act, which the model cannot overrule.
func (fr *fieldRun) predictsDeath(s, e int) bool {
	if e-s < 2 {
		return false
	}
	switch fr.toks[e-1].key {
	case "die", "mourir", "crever":
	default:
		return false
	}
	switch fr.toks[e-2].key {
	case "to", "gonna", "will", "vais", "va":
	default:
		return false
	}
	for _, t := range fr.toks[max(s-4, 0):s] {
		switch t.key {
		case "think", "thought", "feel", "felt", "swear", "literally", "crois", "croyais", "sens", "impression":
			return true
		}
	}
	return false
}

// spreadResolved extends a "resolved" verdict to the other rules matched in the same clause by the resolved
// words themselves: in "l'envie de me couper a disparu" the self-harm words are over, and "a disparu" is not a
// missing person.
func (fr *fieldRun) spreadResolved() map[int]string {
	if len(fr.resolvedClauses) == 0 || len(fr.kept) == 0 || fr.fc == nil {
		return nil
	}
	drop := map[int]string{}
	live := map[int]bool{} // a match reported once but also found where nothing resolves it
	for _, k := range fr.kept {
		t := ""
		if fr.resolvedClauses[fr.fc.clause[k.s]] {
			for _, h := range fr.fc.hits[kResolved] {
				if h.start < k.e && k.s < h.end && fr.fc.clause[h.start] == fr.fc.clause[k.s] {
					t = h.src
					break
				}
			}
		}
		if t == "" {
			live[k.idx] = true
		} else {
			drop[k.idx] = t
		}
	}
	for idx := range live {
		delete(drop, idx)
	}
	if len(drop) == 0 {
		return nil
	}
	kept := fr.res.Matches[:0]
	for i, mt := range fr.res.Matches {
		t, ok := drop[i]
		if !ok {
			kept = append(kept, mt)
			continue
		}
		if len(fr.res.Suppressed) < maxReported {
			fr.res.Suppressed = append(fr.res.Suppressed, Suppression{Rule: mt.Rule, Phrase: mt.Phrase, Field: mt.Field,
				Reason: ReasonResolved, Trigger: t, Excerpt: mt.Excerpt, Words: mt.Words})
		}
	}
	fr.res.Matches = kept
	return drop
}

// regexes runs the regex rules over the normalised text: folded words joined by single spaces.
func (fr *fieldRun) regexes(field uint8) {
	var b strings.Builder
	offs := make([]int, len(fr.toks))
	for i, t := range fr.toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		offs[i] = b.Len()
		b.WriteString(t.norm)
	}
	norm := b.String()
	for _, rr := range fr.c.regexes {
		if fr.c.rules[rr.rule].fields&field == 0 {
			continue
		}
		for _, loc := range rr.re.FindAllStringIndex(norm, 200) {
			s := sort.SearchInts(offs, loc[0]+1) - 1
			e := sort.SearchInts(offs, loc[1])
			if s < 0 {
				s = 0
			}
			if e <= s {
				e = s + 1
			}
			fr.judge(rr.rule, rr.src, s, e, rr.negatable)
		}
	}
}

// judge decides whether one occurrence counts and records it.
func (fr *fieldRun) judge(ri int, src string, s, e int, mode negMode) {
	r := fr.c.rules[ri]
	negatable := mode == negYes
	if mode == negAuto {
		// "I don't want to live": a statement that carries its own negation is not cancelled by one.
		negatable = true
		for _, t := range fr.toks[s:e] {
			if negationWords[t.key] {
				negatable = false
				break
			}
		}
	}
	var reason Reason
	var trigger string
	severe := fr.f.severe[fr.f.sentence[s]]
	switch {
	case fr.useSeg && fr.toks[s].seg == segQuoted:
		reason = ReasonQuoted
	case fr.useSeg && fr.toks[s].seg == segSignature:
		reason = ReasonSignature
	case fr.bulk:
		reason, trigger = ReasonBulk, "List-Id/List-Unsubscribe/Precedence header"
	case fr.appeal && !fr.firstPerson(s, e):
		reason, trigger = ReasonBulk, "fundraising or newsletter wording"
	default:
		fr.fc = fr.f.context()
		reason, trigger = fr.fc.suppression(s, e, r.langs, negatable, r.category == "third-party", severe)
		if reason == "" && !severe {
			if w := fr.f.informAt(s); w != "" {
				reason, trigger = ReasonInformational, w
			} else if w := fr.f.accidentAt(s); w != "" && (r.category == "self-harm" || r.category == "third-party") && !fr.selfDirected(s, e) {
				// "Je me suis brûlée avec le fer en faisant les chemises, rien de grave": an accident.
				reason, trigger = ReasonInformational, w
			} else if fr.purchase(s, e) && !fr.selfDirected(s, e) {
				// "I bought a rope for the climbing course": a means bought for its ordinary use.
				if w := fr.f.everydayAt(s); w != "" {
					reason, trigger = ReasonInformational, w
				}
			}
		}
		if reason == "" && !severe && (r.severity == "low" || r.severity == "medium") {
			// Farewell words in a mail about ending therapy or moving away are just that.
			if h, ok := fr.f.ending(r.langs); ok {
				reason, trigger = ReasonEnding, h.src
			}
		}
	}
	key := seenKey{rule: ri, phrase: src, reason: reason}
	if fr.seen[key] {
		if reason == "" {
			if idx, ok := fr.matchIdx[key]; ok {
				fr.kept = append(fr.kept, keptMatch{idx: idx, s: s, e: e, intent: r.intent})
			}
		}
		return
	}
	fr.seen[key] = true
	a, b := fr.toks[s].start, fr.toks[e-1].end
	words := collapseSpace(fr.text[a:b])
	if reason == ReasonResolved {
		if fr.resolvedClauses == nil {
			fr.resolvedClauses = map[int32]bool{}
		}
		fr.resolvedClauses[fr.fc.clause[s]] = true
	}
	if reason == "" {
		if len(fr.res.Matches) < maxReported {
			if fr.matchIdx == nil {
				fr.matchIdx = map[seenKey]int{}
			}
			fr.matchIdx[key] = len(fr.res.Matches)
			fr.kept = append(fr.kept, keptMatch{idx: len(fr.res.Matches), s: s, e: e, intent: r.intent})
			fr.res.Matches = append(fr.res.Matches, Match{Rule: r.name, Phrase: src, Field: fr.name,
				Excerpt: excerpt(fr.text, a, b), Words: words, Category: r.category, Severity: r.severity})
		}
		return
	}
	if len(fr.res.Suppressed) < maxReported {
		fr.res.Suppressed = append(fr.res.Suppressed, Suppression{Rule: r.name, Phrase: src, Field: fr.name,
			Reason: reason, Trigger: trigger, Excerpt: excerpt(fr.text, a, b), Words: words})
	}
}

// selfDirected reports whether the matched words turn on the writer ("kill myself", "me tuer"): an
// ordinary use nearby (climbing, cooking) does not explain those.
func (fr *fieldRun) selfDirected(s, e int) bool {
	for _, t := range fr.toks[s:e] {
		if selfWords[t.key] {
			return true
		}
	}
	return false
}

// purchase reports whether the matched words buy or order something.
func (fr *fieldRun) purchase(s, e int) bool {
	for _, t := range fr.toks[s:e] {
		if purchaseWords[t.key] {
			return true
		}
	}
	return false
}

var purchaseWords = map[string]bool{"bought": true, "buy": true, "buying": true, "ordered": true, "order": true,
	"got": true, "get": true, "getting": true, "picked": true, "new": true,
	"purchased": true, "achete": true, "acheter": true, "commande": true, "commander": true}

// selfWords are the words that turn a means or an act on the writer.
var selfWords = map[string]bool{"myself": true, "me": true, "moi": true, "suicide": true, "die": true, "dead": true,
	"mourir": true, "suicider": true, "overdose": true, "surdose": true, "kill": true, "tuer": true, "life": true, "vie": true}

// firstPerson reports whether the matched words speak of the writer ("kill myself", "me tuer").
func (fr *fieldRun) firstPerson(s, e int) bool {
	for _, t := range fr.toks[s:e] {
		if firstPersonWords[t.key] || objectWords[t.key] {
			return true
		}
	}
	return false
}

// applyWeak enforces the meaning of severity "low": a weak signal ("thank you for everything", "I know where he
// lives") escalates only together with another signal: a match of any other rule or a second weak signal on
// other words (two phrases matching the same words are one signal). Otherwise it is reported as suppressed. Signals that are worrying on their own (goodbyes, a decision
// taken) are severity "medium" instead, which escalates alone unless a benign ending explains it.
func (c *Classifier) applyWeak(res *Result) {
	weakWords := map[string]bool{}
	strong := false
	for _, mt := range res.Matches {
		if mt.Severity == "low" {
			weakWords[mt.Field+"\x00"+strings.ToLower(mt.Words)] = true
		} else {
			strong = true
		}
	}
	if strong || len(weakWords) >= 2 || len(weakWords) == 0 {
		return
	}
	kept := res.Matches[:0]
	for _, mt := range res.Matches {
		if mt.Severity == "low" {
			if len(res.Suppressed) < maxReported {
				res.Suppressed = append(res.Suppressed, Suppression{Rule: mt.Rule, Phrase: mt.Phrase, Field: mt.Field,
					Reason: ReasonWeakAlone, Trigger: "a weak signal needs another one", Excerpt: mt.Excerpt, Words: mt.Words})
			}
			continue
		}
		kept = append(kept, mt)
	}
	res.Matches = kept
}
