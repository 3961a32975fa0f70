package classify

// Stage concepts -> frames: a frame fires when each of its groups has a live concept occurrence within the
// frame's scope. The work is linear in the number of sentences and occurrences: the live concepts of each
// sentence and clause are gathered once as bit sets, then every frame walks the sentences.

// firedFrame is a frame that fired, with the occurrence that stands for each of its groups.
type firedFrame struct {
	def  *frameDef
	hits []*conceptHit
}

// fire evaluates every frame over the message's evidence.
func (lx *lexicon) fire(ev *evidence) []firedFrame {
	if len(ev.hits) == 0 || ev.sents == 0 {
		return nil
	}
	n := int(ev.sents)
	live := make([]conceptSet, n)   // live risk and role concepts per sentence
	benign := make([]conceptSet, n) // benign markers per sentence
	for i := range ev.hits {
		h := &ev.hits[i]
		bit := conceptSet(1) << h.concept
		switch {
		case lx.benign.has(int(h.concept)):
			benign[h.sent] |= bit
		case h.live():
			live[h.sent] |= bit
		}
	}
	var out []firedFrame
	for fi := range lx.frames {
		fd := &lx.frames[fi]
		usable := func(s int) bool { return s >= 0 && s < n && benign[s]&fd.unless == 0 }
		var msg conceptSet
		if fd.scope == scopeMessage {
			for s := 0; s < n; s++ {
				if usable(s) {
					msg |= live[s]
				}
			}
		}
		at := -1
		for s := 0; s < n && at < 0; s++ {
			if !usable(s) || live[s]&fd.need[0] == 0 {
				continue
			}
			var around conceptSet
			switch fd.scope {
			case scopeSentence:
				around = live[s]
			case scopeWindow:
				around = live[s]
				if usable(s - 1) {
					around |= live[s-1]
				}
				if usable(s + 1) {
					around |= live[s+1]
				}
			case scopeMessage:
				around = msg
			}
			ok := true
			for _, g := range fd.need[1:] {
				if around&g == 0 {
					ok = false
					break
				}
			}
			if ok {
				at = s
			}
		}
		if at < 0 {
			continue
		}
		out = append(out, firedFrame{def: fd, hits: lx.witnesses(fd, ev, at, usable)})
	}
	return out
}

// witnesses picks, for each group, the live occurrence nearest to sentence at within the frame's scope.
func (lx *lexicon) witnesses(fd *frameDef, ev *evidence, at int, usable func(int) bool) []*conceptHit {
	out := make([]*conceptHit, len(fd.need))
	best := make([]int32, len(fd.need))
	for i := range ev.hits {
		h := &ev.hits[i]
		if !h.live() || !usable(int(h.sent)) {
			continue
		}
		d := h.sent - int32(at)
		if d < 0 {
			d = -d
		}
		switch fd.scope {
		case scopeSentence:
			if d != 0 {
				continue
			}
		case scopeWindow:
			if d > 1 {
				continue
			}
		}
		for g, set := range fd.need {
			if g == 0 && d != 0 {
				continue
			}
			if set.has(int(h.concept)) && (out[g] == nil || d < best[g]) {
				out[g], best[g] = h, d
			}
		}
	}
	return out
}
