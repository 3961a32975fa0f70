package main

import (
	"bytes"
	"fmt"

	"github.com/boundaryd/boundaryd/classify"
)

// checker keeps only mail whose nature both tools agree on by construction:
// an emergency must be escalated by boundaryd's built-in rules and match
// imapfilter's regex; a benign one must be held by boundaryd and not match.
type checker struct {
	cl *classify.Classifier
	// rejected counts generated candidates thrown away, by kind.
	rejectedEmergency, rejectedBenign int
}

func newChecker(cl *classify.Classifier) *checker {
	return &checker{cl: cl}
}

func (c *checker) ok(m genMail) bool {
	res := c.cl.Classify(classify.Parse(bytes.NewReader(m.Raw)))
	if m.Emergency {
		good := res.Verdict == classify.VerdictEscalate && hasKeyPhrase(m.Text)
		if !good {
			c.rejectedEmergency++
		}
		return good
	}
	good := res.Verdict == classify.VerdictHold && !hasKeyPhrase(m.Text)
	if !good {
		c.rejectedBenign++
	}
	return good
}

// sizePlan draws the text size and attachment size of one message.
type sizePlan struct {
	textLo, textHi     float64 // bytes of text, log-uniform
	attachRatio        float64 // share of messages with an attachment
	attachLo, attachHi float64 // attachment bytes, log-uniform
}

// make generates one accepted message of the given kind.
func (c *checker) make(g *mailGen, emergency bool, plan sizePlan) (genMail, error) {
	for range 50 {
		sp := mailSpec{
			Seq:       g.nextSeq(),
			Emergency: emergency,
			FR:        g.r.IntN(2) == 0,
			TextBytes: int(g.logUniform(plan.textLo, plan.textHi)),
		}
		if g.r.Float64() < plan.attachRatio {
			sp.AttachSize = int64(g.logUniform(plan.attachLo, plan.attachHi))
		}
		m := g.generate(sp)
		if c.ok(m) {
			return m, nil
		}
	}
	return genMail{}, fmt.Errorf("could not generate an acceptable message in 50 tries (emergency=%v)", emergency)
}
