package classify

import "strings"

// bulkHeader recognises mailing lists and bulk mail by their header: their crisis words are newsletters, not a
// patient's own.
func bulkHeader(m *Message) bool {
	h := m.Header
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk":
		return true
	}
	return false
}

// Where the words of newsletters sit: an unsubscribe footer in the last bytes, the calls to give in the first
// and last ones.
const (
	footerBytes = 4096
	appealBytes = 4096
)

// fromConcepts completes the message's informational marks with its words, found by the concept pass: an
// unsubscribe footer at the end makes it bulk mail; two different fundraising or newsletter markers at its
// head or tail make it an appeal ("I gave my books to charity" alone is ordinary).
func (lx *lexicon) fromConcepts(inf informational, ev *evidence, body *fieldText) informational {
	if body == nil || len(ev.hits) == 0 {
		return inf
	}
	n := len(body.text)
	var markers []int32
	for i := range ev.hits {
		h := &ev.hits[i]
		if h.field != body {
			continue
		}
		at := body.toks[h.start].start
		switch h.concept {
		case lx.bulkFooter:
			if at >= n-footerBytes {
				inf.bulk = true
			}
		case lx.appeal:
			if (at < appealBytes || at >= n-appealBytes) && !containsInt32(markers, h.term) {
				markers = append(markers, h.term)
			}
		}
	}
	inf.appeal = !inf.bulk && len(markers) >= 2
	return inf
}

func containsInt32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// informational is what the message as a whole says about its words: a mailing list or bulk mail (its crisis
// words are a newsletter's), a fundraising appeal (only the writer's own words count).
type informational struct {
	bulk, appeal bool
}

func informationalOf(m *Message) informational {
	return informational{bulk: bulkHeader(m)}
}
