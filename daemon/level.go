package daemon

import (
	"github.com/boundaryd/boundaryd/classify"
)

// levelOf is how urgent a classified message is for the safety net: the
// classifier's own level (classify.Level: page, concern, none), made
// consistent with the verdict the daemon acts on (its own messages and
// allowed senders pass: none). A result without a level (built by hand)
// gets one from its evidence: an escalation is a page; a held message with
// a match that did not escalate, or a near-miss (classify.Reason.Concern), is a
// concern.
func levelOf(r *classify.Result) classify.Level {
	switch r.Verdict {
	case classify.VerdictEscalate:
		return classify.LevelPage
	case classify.VerdictHold:
		switch r.Level {
		case classify.LevelConcern, classify.LevelNone:
			return r.Level
		case classify.LevelPage:
			return classify.LevelConcern // held, so not a page: the strongest it can be is a concern
		}
		if len(r.Matches) > 0 {
			return classify.LevelConcern
		}
		for _, s := range r.Suppressed {
			if s.Reason.Concern() {
				return classify.LevelConcern
			}
		}
	case classify.VerdictPass:
	}
	return classify.LevelNone
}

// concernsFirst returns held with the concerns first, each group in its
// order: the digest lists them before the rest.
func concernsFirst(held []heldMessage) []heldMessage {
	out := make([]heldMessage, 0, len(held))
	for _, h := range held {
		if levelOf(h.res) == classify.LevelConcern {
			out = append(out, h)
		}
	}
	for _, h := range held {
		if levelOf(h.res) != classify.LevelConcern {
			out = append(out, h)
		}
	}
	return out
}
