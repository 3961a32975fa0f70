package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/boundaryd/boundaryd/internal/procfs"
)

// statusKB reads the named fields of /proc/PID/status, each a figure in KiB
// ("VmRSS", "VmHWM", "RssAnon", ...), in the order asked; a field not found
// is 0. ok is false when the process is gone.
func statusKB(pid int, keys ...string) (kb []int64, ok bool) {
	kb = make([]int64, len(keys))
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return kb, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, found := strings.Cut(sc.Text(), ":")
		if !found {
			continue
		}
		for i, k := range keys {
			if name == k {
				if fs := strings.Fields(value); len(fs) > 0 {
					kb[i], _ = strconv.ParseInt(fs[0], 10, 64)
				}
			}
		}
	}
	return kb, true
}

// rssParts reads RssAnon and RssFile of pid in KiB: heap and stacks
// versus the mapped binary and libraries.
func rssParts(pid int) (anon, file int64) {
	kb, _ := statusKB(pid, "RssAnon", "RssFile")
	return kb[0], kb[1]
}

// memKB reads VmRSS and VmHWM (peak RSS) of pid in KiB.
func memKB(pid int) (rss, hwm int64, ok bool) {
	kb, ok := statusKB(pid, "VmRSS", "VmHWM")
	return kb[0], kb[1], ok
}

// clockTicks is USER_HZ, 100 on every Linux the bench targets.
const clockTicks = 100

// cpuSeconds is the user+system CPU time pid has used.
func cpuSeconds(pid int) (float64, bool) {
	f, ok := procfs.StatFields(pid)
	if !ok || len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	s, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (u + s) / clockTicks, true
}
