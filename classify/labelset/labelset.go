// Package labelset reads the labelled message sets the classifier is measured and trained on: a directory
// holding labels.tsv (file, expect, lang, kind, note; tab-separated, a header line first) and the .eml files
// it names, by paths relative to the directory.
package labelset

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Item is one labelled message.
type Item struct {
	File      string // relative to the set's directory
	Emergency bool   // expect = escalate (else hold)
	Lang      string
	Kind      string
	Note      string
}

// Read reads dir/labels.tsv. A line whose expect is neither escalate nor hold is an error naming it.
func Read(dir string) ([]Item, error) {
	path := filepath.Join(dir, "labels.tsv")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labelled set: %w", err)
	}
	defer f.Close()
	var out []Item
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 && cols[0] == "file" {
			continue
		}
		if len(cols) < 4 || strings.TrimSpace(cols[0]) == "" {
			continue
		}
		it := Item{File: cols[0], Lang: cols[2], Kind: cols[3]}
		if len(cols) > 4 {
			it.Note = cols[4]
		}
		switch cols[1] {
		case "escalate":
			it.Emergency = true
		case "hold":
		default:
			return nil, fmt.Errorf("%s:%d: expect %q is neither escalate nor hold", path, line, cols[1])
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
