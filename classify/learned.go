package classify

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"sync"

	"github.com/boundaryd/boundaryd/classify/textmodel"
)

// Stage learned: the text model (package textmodel) scores the writer's new words, and the level is the
// combination of that score with what the rules, frames and context found:
//
//	page    present-tense severity was found (bleeding now, pills just taken, a weapon in hand: no context and
//	        no score cancels it); or the score reaches the page threshold (the short threshold for a message
//	        of fewer than ShortText words); or a lower confirm threshold with the rules seeing a risk; or the
//	        rules page and the whole message, or one window of it, confirms it;
//	concern the score reaches the concern threshold, or the rules and frames alone reach page or concern
//	        (a rule page the model does not confirm is looked at early, it does not wake anyone);
//	none    otherwise.
//
// The model was trained offline on the labelled sets in testdata (tools/trainmodel) and never on a set it
// is measured on at first contact. Every threshold is chosen there, out-of-fold, as a share of the training
// sets' ordinary mail it lets page (or of their emergencies it keeps).

//go:embed textmodel/model.bin.gz
var builtinModelFile []byte

var sharedModel = sync.OnceValues(func() (*textmodel.Model, error) {
	m, err := textmodel.Read(bytes.NewReader(builtinModelFile))
	if err != nil {
		return nil, fmt.Errorf("built-in text model: %w", err)
	}
	return m, nil
})

// ModelScore is the text model's judgement of a message, as explain shows it.
type ModelScore struct {
	Score float64 `json:"score"`
	Local float64 `json:"local,omitempty"` // the best window's score, when a rules' page needed one
	Words int     `json:"words"`           // how many words it read
	textmodel.Thresholds
	Top []textmodel.Contribution `json:"top,omitempty"` // the words that moved the score most: explain fills it
}

// ShortText is the fewest words the model judges with its usual thresholds: a shorter message is the rules'
// to decide (a one-line "I want to kill myself" is theirs), but for a score at the short threshold (chosen
// from short ordinary mail alone), or a rules' concern the score confirms at the page threshold.
const ShortText = 20

// Combine is the level from what the rules said and the text model's score (nil when the model is off: the
// rules decide alone). Present-tense severity or an announced act always pages. A short message is the
// rules', but for a score at the short threshold, a concern of theirs the model scores at its page threshold
// (neither when the rules set risk words aside in context), and a concern the model adds. Otherwise a page
// needs a score at the page threshold, or a lower one the rules back with a concern, or a lower one still
// with the rules paging, met by the whole or by one window of three sentences on the window threshold's own
// scale (so that a page buried in a long mail stays one); a rule page the model does not confirm, a rule
// concern the model does not dismiss, or a score at the concern threshold, is a concern.
func Combine(r RuleVerdict, s *textmodel.Score) Level {
	if r.Severe {
		return LevelPage
	}
	if s == nil {
		return r.Level
	}
	rules := r.Level
	if s.Words < ShortText {
		switch {
		case !r.SetAside && (s.P >= s.Short || rules == LevelConcern && s.P >= s.Page):
			return LevelPage
		case rules == LevelNone && s.P >= s.Concern:
			return LevelConcern
		}
		return rules
	}
	risk := rules == LevelPage || rules == LevelConcern
	switch {
	case s.P >= s.Page,
		risk && s.P >= s.Confirm,
		rules == LevelPage && (s.P >= s.RulePage || s.Local >= s.Window): // the whole, or one window of it
		return LevelPage
	case rules == LevelPage, rules == LevelConcern && s.P >= s.Dismiss, s.P >= s.Concern:
		return LevelConcern
	}
	return LevelNone
}

// RuleVerdict is what the rules stage says of a message, as Combine reads it.
type RuleVerdict struct {
	Level  Level // the rules' own level
	Severe bool  // present-tense severity or an announced act was found: always a page
	// SetAside: the rules found risk words and set them aside in their context (negated, past, an idiom,
	// someone else's story, quoted...). In a short message that judgement stands: the model's score, which reads
	// the words without their context, does not turn it into a page.
	SetAside bool
}

// Rules returns what the rules stage said of the message, as Combine reads it. Words set aside only for
// being weak alone (a farewell with nothing else) were not judged in a context: they do not count as set aside.
// Nor do farewell words an ending explains (a move, a planned end of therapy): the ending makes them ordinary,
// it does not say they are not meant ("I'm stopping therapy. This is goodbye."), so the model may still read them.
func (res *Result) Rules() RuleVerdict {
	v := RuleVerdict{Level: res.RuleLevel, Severe: res.Severe || res.Imminent}
	for _, s := range res.Suppressed {
		v.SetAside = v.SetAside || (s.Reason != ReasonWeakAlone && s.Reason != ReasonEnding)
	}
	return v
}

// modelWords are the words the model reads: the subject's and the writer's new text's, not quoted history
// or signatures (unless the body has no new text at all).
func modelWords(dst []string, fields []*fieldText) []string {
	for _, f := range fields {
		for _, t := range f.toks {
			if f.useSeg && t.seg != segNew {
				continue
			}
			dst = textmodel.Words(dst, t.key)
		}
	}
	return dst
}

// WindowSentences is how many sentences of the body a window holds: when the rules page on a message the
// whole does not confirm, the model also scores each window (with the subject), so that one alarming sentence
// in a long mail is not drowned by the rest of it.
const WindowSentences = 3

// modelWindows appends, for each window of WindowSentences consecutive body sentences with new text, the
// subject's words and the window's. A body of at most one window gives none (the whole is the window).
func modelWindows(dst [][]string, fields []*fieldText) [][]string {
	var subject []string
	var body *fieldText
	for _, f := range fields {
		if f.bit == fieldSubject {
			subject = modelWords(nil, []*fieldText{f})
		} else {
			body = f
		}
	}
	if body == nil || body.sents <= WindowSentences {
		return dst
	}
	per := make([][]string, body.sents)
	for i, t := range body.toks {
		if body.useSeg && t.seg != segNew {
			continue
		}
		s := body.sentence[i]
		per[s] = textmodel.Words(per[s], t.key)
	}
	for start := int32(0); start+WindowSentences <= body.sents; start++ {
		w := append([]string(nil), subject...)
		n := 0
		for s := start; s < start+WindowSentences; s++ {
			w = append(w, per[s]...)
			n += len(per[s])
		}
		if n > 0 {
			dst = append(dst, w)
		}
	}
	return dst
}

// ModelWindows returns the windows of m the text model scores when the rules page, for training it.
func (c *Classifier) ModelWindows(m *Message) [][]string {
	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)
	return modelWindows(nil, c.messageFields(sc, m))
}

// ModelWords returns the words of m the text model reads, for training it.
func (c *Classifier) ModelWords(m *Message) []string {
	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)
	return modelWords(nil, c.messageFields(sc, m))
}

// Model returns the classifier's text model, nil when it is off.
func (c *Classifier) Model() *textmodel.Model { return c.model }

// ExplainModel returns the words of m that moved the model's score most (at most n). They are the writer's
// words: for the therapist's explain command only, never for logs or alerts.
func (c *Classifier) ExplainModel(m *Message, n int) []textmodel.Contribution {
	if c.model == nil || m == nil {
		return nil
	}
	return c.model.Explain(textmodel.NewVectorizer(), c.ModelWords(m), n)
}

// severeFound reports whether any field holds live present-tense severity.
func severeFound(fields []*fieldText) bool {
	for _, f := range fields {
		for _, s := range f.severe {
			if s {
				return true
			}
		}
	}
	return false
}

// WindowsNeeded reports whether Combine would look at the message's windows: the rules page on a message
// long enough for the model whose whole does not confirm the page. Score's Words must be set.
func WindowsNeeded(rules Level, s *textmodel.Score) bool {
	return rules == LevelPage && s.Words >= ShortText && s.P < s.RulePage
}

// learned scores the message with the text model and combines the score with the rules' level.
func (c *Classifier) learned(res *Result, sc *scratch, fields []*fieldText) {
	res.Severe = severeFound(fields)
	if c.model == nil {
		return
	}
	sc.words = modelWords(sc.words[:0], fields)
	s := c.model.Score(sc.vec.Features(sc.words))
	s.Words = len(sc.words)
	if WindowsNeeded(res.RuleLevel, &s) {
		for _, w := range modelWindows(nil, fields) {
			s.Local = math.Max(s.Local, c.model.Score(sc.vec.Features(w)).P)
		}
	}
	res.Model = &ModelScore{Score: s.P, Local: s.Local, Words: s.Words, Thresholds: s.Thresholds}
	res.Level = Combine(res.Rules(), &s)
	if res.Level == LevelPage && len(res.Matches) == 0 {
		// Alerts and the audit name what paged.
		res.Matches = append(res.Matches, Match{Rule: modelRule, Phrase: "learned text model", Field: "message",
			Category: modelRule, Severity: "model"})
		res.Categories = categories(res.Matches)
	}
	res.setVerdict()
}

// modelRule names the text model where a rule's name is expected (alerts, the audit, history).
const modelRule = "text-model"
