package classify

import (
	"strings"
	"testing"
)

// A From that does not read as exactly one address never routes as allowed
// (the allow list would skip the rules): "partner@example.org
// <eve@attacker.example>" is Eve's mail, whatever words stand before her
// address.
func TestDoubtfulFromIsNeverAllowed(t *testing.T) {
	c, err := New(Options{Allow: []string{"partner@example.org"}, Patients: []string{"*"}, Builtin: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	body := "\r\n\r\nI have the pills in front of me and I am taking them all tonight. Goodbye.\r\n"
	for _, tt := range []struct {
		name, from, wantFrom string
		wantSender           string
		doubtful             bool
	}{
		{"allowed, well formed", "Partner <partner@example.org>", "partner@example.org", SenderAllowed, false},
		{"name that is an address, then the real one", "partner@example.org <eve@attacker.example>", "eve@attacker.example", SenderPatient, true},
		{"allowed address in angle brackets after junk", "partner@example.org, <partner@example.org", "partner@example.org", SenderPatient, true},
		{"two addresses, the first allowed", "partner@example.org, eve@attacker.example", "partner@example.org", SenderPatient, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(strings.NewReader("From: " + tt.from + "\r\nTo: dr@example.org\r\nSubject: tonight" + body))
			r := c.Classify(m)
			if m.FromDoubtful != tt.doubtful || r.From != tt.wantFrom || r.Sender != tt.wantSender {
				t.Fatalf("From %q: doubtful=%v from=%q sender=%q, want %v %q %q", tt.from, m.FromDoubtful, r.From, r.Sender, tt.doubtful, tt.wantFrom, tt.wantSender)
			}
			if tt.doubtful {
				if r.Verdict != VerdictEscalate {
					t.Errorf("the emergency behind a doubtful From is %s, want escalate", r.Verdict)
				}
				if !strings.Contains(r.Error, "not trusted as allowed") {
					t.Errorf("explain does not say why: error %q", r.Error)
				}
			}
		})
	}
}
