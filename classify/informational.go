package classify

import "strings"

// isBulk recognises mailing lists and bulk mail: their crisis words are newsletters, not a patient's own.
func isBulk(m *Message) bool {
	h := m.Header
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk":
		return true
	}
	// Footers sit at the end; looking only there keeps this cheap on huge bodies.
	tail := m.Body
	if len(tail) > 4096 {
		tail = strings.ToValidUTF8(tail[len(tail)-4096:], "")
	}
	tail = strings.ToLower(tail)
	for _, w := range bulkFooterWords {
		if strings.Contains(tail, w) {
			return true
		}
	}
	return false
}

// bulkFooterWords mark the unsubscribe footer of newsletters sent without list headers.
var bulkFooterWords = []string{"unsubscribe", "se désabonner", "se desabonner", "se désinscrire", "se desinscrire",
	"désinscription", "desinscription", "désabonnement", "desabonnement", "you are receiving this", "vous recevez ce"}

// appealMarkers are the words of fundraising appeals and newsletters sent without list headers. One alone is
// ordinary ("I gave my books to charity"); two different ones make a circular.
var appealMarkers = []string{"donate", "donation", "registered charity", "charity number", "charity no",
	"fundraising", "fundraiser", "your gift", "make a gift", "give today", "gift aid", "tax-deductible",
	"tax deductible", "view in browser", "view this email", "newsletter", "faire un don", "votre don", "vos dons",
	"reçu fiscal", "recu fiscal", "déduction fiscale", "deduction fiscale", "réduction d'impôt",
	"reduction d'impot", "utilité publique", "utilite publique", "voir la version en ligne", "lettre d'information",
	"soutenez", "support our work", "soutenir notre"}

// isAppeal reports a fundraising appeal or newsletter by its wording. Only the head and tail of a long body
// are read, where such mail puts its calls to give and its footer, so the cost stays bounded.
func isAppeal(body string) bool {
	const part = 4096
	text := body
	if len(text) > 2*part {
		text = strings.ToValidUTF8(text[:part]+"\n"+text[len(text)-part:], "")
	}
	text = strings.ToLower(text)
	n := 0
	for _, w := range appealMarkers {
		if strings.Contains(text, w) {
			n++
			if n >= 2 {
				return true
			}
		}
	}
	return false
}

// informational is what the message as a whole says about its words: a mailing list or bulk mail (its crisis
// words are a newsletter's), a fundraising appeal (only the writer's own words count).
type informational struct {
	bulk, appeal bool
}

func informationalOf(m *Message, body string) informational {
	bulk := isBulk(m)
	return informational{bulk: bulk, appeal: !bulk && isAppeal(body)}
}
