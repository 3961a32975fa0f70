package digest

import (
	"strings"
	"testing"
)

// The sample behind docs/digest.png stays what it claims: 8 entries, both languages of patients, one
// near-miss, one attachment, and a clean HTML part.
func TestSample(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		o, entries := Sample(lang)
		if len(entries) != 8 {
			t.Fatalf("sample has %d entries", len(entries))
		}
		raw, err := Build(o, entries)
		if err != nil {
			t.Fatal(err)
		}
		p := parseDigest(t, raw)
		checkHTMLStructure(t, p.html)
		if strings.Count(p.text, "suicide-intent (negated)") != 2 || !strings.Contains(p.text, "insurance-claim-form.pdf") {
			t.Errorf("%s sample lacks its near-miss or attachment:\n%s", lang, p.text)
		}
	}
}
