package daemon

import (
	"github.com/boundaryd/boundaryd/classify"
)

// level is how urgent a classified message is for the safety net.
type level string

const (
	levelNone    level = "none"
	levelConcern level = "concern"
	levelPage    level = "page"
)

// levelOf derives a message's level from its classification: an
// escalation is a page; a held message with a risk signal that does not
// reach a page (a match that did not escalate, or a near-miss such as a
// negation or the past, see notNearMiss) is a concern; anything
// else is none. The classifier is being taught to say its level itself
// (Result.Level); this is the one place to read it from then.
func levelOf(r *classify.Result) level {
	switch r.Verdict {
	case classify.VerdictEscalate:
		return levelPage
	case classify.VerdictHold:
		if len(r.Matches) > 0 {
			return levelConcern
		}
		for _, s := range r.Suppressed {
			if !notNearMiss(s.Reason) {
				return levelConcern
			}
		}
	}
	return levelNone
}

// notNearMiss: quoted history, signatures and mailing lists are not what
// the patient wrote now (the digest leaves them out of its near-misses
// too); an idiom ("this job is killing me") and a topic (an article about
// suicide) are not a risk signal about the writer.
func notNearMiss(reason string) bool {
	switch reason {
	case "quoted", "signature", "bulk", "idiom", "topic":
		return true
	}
	return false
}

// concernsFirst returns held with the concerns first, each group in its
// order: the digest lists them before the rest.
func concernsFirst(held []heldMessage) []heldMessage {
	out := make([]heldMessage, 0, len(held))
	for _, h := range held {
		if levelOf(h.res) == levelConcern {
			out = append(out, h)
		}
	}
	for _, h := range held {
		if levelOf(h.res) != levelConcern {
			out = append(out, h)
		}
	}
	return out
}
