package classify

import (
	"sort"
	"strings"
)

// Classify routes the message's sender and, unless the sender is allowed, weighs the evidence. The stages, in
// order: mail -> text (Parse or Assemble, before this call), text -> tokens (fields), tokens -> concepts
// (concepts.go) with their context (context.go), the phrase rules (rules.go), concepts -> frames (frames.go),
// and the verdict (verdict.go). The verdict: allowed -> pass; a page -> escalate; otherwise a patient's mail is
// held and another sender's passes. A message that could only partly be read is judged on what was read, with
// Error set.
func (c *Classifier) Classify(m *Message) *Result {
	res := &Result{Matches: []Match{}, Suppressed: []Suppression{}, Frames: []FrameMatch{}, Concepts: []Evidence{}, Level: LevelNone}
	if m == nil {
		m = &Message{Errors: []string{"no message"}}
	}
	res.MessageID, res.From, res.FromName, res.Subject, res.Date = m.MessageID, m.From, m.FromName, m.Subject, m.Date
	res.Attachments = m.Attachments
	res.Error = strings.Join(m.Errors, "; ")
	res.Sender = c.Route(m.From)
	if res.Sender == SenderAllowed && m.FromDoubtful {
		// A From that does not read as one address never bypasses the
		// rules: routed as if the address were on no allow list.
		res.Sender = c.routeNotAllowed(m.From)
	}
	if res.Sender == SenderAllowed {
		res.Verdict = VerdictPass
		return res
	}
	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)
	sc.tz.reset() // no token of the last message is in use

	body := c.examined(m)
	inf := informationalOf(m)
	segs := segmentLines(body)
	fields := c.fields(sc, m.Subject, body, segs)
	ev := c.concepts(sc, fields, &inf, guessLang(fields))
	for _, f := range fields {
		c.applyRules(res, sc, f, inf)
	}
	c.applyWeak(res)
	res.Imminent = c.lex.imminentIntent(ev)
	fired := c.lex.fire(ev)
	c.decide(res, ev, fired, fields)
	c.learned(res, sc, fields)
	res.Snippet = snippet(body, segs)
	return res
}

// examined is the part of m's body the classifier reads: at most maxText bytes, cut on a rune boundary.
func (c *Classifier) examined(m *Message) string {
	if len(m.Body) > c.maxText {
		return strings.ToValidUTF8(m.Body[:c.maxText], "")
	}
	return m.Body
}

// messageFields are m's subject and examined body as fields, as Classify builds them.
func (c *Classifier) messageFields(sc *scratch, m *Message) []*fieldText {
	body := c.examined(m)
	return c.fields(sc, m.Subject, body, segmentLines(body))
}

// fieldText is one field (subject or body) as tokens, with its context analysis and its place in the message's
// sentence numbering: the subject comes first, and a near-empty body's first sentence is adjacent to it.
type fieldText struct {
	name         string
	bit          uint8
	text         string
	toks         []token
	useSeg       bool             // the field has new text: quoted history and signatures do not count
	sentence     []int32          // per token: its sentence in the field
	sent0        int32            // message-wide number of the field's first sentence
	sents        int32            // how many sentences
	severe       []bool           // per sentence of the field: present-tense severity found in it
	intents      []int32          // the sentences of the field's counting explicit intents in the first person
	inform       map[int32]string // context segments with awareness, homework or recovery words: the marker
	informHits   []*conceptHit    // those words' occurrences
	everydayHits []*conceptHit    // sports gear, tools, food words
	accidentHits []*conceptHit    // accidents and household injuries
	homework     string           // a homework marker anywhere in the message: quoted thoughts are written-down ones
	quoted       [][2]int         // byte ranges between quotation marks, found on first use
	peers        []*fieldText     // every field of the message, this one included

	// The context analysis, made on first use: most mail has nothing to judge.
	fc  *fieldContext
	lex *contextLex
	ms  *matchScratch

	endingDone  bool
	endingLangs uint8
	endings     [langFR + 1]ctxHit
}

// context returns the field's context analysis, making it on first use.
func (f *fieldText) context() *fieldContext {
	if f.fc == nil {
		f.fc = f.lex.analyse(f.toks, f.ms)
	}
	return f.fc
}

// shortBody is the most new words a body can have and still count as the subject's continuation.
const shortBody = 60

func (c *Classifier) fields(sc *scratch, subject, body string, segs []uint8) []*fieldText {
	out := make([]*fieldText, 0, 2)
	next := int32(0)
	for _, in := range []struct {
		name string
		bit  uint8
		text string
		segs []uint8
	}{{"subject", fieldSubject, subject, nil}, {"body", fieldBody, body, segs}} {
		f := &fieldText{name: in.name, bit: in.bit, text: in.text}
		if strings.TrimSpace(in.text) != "" {
			f.toks = sc.tz.tokens(in.text, in.segs)
		}
		newWords := 0
		for _, t := range f.toks {
			if t.seg == segNew {
				newWords++
			}
		}
		f.useSeg = in.segs != nil && newWords > 0
		if in.bit == fieldBody && next > 0 && newWords > shortBody {
			next++ // not adjacent to the subject
		}
		f.sent0 = next
		f.sentence = make([]int32, len(f.toks))
		var sent int32
		for i := range f.toks {
			if i > 0 && f.toks[i].brk == brkSentence {
				sent++
			}
			f.sentence[i] = sent
		}
		if len(f.toks) > 0 {
			f.sents = sent + 1
		}
		f.lex, f.ms = c.ctx, &sc.ms
		f.severe = make([]bool, f.sents)
		next += f.sents
		out = append(out, f)
	}
	for _, f := range out {
		f.peers = out
	}
	return out
}

// categories lists the categories of the matches that count, sorted, once each.
func categories(ms []Match) []string {
	var out []string
	seen := map[string]bool{}
	for _, mt := range ms {
		if mt.Category != "" && !seen[mt.Category] {
			seen[mt.Category] = true
			out = append(out, mt.Category)
		}
	}
	sort.Strings(out)
	return out
}

// functionWord says which language w is a function word of (langEN, langFR), 0 for neither: these words tell
// English from French. A switch (the compiler's search over constant strings) costs less than a map lookup on
// every token of every mail.
func functionWord(w string) uint8 {
	if len(w) > 5 {
		return 0
	}
	switch w {
	case "the", "and", "is", "to", "of", "you", "i", "my", "it", "that", "have", "for", "this", "with", "not",
		"be", "are", "was", "am", "will", "do", "on", "in", "but":
		return langEN
	case "le", "la", "les", "et", "est", "je", "de", "des", "un", "une", "que", "pas", "ne", "pour", "vous",
		"mon", "ma", "mes", "il", "elle", "du", "au", "ce", "suis", "ai", "avec", "sur", "qui":
		return langFR
	}
	return 0
}

// guessLang says which languages' concept terms apply: one language when its function words clearly dominate
// the writer's new text, both otherwise (short or mixed mail). It keeps an English word from being read in a
// French sentence ("son" is "his", "soon" squeezed is "son").
func guessLang(fields []*fieldText) uint8 {
	en, fr := 0, 0
	for _, f := range fields {
		for _, t := range f.toks {
			if f.useSeg && t.seg != segNew {
				continue
			}
			switch functionWord(t.key) {
			case langEN:
				en++
			case langFR:
				fr++
			}
		}
	}
	switch {
	case en >= 3 && fr*4 <= en:
		return langEN
	case fr >= 3 && en*4 <= fr:
		return langFR
	}
	return langAny
}
