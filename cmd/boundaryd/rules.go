package main

import (
	"context"
	"fmt"

	"github.com/boundaryd/boundaryd/classify"
)

func cmdRules(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "rules", "--dump [--set NAME]",
		"Prints the built-in emergency rule sets as YAML, to read them or to copy a rule into\n"+
			"emergency.rules. A rule of yours with a built-in's name and disabled: true switches it off.")
	dump := fs.Bool("dump", false, "print the rules as YAML")
	set := fs.String("set", "", "only this set (one of the built-in set names)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	sets := classify.BuiltinSets()
	if !*dump {
		fmt.Fprintf(e.stdout, "built-in rule sets: %v (print them with --dump)\n", sets)
		return exitOK
	}
	if *set != "" {
		sets = []string{*set}
	}
	for _, s := range sets {
		y, err := classify.BuiltinYAML(s)
		if err != nil {
			fmt.Fprintf(e.stderr, "boundaryd rules: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(e.stdout, "# built-in set %q\n%s\n", s, y)
	}
	return exitOK
}
