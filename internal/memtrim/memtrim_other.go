//go:build !linux

package memtrim

// dropExecutable does nothing where the process's mappings cannot be read.
func dropExecutable() (Stats, error) { return Stats{}, nil }
