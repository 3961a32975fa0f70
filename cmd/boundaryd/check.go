package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/boundaryd/boundaryd/config"
)

// newFlags makes a flag set whose --help prints to stdout and exits 0, as
// users expect, while a wrong flag prints to stderr and exits 2.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: boundaryd %s %s\n\n%s\n", name, synopsis, about)
		var opts strings.Builder
		fs.SetOutput(&opts)
		fs.PrintDefaults()
		fs.SetOutput(w)
		if opts.Len() > 0 {
			fmt.Fprintf(w, "\nOptions:\n%s", opts.String())
		}
	}
	return fs
}

// parseFlags returns (done, code): done means the caller must return code.
func parseFlags(e *env, fs *flag.FlagSet, args []string) (bool, int) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return true, exitOK
		}
	}
	if err := fs.Parse(args); err != nil {
		return true, exitUsage
	}
	return false, 0
}

func configFlag(e *env, fs *flag.FlagSet) *string {
	return fs.String("config", e.getenv("BOUNDARY_CONFIG"), "configuration `FILE` (default $BOUNDARY_CONFIG)")
}

// loadConfig loads and validates, printing the errors; nil means exit 1.
// Warnings are for check and run, where the user looks at the setup.
func loadConfig(e *env, path string) *config.Config {
	return loadConfigWarn(e, path, false)
}

func loadConfigWarn(e *env, path string, warnings bool) *config.Config {
	if path == "" {
		fmt.Fprintln(e.stderr, "boundaryd: no configuration: give --config FILE or set BOUNDARY_CONFIG")
		return nil
	}
	cfg, probs, err := config.Load(path)
	if probs != nil && (warnings || probs.Errors()) {
		printProblems(e.stderr, probs)
	}
	if err != nil {
		if !errors.Is(err, config.ErrInvalid) {
			fmt.Fprintf(e.stderr, "boundaryd: %v\n", err)
		}
		return nil
	}
	return cfg
}

// loadWithSecrets is loadConfig (warnings included) plus a check that every
// password source can be read now; runCommands also runs password commands.
func loadWithSecrets(e *env, path string, runCommands bool) *config.Config {
	cfg := loadConfigWarn(e, path, true)
	if cfg == nil || !secretsReadable(e, cfg, runCommands) {
		return nil
	}
	return cfg
}

// secretsReadable checks that every password source of cfg can be read,
// printing each problem; runCommands also runs password commands.
func secretsReadable(e *env, cfg *config.Config, runCommands bool) bool {
	probs := &config.Problems{File: cfg.File}
	cfg.CheckSecrets(probs, runCommands)
	printProblems(e.stderr, probs)
	return !probs.Errors()
}

func printProblems(w io.Writer, p *config.Problems) {
	for _, l := range p.Lines() {
		fmt.Fprintln(w, l)
	}
}

func cmdCheck(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "check", "--config FILE [--connect]",
		"Validates the configuration and reports every problem as FILE:LINE: message.\n"+
			"Checks that the password sources are usable (environment variable set, file readable).\n"+
			"With --connect, also runs password commands and logs in to the IMAP and SMTP servers.")
	path := configFlag(e, fs)
	connect := fs.Bool("connect", false, "also log in to the IMAP and SMTP servers and report their capabilities")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	cfg := loadWithSecrets(e, *path, *connect)
	if cfg == nil {
		return exitFailure
	}
	if *connect {
		return checkConnect(ctx, e, cfg)
	}
	fmt.Fprintf(e.stdout, "%s: valid\n", cfg.File)
	return exitOK
}
