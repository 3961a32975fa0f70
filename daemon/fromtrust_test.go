package daemon

import (
	"context"
	"fmt"
	"testing"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// TestMalformedFromDoesNotBypassTheAllowList: the partner is allowed (never
// held, never classified), but "partner@example.org <eve@attacker.example>"
// is Eve's mail. Before, a fallback read the partner's address out of the
// broken field and the emergency in it passed unexamined.
func TestMalformedFromDoesNotBypassTheAllowList(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})}
	e := startEnv(t, srv, envOpts{patients: `["*"]`})
	e.waitReady()
	srv.deliver("INBOX", []byte(fmt.Sprintf("From: partner@example.org <eve@attacker.example>\r\nTo: therapist@example.org\r\nSubject: tonight\r\nMessage-ID: <forged-from@t>\r\n\r\n%s\r\n", emergencyBody)))
	srv.deliver("INBOX", []byte(fmt.Sprintf("From: Partner <partner@example.org>\r\nTo: therapist@example.org\r\nSubject: tonight\r\nMessage-ID: <real-partner@t>\r\n\r\n%s\r\n", emergencyBody)))
	hs := e.waitHandled(2)
	verdicts := map[uint32]classify.Verdict{}
	for _, h := range hs {
		verdicts[h.UID] = h.Verdict
	}
	if verdicts[1] != "escalate" {
		t.Errorf("the forged partner's emergency: %s, want escalate", verdicts[1])
	}
	if verdicts[2] != "pass" {
		t.Errorf("the real partner: %s, want pass (allowed)", verdicts[2])
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if _, err := e.smtp.Wait(ctx, 1); err != nil {
		t.Fatalf("no alert for the forged partner's emergency: %v", err)
	}
	t.Logf("verdicts by UID: %v", verdicts)
}
