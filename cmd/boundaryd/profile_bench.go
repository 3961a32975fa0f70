//go:build benchprofile

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
)

// Built only with -tags benchprofile (tools/bench -profile DIR): with
// BOUNDARYD_PROFILE_DIR set, the process records a CPU profile and block and
// mutex events from its start (BOUNDARYD_PROFILE_MEMRATE sets the heap profile's sampling); SIGUSR1 stops the CPU profile and writes
// cpu.pprof, block.pprof, mutex.pprof and heap.pprof into that directory,
// then a file named done. Release builds contain none of this.
func init() {
	dir := os.Getenv("BOUNDARYD_PROFILE_DIR")
	if dir == "" {
		return
	}
	// BOUNDARYD_PROFILE_MEMRATE: bytes per heap profile sample (the idle bench's small heap wants it fine).
	if n, err := strconv.Atoi(os.Getenv("BOUNDARYD_PROFILE_MEMRATE")); err == nil && n > 0 {
		runtime.MemProfileRate = n
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchprofile:", err)
		return
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintln(os.Stderr, "benchprofile:", err)
		return
	}
	runtime.SetBlockProfileRate(10000) // one event per 10 µs blocked
	runtime.SetMutexProfileFraction(10)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		<-sig
		pprof.StopCPUProfile()
		_ = cpu.Close()
		for _, name := range []string{"block", "mutex", "heap"} {
			f, err := os.Create(filepath.Join(dir, name+".pprof"))
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchprofile:", err)
				continue
			}
			_ = pprof.Lookup(name).WriteTo(f, 0)
			_ = f.Close()
		}
		_ = os.WriteFile(filepath.Join(dir, "done"), nil, 0o600)
	}()
}
