package daemon

import (
	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/store"
)

// actionFor is what the daemon does for a verdict: the one mapping from
// the classifier's words to the store's (verdictOf is its inverse).
func actionFor(v classify.Verdict) store.Action {
	switch v {
	case classify.VerdictEscalate:
		return store.ActionEscalated
	case classify.VerdictHold:
		return store.ActionHeld
	case classify.VerdictPass:
		return store.ActionPassed
	}
	return store.ActionPassed
}

// verdictOf is the verdict behind a recorded action.
func verdictOf(a store.Action) classify.Verdict {
	for _, v := range []classify.Verdict{classify.VerdictEscalate, classify.VerdictHold, classify.VerdictPass} {
		if actionFor(v) == a {
			return v
		}
	}
	return classify.VerdictPass
}
