package classify

import "strings"

// Stage verdict: the level from the rule matches and the frames, then the verdict from the level and the
// sender. A rule match that counts or a page frame is a page; a concern frame, or a rule match cancelled by
// its context other than by quoting, a signature, bulk mail or an idiom, is a concern (the safety net for weak
// signals: ideation without a plan, a single means or farewell); anything else is none.

func (c *Classifier) decide(res *Result, ev *evidence, fired []firedFrame, fields []*fieldText) {
	lx := c.lex
	level := LevelNone
	ruleMatched := len(res.Matches) > 0
	if ruleMatched {
		level = LevelPage
	}
	for _, s := range res.Suppressed {
		if level == LevelNone && concernReason(s.Reason) {
			level = LevelConcern
		}
	}
	for _, ff := range fired {
		fm := FrameMatch{Frame: ff.def.name, Level: ff.def.level, Category: ff.def.category, Scope: ff.def.scope.String()}
		var names, words []string
		for _, h := range ff.hits {
			if h == nil {
				continue
			}
			e := lx.evidenceOf(h)
			fm.Evidence = append(fm.Evidence, e)
			names = append(names, e.Concept)
			words = append(words, e.Words)
		}
		if len(res.Frames) < maxReported {
			res.Frames = append(res.Frames, fm)
		}
		switch ff.def.level {
		case LevelPage:
			level = LevelPage
			// A page frame is listed as a match when no rule matched, so that alerts and the audit name it.
			if h := ff.hits[0]; h != nil && !ruleMatched && len(res.Matches) < maxReported {
				f := h.field
				a, b := f.toks[h.start].start, f.toks[h.end-1].end
				res.Matches = append(res.Matches, Match{Rule: ff.def.name, Phrase: strings.Join(names, " + "),
					Field: f.name, Excerpt: excerpt(f.text, a, b), Words: strings.Join(words, " / "),
					Category: ff.def.category, Severity: "frame"})
			}
		case LevelConcern:
			if level == LevelNone {
				level = LevelConcern
			}
		case LevelNone: // frames are page or concern (the lexicon refuses others)
		}
	}
	for i := range ev.hits {
		h := &ev.hits[i]
		d := &lx.concepts[h.concept]
		if d.role || d.benign || len(res.Concepts) >= maxReported {
			continue
		}
		res.Concepts = append(res.Concepts, lx.evidenceOf(h))
	}
	res.Level = level
	res.RuleLevel = level
	res.Categories = categories(res.Matches)
	res.setVerdict()
}

// setVerdict sets the verdict from the level and the sender: a page escalates, a patient's other mail is
// held, anyone else's passes.
func (res *Result) setVerdict() {
	switch {
	case res.Level == LevelPage:
		res.Verdict = VerdictEscalate
	case res.Sender == SenderPatient:
		res.Verdict = VerdictHold
	default:
		res.Verdict = VerdictPass
	}
}

// concernReason says which suppressed rule matches still leave a concern: the words were the writer's own but
// negated, past, resolved, about a topic, explained by an ending, or weak alone.
func concernReason(r Reason) bool { return r.Concern() }

func (lx *lexicon) evidenceOf(h *conceptHit) Evidence {
	return Evidence{Concept: lx.concepts[h.concept].name, Field: h.field.name, Words: wordsOf(h), Reason: h.reason, Trigger: h.trigger}
}
