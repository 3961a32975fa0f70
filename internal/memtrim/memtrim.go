// Package memtrim gives back to the kernel what a long-running process needed only to start.
//
// A Go binary's start-up (package initialisers, compiling the rules, reading the text model) touches most
// of its code and read-only data, and Linux maps each touched page with its neighbours (fault-around), so
// a daemon that then idles for days keeps nearly its whole executable resident: on boundaryd, 14 MB of a
// 24 MB idle RSS, of which the idle loop uses about 2.5 MB. Those pages are clean copies of the executable
// file; dropping them from the process's page tables is always safe, and the few the daemon uses again are
// mapped back from the page cache on first touch.
package memtrim

import (
	"fmt"
	"runtime/debug"
)

// Stats says what Startup gave back.
type Stats struct {
	Mappings int   // read-only mappings of the executable that were dropped
	Bytes    int64 // their size (resident or not)
}

// Startup collects the garbage start-up left, returns the free heap to the kernel, and drops the
// executable's read-only pages (code and constant data) from the process's resident set. Call it once
// the process has finished starting, before it settles into its loop.
func Startup() (Stats, error) {
	debug.FreeOSMemory()
	st, err := dropExecutable()
	if err != nil {
		return st, fmt.Errorf("memtrim: %w", err)
	}
	return st, nil
}
