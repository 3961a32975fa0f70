package classify

// Stage concepts -> frames: a frame fires when each of its groups has a live concept occurrence within the
// frame's scope. The work is linear in the number of sentences and occurrences: the live concepts of each
// sentence and clause are gathered once as bit sets, then every frame walks the sentences.

// maxFrameTries bounds the sentences a frame is tried at once its concepts are there (linear time on text
// crafted to repeat them).
const maxFrameTries = 8

// windowSpan is how many sentences before and after a window scope reaches.
const windowSpan = 2

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
		tries := 0
		for s := 0; s < n && tries < maxFrameTries; s++ {
			if !usable(s) || live[s]&fd.need[0] == 0 {
				continue
			}
			var around conceptSet
			switch fd.scope {
			case scopeSentence:
				around = live[s]
			case scopeWindow:
				for d := -windowSpan; d <= windowSpan; d++ {
					if usable(s + d) {
						around |= live[s+d]
					}
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
			if !ok {
				continue
			}
			// The groups must stand on different words: "je vais tuer" is not both an act and a plan.
			tries++
			if w := lx.witnesses(fd, ev, s, usable); w != nil {
				out = append(out, firedFrame{def: fd, hits: w})
				break
			}
		}
	}
	return out
}

// witnesses picks, for each group, the live occurrence nearest to sentence at within the frame's scope, each
// on its own words; nil when the groups cannot all be met by different occurrences.
func (lx *lexicon) witnesses(fd *frameDef, ev *evidence, at int, usable func(int) bool) []*conceptHit {
	out := make([]*conceptHit, len(fd.need))
	for g, set := range fd.need {
		var best *conceptHit
		bestD := int32(-1)
		for i := range ev.hits {
			h := &ev.hits[i]
			if !h.live() || !set.has(int(h.concept)) || !usable(int(h.sent)) {
				continue
			}
			d := h.sent - int32(at)
			if d < 0 {
				d = -d
			}
			if (g == 0 || fd.scope == scopeSentence) && d != 0 || fd.scope == scopeWindow && d > windowSpan {
				continue
			}
			if overlapsAny(h, out[:g]) {
				continue
			}
			if best == nil || d < bestD {
				best, bestD = h, d
			}
		}
		if best == nil {
			return nil
		}
		out[g] = best
	}
	return out
}

// overlapsAny reports whether h starts on the same word as one of the chosen occurrences: then both read
// the same words two ways ("je vais tuer" as an act and a plan). Nested occurrences ("took 30 paracetamol",
// "30 paracetamol") are different evidence.
func overlapsAny(h *conceptHit, chosen []*conceptHit) bool {
	for _, c := range chosen {
		if c != nil && c.field == h.field && c.start == h.start {
			return true
		}
	}
	return false
}
