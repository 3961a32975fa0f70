package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/boundaryd/boundaryd/internal/procfs"
)

// rssParts reads RssAnon and RssFile of pid in KiB: heap and stacks
// versus the mapped binary and libraries.
func rssParts(pid int) (anon, file int64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for key, dst := range map[string]*int64{"RssAnon:": &anon, "RssFile:": &file} {
			if strings.HasPrefix(line, key) {
				if fs := strings.Fields(line[len(key):]); len(fs) > 0 {
					*dst, _ = strconv.ParseInt(fs[0], 10, 64)
				}
			}
		}
	}
	return anon, file
}

// clockTicks is USER_HZ, 100 on every Linux the bench targets.
const clockTicks = 100

// memKB reads VmRSS and VmHWM (peak RSS) of pid in KiB.
func memKB(pid int) (rss, hwm int64, ok bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for key, dst := range map[string]*int64{"VmRSS:": &rss, "VmHWM:": &hwm} {
			if strings.HasPrefix(line, key) {
				if fs := strings.Fields(line[len(key):]); len(fs) > 0 {
					*dst, _ = strconv.ParseInt(fs[0], 10, 64)
				}
			}
		}
	}
	return rss, hwm, true
}

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
