package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// classifyCase is one sub-benchmark of BenchmarkClassify.
type classifyCase struct {
	Name     string  `json:"name"`
	NsPerOp  float64 `json:"ns_per_op"`
	MBPerS   float64 `json:"mb_per_s"`
	BPerOp   float64 `json:"bytes_per_op"`
	Allocs   float64 `json:"allocs_per_op"`
	NsPerMsg float64 `json:"ns_per_msg,omitempty"`
}

type classifyResult struct {
	Command string         `json:"command"`
	Cases   []classifyCase `json:"cases"`
}

var benchLine = regexp.MustCompile(`^BenchmarkClassify/(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// runClassify runs classify's own benchmark and parses its figures.
func (b *bench) runClassify(ctx context.Context) (classifyResult, error) {
	args := []string{"test", "./classify", "-run", "^$", "-bench", "BenchmarkClassify", "-benchmem", "-benchtime", b.sz.benchtime}
	res := classifyResult{Command: "go " + strings.Join(args, " ")}
	b.logf("classification: %s", res.Command)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("%s: %w\n%s", res.Command, err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		c := classifyCase{Name: m[1]}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				c.NsPerOp = v
			case "MB/s":
				c.MBPerS = v
			case "B/op":
				c.BPerOp = v
			case "allocs/op":
				c.Allocs = v
			case "ns/msg":
				c.NsPerMsg = v
			}
		}
		res.Cases = append(res.Cases, c)
	}
	if len(res.Cases) == 0 {
		return res, fmt.Errorf("no benchmark lines in output:\n%s", out)
	}
	return res, nil
}
