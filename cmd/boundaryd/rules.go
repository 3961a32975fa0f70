package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/boundaryd/boundaryd/classify"
)

func cmdRules(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "rules", "--dump [--set NAME]",
		"Prints the built-in emergency rule sets, then the concept lexicons and the evidence frames,\n"+
			"as YAML, to read them or to copy a rule into emergency.rules. A rule of yours with a\n"+
			"built-in's name and disabled: true switches it off.")
	dump := fs.Bool("dump", false, "print the rules as YAML")
	set := fs.String("set", "", "only this rule set or lexicon (a built-in set name, lexicon-en, lexicon-fr or frames)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	sets := classify.BuiltinSets()
	var lexicons []string
	for _, n := range classify.LexiconNames() {
		if n != "frames" {
			n = "lexicon-" + n
		}
		lexicons = append(lexicons, n)
	}
	if !*dump {
		fmt.Fprintf(e.stdout, "built-in rule sets: %v; concept lexicons and frames: %v (print them with --dump)\n", sets, lexicons)
		return exitOK
	}
	if *set != "" {
		sets, lexicons = nil, nil
		if n, ok := strings.CutPrefix(*set, "lexicon-"); ok || *set == "frames" {
			if !ok {
				n = *set
			}
			lexicons = []string{n}
		} else {
			sets = []string{*set}
		}
	} else {
		for i, n := range lexicons {
			lexicons[i] = strings.TrimPrefix(n, "lexicon-")
		}
	}
	for _, s := range sets {
		y, err := classify.BuiltinYAML(s)
		if err != nil {
			fmt.Fprintf(e.stderr, "boundaryd rules: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(e.stdout, "# built-in set %q\n%s\n", s, y)
	}
	for _, n := range lexicons {
		y, err := classify.LexiconYAML(n)
		if err != nil {
			fmt.Fprintf(e.stderr, "boundaryd rules: %v\n", err)
			return exitFailure
		}
		what := "concept lexicon " + strconv.Quote(n)
		if n == "frames" {
			what = "evidence frames"
		}
		fmt.Fprintf(e.stdout, "# built-in %s\n%s\n", what, y)
	}
	return exitOK
}
