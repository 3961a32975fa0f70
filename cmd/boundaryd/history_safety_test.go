package main

import (
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/store"
)

// TestHistorySafetyNet: history says in words each level, acknowledgement
// (and how), repeat, call to the backup, grouped and summary page, and a
// concern's notice.
func TestHistorySafetyNet(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var b strings.Builder
	writeHistory(&b, []store.AuditEntry{
		{Time: at, Kind: store.AuditMessage, Sender: "bob@p.example", Verdict: "escalate", Level: "page", Rules: []string{"intent"}},
		{Time: at, Kind: store.AuditPage, Sender: "bob@p.example", Verdict: "repeated", Count: 1},
		{Time: at, Kind: store.AuditPage, Sender: "bob@p.example", Verdict: "backup", Count: 2},
		{Time: at, Kind: store.AuditPage, Sender: "bob@p.example", Verdict: "acknowledged:read", Count: 2},
		{Time: at, Kind: store.AuditPage, Sender: "storm@p.example", Verdict: "grouped", Count: 500},
		{Time: at, Kind: store.AuditPage, Verdict: "summary", Count: 7},
		{Time: at, Kind: store.AuditMessage, Sender: "ana@p.example", Verdict: "hold", Level: "concern"},
		{Time: at, Kind: store.AuditConcern, Sender: "ana@p.example", Verdict: "noticed", Count: 1},
	}, time.UTC)
	out := b.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"level: page", "page repeated (repeat 1) bob@p.example", "page sent to the backup channels bob@p.example, after 2 repeat(s)",
		"page acknowledged (read) bob@p.example", "grouped page storm@p.example: 500 messages", "summary page: 7 more flagged",
		"level: concern", "early-look notice ana@p.example: 1 held message(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q", want)
		}
	}
}
