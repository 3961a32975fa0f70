package main

import (
	"strings"
	"testing"
)

// The proxy counts a client's commands by name, across reads that split
// lines anywhere; UID commands count as two words.
func TestCountCommandsAcrossReads(t *testing.T) {
	p := &countingProxy{cmds: map[string]int{}}
	see := p.countCommands()
	stream := "a1 UID FETCH 1:50 (UID FLAGS)\r\na2 uid move 1:3 Held\r\na3 IDLE\r\nDONE\r\na4 SELECT INBOX\r\na5 UID FETCH 4 (BODY.PEEK[1])\r\n"
	for i := 0; i < len(stream); i += 7 {
		see([]byte(stream[i:min(i+7, len(stream))]))
	}
	got := p.commands()
	want := map[string]int{"UID FETCH": 2, "UID MOVE": 1, "IDLE": 1, "DONE": 1, "SELECT": 1}
	if len(got) != len(want) {
		t.Fatalf("commands = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if s := commandsPer(got, 100, 50); !strings.HasPrefix(s, "3.0 in all, UID FETCH 1.0") {
		t.Errorf("commandsPer = %q", s)
	}
}
