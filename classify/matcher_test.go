package classify

import "testing"

// TestSameStartRulesAllMatch: two rules whose phrases start on the same word both match. The first one's
// judgement makes the field's context analysis, which runs another matcher with the same scratch; that must
// not cost the second rule its turn at that word.
func TestSameStartRulesAllMatch(t *testing.T) {
	c, err := New(Options{Patients: []string{"*"}, Rules: []RuleSpec{
		{Name: "first", Severity: "critical", Phrases: []string{"did not come home"}},
		{Name: "second", Severity: "critical", Phrases: []string{"(did not|never) (come|came) (back|home)"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"subject", "body"} {
		var m *Message
		if field == "subject" {
			m = msg("Ellie didn't come home", "")
		} else {
			m = msg("hello", "Ellie didn't come home last night.")
		}
		r := c.Classify(m)
		got := map[string]bool{}
		for _, mt := range r.Matches {
			got[mt.Rule] = true
		}
		if !got["first"] || !got["second"] {
			t.Errorf("%s: matched %v, want both rules; result %+v", field, got, r.Matches)
		}
	}
}
