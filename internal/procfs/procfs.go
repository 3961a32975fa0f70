// Package procfs reads the few /proc facts the Dovecot launcher and the bench
// need about a process.
package procfs

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// StatFields returns /proc/PID/stat after the command name (which may hold
// spaces): field 0 is the state, 1 the parent pid, 11 utime, 12 stime.
func StatFields(pid int) ([]string, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(stat[i+1:])), true
}
