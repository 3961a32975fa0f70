package memtrim

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// dropExecutable advises the kernel that the executable's private read-only mappings are not needed
// (MADV_DONTNEED). Writable mappings are never touched: on a private mapping that would throw away
// what the process wrote.
func dropExecutable() (Stats, error) {
	var st Stats
	var exe unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &exe); err != nil {
		return st, fmt.Errorf("finding the executable: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return st, fmt.Errorf("reading the process's mappings: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		m, ok := parseMapping(sc.Bytes())
		if !ok || m.inode != exe.Ino || (m.perms != "r-xp" && m.perms != "r--p") {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, uintptr(m.start), uintptr(m.end-m.start), unix.MADV_DONTNEED); errno != 0 {
			return st, fmt.Errorf("madvise %x-%x: %w", m.start, m.end, errno)
		}
		st.Mappings++
		st.Bytes += int64(m.end - m.start)
	}
	return st, nil
}

type mapping struct {
	start, end uint64
	perms      string
	inode      uint64
}

// parseMapping reads one line of /proc/PID/maps: "start-end perms offset dev inode [path]".
func parseMapping(line []byte) (mapping, bool) {
	f := bytes.Fields(line)
	if len(f) < 5 {
		return mapping{}, false
	}
	addr := bytes.SplitN(f[0], []byte("-"), 2)
	if len(addr) != 2 {
		return mapping{}, false
	}
	start, err1 := strconv.ParseUint(string(addr[0]), 16, 64)
	end, err2 := strconv.ParseUint(string(addr[1]), 16, 64)
	inode, err3 := strconv.ParseUint(string(f[4]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || end <= start {
		return mapping{}, false
	}
	return mapping{start: start, end: end, perms: string(f[1]), inode: inode}, true
}
