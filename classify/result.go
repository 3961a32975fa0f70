package classify

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Verdicts.
const (
	VerdictEscalate = "escalate" // alert now; the message stays in the inbox, flagged
	VerdictHold     = "hold"     // moved to the hold folder until the next reading window
	VerdictPass     = "pass"     // left alone
)

// Match is a rule occurrence that counts.
type Match struct {
	Rule     string `json:"rule"`
	Phrase   string `json:"phrase"`  // the rule's phrase (or regex) as written
	Field    string `json:"field"`   // subject or body
	Excerpt  string `json:"excerpt"` // the words in their surroundings
	Words    string `json:"words"`   // the words that matched, as written in the message
	Category string `json:"category,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// Suppression is a rule occurrence that was found but does not count, with the reason.
type Suppression struct {
	Rule    string `json:"rule"`
	Phrase  string `json:"phrase"`
	Field   string `json:"field"`
	Reason  string `json:"reason"`            // negated, quoted, signature, idiom, past, resolved, topic, bulk, ending, weak-alone
	Trigger string `json:"trigger,omitempty"` // the context words that caused it
	Excerpt string `json:"excerpt"`
	Words   string `json:"words"`
}

// Result is the classification of one message. The JSON form is the contract's `explain --json` object.
type Result struct {
	File       string        `json:"file"` // set by the caller
	MessageID  string        `json:"message_id"`
	From       string        `json:"from"`
	Sender     string        `json:"sender"`  // allowed, patient, other
	Verdict    string        `json:"verdict"` // escalate, hold, pass
	Matches    []Match       `json:"matches"`
	Suppressed []Suppression `json:"suppressed"`
	Error      string        `json:"error,omitempty"`

	FromName    string       `json:"from_name,omitempty"`
	Subject     string       `json:"subject,omitempty"`
	Date        time.Time    `json:"date,omitzero"`
	Categories  []string     `json:"categories,omitempty"` // of the matches that count
	Snippet     string       `json:"-"`                    // a few lines of the new text, for the digest
	Attachments []Attachment `json:"-"`
}

// maxReported bounds the matches and suppressions listed per message.
const maxReported = 50

// Classify routes the message's sender and, unless the sender is allowed, applies the rules. The verdict:
// allowed -> pass; patient -> escalate on any match that counts, else hold; other -> escalate on any match that
// counts, else pass. A message that could only partly be read is judged on what was read, with Error set.
func (c *Classifier) Classify(m *Message) *Result {
	res := &Result{Matches: []Match{}, Suppressed: []Suppression{}}
	if m == nil {
		m = &Message{Errors: []string{"no message"}}
	}
	res.MessageID, res.From, res.FromName, res.Subject, res.Date = m.MessageID, m.From, m.FromName, m.Subject, m.Date
	res.Attachments = m.Attachments
	res.Error = strings.Join(m.Errors, "; ")
	res.Sender = c.Route(m.From)
	if res.Sender == SenderAllowed {
		res.Verdict = VerdictPass
		return res
	}
	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)

	body := m.Body
	if len(body) > c.maxText {
		body = strings.ToValidUTF8(body[:c.maxText], "")
	}
	bulk := isBulk(m)
	appeal := !bulk && isAppeal(body)
	c.classifyField(res, sc, "subject", fieldSubject, m.Subject, nil, bulk, appeal)
	segs := segmentLines(body)
	c.classifyField(res, sc, "body", fieldBody, body, segs, bulk, appeal)
	res.Snippet = snippet(body, segs)

	c.applyWeak(res)
	escalate := false
	cats := map[string]bool{}
	for _, mt := range res.Matches {
		escalate = true
		if mt.Category != "" && !cats[mt.Category] {
			cats[mt.Category] = true
			res.Categories = append(res.Categories, mt.Category)
		}
	}
	sort.Strings(res.Categories)
	switch {
	case escalate:
		res.Verdict = VerdictEscalate
	case res.Sender == SenderPatient:
		res.Verdict = VerdictHold
	default:
		res.Verdict = VerdictPass
	}
	return res
}

// applyWeak enforces the meaning of severity "low": a weak signal ("thank you for everything", "I know where he
// lives") escalates only together with another signal: a match of any other rule or a second, different weak
// phrase. Otherwise it is reported as suppressed. Signals that are worrying on their own (goodbyes, a decision
// taken) are severity "medium" instead, which escalates alone unless a benign ending explains it.
func (c *Classifier) applyWeak(res *Result) {
	weakRules := map[string]bool{}
	weakPhrases := map[string]bool{}
	strong := false
	for _, mt := range res.Matches {
		if mt.Severity == "low" {
			weakRules[mt.Rule] = true
			weakPhrases[mt.Rule+"\x00"+mt.Phrase] = true
		} else {
			strong = true
		}
	}
	if strong || len(weakRules) >= 2 || len(weakPhrases) >= 2 || len(weakRules) == 0 {
		return
	}
	kept := res.Matches[:0]
	for _, mt := range res.Matches {
		if mt.Severity == "low" {
			if len(res.Suppressed) < maxReported {
				res.Suppressed = append(res.Suppressed, Suppression{Rule: mt.Rule, Phrase: mt.Phrase, Field: mt.Field,
					Reason: "weak-alone", Trigger: "a weak signal needs another one", Excerpt: mt.Excerpt, Words: mt.Words})
			}
			continue
		}
		kept = append(kept, mt)
	}
	res.Matches = kept
}

// isBulk recognises mailing lists and bulk mail: their crisis words are newsletters, not a patient's own.
func isBulk(m *Message) bool {
	h := m.Header
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk":
		return true
	}
	// Footers sit at the end; looking only there keeps this cheap on huge bodies.
	tail := m.Body
	if len(tail) > 4096 {
		tail = strings.ToValidUTF8(tail[len(tail)-4096:], "")
	}
	tail = strings.ToLower(tail)
	for _, w := range bulkFooterWords {
		if strings.Contains(tail, w) {
			return true
		}
	}
	return false
}

// bulkFooterWords mark the unsubscribe footer of newsletters sent without list headers.
var bulkFooterWords = []string{"unsubscribe", "se désabonner", "se desabonner", "se désinscrire", "se desinscrire",
	"désinscription", "desinscription", "désabonnement", "desabonnement", "you are receiving this", "vous recevez ce"}

// appealMarkers are the words of fundraising appeals and newsletters sent without list headers. One alone is
// ordinary ("I gave my books to charity"); two different ones make a circular.
var appealMarkers = []string{"donate", "donation", "registered charity", "charity number", "charity no",
	"fundraising", "fundraiser", "your gift", "make a gift", "give today", "gift aid", "tax-deductible",
	"tax deductible", "view in browser", "view this email", "newsletter", "faire un don", "votre don", "vos dons",
	"reçu fiscal", "recu fiscal", "déduction fiscale", "deduction fiscale", "réduction d'impôt",
	"reduction d'impot", "utilité publique", "utilite publique", "voir la version en ligne", "lettre d'information",
	"soutenez", "support our work", "soutenir notre"}

// isAppeal reports a fundraising appeal or newsletter by its wording. Only the head and tail of a long body
// are read, where such mail puts its calls to give and its footer, so the cost stays bounded.
func isAppeal(body string) bool {
	const part = 8192
	text := body
	if len(text) > 2*part {
		text = strings.ToValidUTF8(text[:part]+"\n"+text[len(text)-part:], "")
	}
	text = strings.ToLower(text)
	n := 0
	for _, w := range appealMarkers {
		if strings.Contains(text, w) {
			n++
			if n >= 2 {
				return true
			}
		}
	}
	return false
}

// fieldRun collects the outcome for one field.
type fieldRun struct {
	c      *Classifier
	res    *Result
	name   string
	text   string
	toks   []token
	fc     *fieldContext
	sc     *scratch
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
	idx  int // in res.Matches
	s, e int
}

// seenKey identifies one reported outcome; repeats of it are not listed again.
type seenKey struct {
	rule   int
	phrase string
	reason string
}

func (c *Classifier) classifyField(res *Result, sc *scratch, name string, field uint8, text string, segs []uint8, bulk, appeal bool) {
	if strings.TrimSpace(text) == "" {
		return
	}
	toks := sc.tz.tokens(text, segs)
	if len(toks) == 0 {
		return
	}
	fr := &fieldRun{c: c, res: res, name: name, text: text, toks: toks, sc: sc, bulk: bulk, appeal: appeal, seen: map[seenKey]bool{}}
	// Quoted history and signatures count only when the writer added nothing else.
	for _, t := range toks {
		if t.seg == segNew {
			fr.useSeg = segs != nil
			break
		}
	}
	c.m.find(toks, &sc.ms, func(h hit) bool {
		ref := c.phraseOf[h.phrase]
		if c.rules[ref.rule].fields&field == 0 {
			return true
		}
		fr.judge(ref.rule, c.phrases[h.phrase].src, h.start, h.end, ref.negatable)
		return true
	})
	if len(c.regexes) > 0 {
		fr.regexes(field)
	}
	fr.spreadResolved()
}

// spreadResolved extends a "resolved" verdict to the other rules matched in the same clause by the resolved
// words themselves: in "l'envie de me couper a disparu" the self-harm words are over, and "a disparu" is not a
// missing person.
func (fr *fieldRun) spreadResolved() {
	if len(fr.resolvedClauses) == 0 || len(fr.kept) == 0 {
		return
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
		return
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
				Reason: "resolved", Trigger: t, Excerpt: mt.Excerpt, Words: mt.Words})
		}
	}
	fr.res.Matches = kept
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
	var reason, trigger string
	switch {
	case fr.useSeg && fr.toks[s].seg == segQuoted:
		reason = "quoted"
	case fr.useSeg && fr.toks[s].seg == segSignature:
		reason = "signature"
	case fr.bulk:
		reason, trigger = "bulk", "List-Id/List-Unsubscribe/Precedence header"
	case fr.appeal && !fr.firstPerson(s, e):
		reason, trigger = "bulk", "fundraising or newsletter wording"
	default:
		if fr.fc == nil {
			fr.fc = fr.c.ctx.analyse(fr.toks, &matchScratch{})
		}
		reason, trigger = fr.fc.suppression(s, e, r.langs, negatable, r.category == "third-party")
		if reason == "" && (r.severity == "low" || r.severity == "medium") {
			// Farewell words in a mail about ending therapy or moving away are just that.
			for _, h := range fr.fc.hits[kEnding] {
				if h.lang&r.langs != 0 {
					reason, trigger = "ending", h.src
					break
				}
			}
		}
	}
	key := seenKey{rule: ri, phrase: src, reason: reason}
	if fr.seen[key] {
		if reason == "" && fr.fc != nil {
			if idx, ok := fr.matchIdx[key]; ok {
				fr.kept = append(fr.kept, keptMatch{idx: idx, s: s, e: e})
			}
		}
		return
	}
	fr.seen[key] = true
	a, b := fr.toks[s].start, fr.toks[e-1].end
	words := collapseSpace(fr.text[a:b])
	if reason == "resolved" && fr.fc != nil {
		if fr.resolvedClauses == nil {
			fr.resolvedClauses = map[int32]bool{}
		}
		fr.resolvedClauses[fr.fc.clause[s]] = true
	}
	if reason == "" {
		if len(fr.res.Matches) < maxReported {
			if fr.fc != nil {
				if fr.matchIdx == nil {
					fr.matchIdx = map[seenKey]int{}
				}
				fr.matchIdx[key] = len(fr.res.Matches)
				fr.kept = append(fr.kept, keptMatch{idx: len(fr.res.Matches), s: s, e: e})
			}
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

// firstPerson reports whether the matched words speak of the writer ("kill myself", "me tuer").
func (fr *fieldRun) firstPerson(s, e int) bool {
	for _, t := range fr.toks[s:e] {
		if firstPersonWords[t.key] || objectWords[t.key] {
			return true
		}
	}
	return false
}

// excerpt returns the matched bytes [a, b) with about 60 bytes of context each side, on word boundaries.
func excerpt(text string, a, b int) string {
	const ctx = 60
	lo := max(0, a-ctx)
	for lo > 0 && lo < a && !utf8.RuneStart(text[lo]) {
		lo++
	}
	if lo > 0 {
		if i := strings.IndexAny(text[lo:a], " \n\t"); i >= 0 {
			lo += i + 1
		}
	}
	hi := min(len(text), b+ctx)
	for hi < len(text) && hi > b && !utf8.RuneStart(text[hi]) {
		hi--
	}
	if hi < len(text) {
		if i := strings.LastIndexAny(text[b:hi], " \n\t"); i >= 0 {
			hi = b + i
		}
	}
	out := collapseSpace(text[lo:hi])
	if lo > 0 {
		out = "..." + out
	}
	if hi < len(text) {
		out += "..."
	}
	return out
}

func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// snippet returns the first lines of new text (no quotes, no signature), at most about 240 bytes.
func snippet(body string, segs []uint8) string {
	lines := strings.Split(body, "\n")
	var parts []string
	size := 0
	for i, l := range lines {
		if i < len(segs) && segs[i] != segNew {
			continue
		}
		l = collapseSpace(l)
		if l == "" {
			continue
		}
		parts = append(parts, l)
		size += len(l)
		if len(parts) >= 4 || size >= 240 {
			break
		}
	}
	s := strings.Join(parts, " ")
	if len(s) > 240 {
		s = strings.ToValidUTF8(s[:240], "") + "..."
	}
	return s
}
