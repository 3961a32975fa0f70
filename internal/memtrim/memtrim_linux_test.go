package memtrim

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// written lives in the executable's writable data: dropping a private writable mapping would lose it.
var written = [4096]byte{1: 1}

// residentExecutableKB sums the resident size of the running executable's read-only mappings.
func residentExecutableKB(t *testing.T, ino uint64) int {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	total, in := 0, false
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		line := sc.Bytes()
		if m, ok := parseMapping(line); ok {
			in = m.inode == ino && (m.perms == "r-xp" || m.perms == "r--p")
			continue
		}
		if in && bytes.HasPrefix(line, []byte("Rss:")) {
			kb, err := strconv.Atoi(string(bytes.Fields(line)[1]))
			if err != nil {
				t.Fatalf("smaps: %q: %v", line, err)
			}
			total += kb
		}
	}
	return total
}

func TestStartupDropsTheExecutablesPages(t *testing.T) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		t.Skipf("no /proc/self/exe: %v", err)
	}
	written[2] = 2
	before := residentExecutableKB(t, st.Ino)
	if before == 0 {
		t.Fatal("the executable's read-only mappings were not found in smaps")
	}
	stats, err := Startup()
	if err != nil {
		t.Fatal(err)
	}
	after := residentExecutableKB(t, st.Ino)
	t.Logf("dropped %d mappings (%d KB); resident read-only executable %d KB -> %d KB", stats.Mappings, stats.Bytes>>10, before, after)
	// Reading smaps and this test's own code map some pages back at once (with their fault-around
	// neighbours): in a test binary that is a large share of a small executable.
	if stats.Mappings < 2 || after > before*9/10 {
		t.Errorf("Startup dropped %d mappings: resident %d KB -> %d KB, want a tenth less at least", stats.Mappings, before, after)
	}
	if written[1] != 1 || written[2] != 2 {
		t.Errorf("writable data lost: %v", written[:3])
	}
}

func TestParseMapping(t *testing.T) {
	m, ok := parseMapping([]byte("00400000-00b63000 r-xp 00000000 08:01 1234567                            /usr/bin/boundaryd"))
	if !ok || m.start != 0x400000 || m.end != 0xb63000 || m.perms != "r-xp" || m.inode != 1234567 {
		t.Errorf("got %+v %v", m, ok)
	}
	for _, bad := range []string{"Rss:                 912 kB", "VmFlags: rd ex mr mw me dw", "zz-10 r--p 0 0:0 1", "10-5 r--p 0 0:0 1", ""} {
		if _, ok := parseMapping([]byte(bad)); ok {
			t.Errorf("%q parsed as a mapping", bad)
		}
	}
}
