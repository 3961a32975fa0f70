package main

import (
	"context"
	"fmt"
	"time"

	"github.com/boundaryd/boundaryd/demo"
)

func cmdDemo(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "demo", "[--serve] [--fast]",
		"Runs the whole pipeline with no setup: an embedded IMAP server seeded with a week of\n"+
			"a therapist's mail, a local alert sink, the real daemon on an accelerated clock\n"+
			"(a week in about twenty seconds), and tells what happens in plain words.")
	serve := fs.Bool("serve", false, "keep the IMAP server up afterwards (on 127.0.0.1) to look at it in a mail client")
	fast := fs.Bool("fast", false, "no pauses: as fast as the machine goes")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	step := 18 * time.Millisecond
	if *fast {
		step = 0
	}
	if _, err := demo.Run(ctx, demo.Options{Step: step, Serve: *serve, Out: e.stdout}); err != nil {
		fmt.Fprintf(e.stderr, "boundaryd demo: %v\n", err)
		return exitFailure
	}
	return exitOK
}
