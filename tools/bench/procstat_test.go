package main

import (
	"os"
	"testing"
)

// TestStatusKB reads this process's own status: the figures asked for, in
// order, 0 for an unknown field, and ok false for a process that is gone.
func TestStatusKB(t *testing.T) {
	kb, ok := statusKB(os.Getpid(), "VmRSS", "NoSuchField", "VmHWM")
	if !ok || kb[0] <= 0 || kb[1] != 0 || kb[2] < kb[0] {
		t.Errorf("statusKB = %v, %v; want RSS > 0, 0, HWM >= RSS", kb, ok)
	}
	if rss, hwm, ok := memKB(os.Getpid()); !ok || rss <= 0 || hwm < rss {
		t.Errorf("memKB = %d, %d, %v", rss, hwm, ok)
	}
	if anon, _ := rssParts(os.Getpid()); anon <= 0 {
		t.Errorf("rssParts: anon %d", anon)
	}
	if _, ok := statusKB(-1, "VmRSS"); ok {
		t.Error("statusKB of pid -1: ok")
	}
}
