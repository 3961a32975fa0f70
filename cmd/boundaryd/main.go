// Command boundaryd holds patients' mail until the therapist's reading
// windows and escalates emergencies at once. See README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	// Embedded zoneinfo: a minimal machine or container may lack
	// /usr/share/zoneinfo, and reading windows need the therapist's zone.
	_ "time/tzdata"

	"github.com/boundaryd/boundaryd/clock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runCLI(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

// env is what a command may touch; tests give their own buffers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	clock          clock.Clock // the one time source of every command
}

func commands() []command {
	return []command{
		{"run", "watch the inbox: hold, escalate, deliver reading windows", cmdRun},
		{"check", "validate the configuration (and with --connect, try the logins)", cmdCheck},
		{"explain", "classify saved messages offline and say why", cmdExplain},
		{"digest", "deliver a reading window right now", cmdDigest},
		{"demo", "the whole pipeline on an embedded server, no setup", cmdDemo},
		{"history", "what boundaryd did: messages, alerts, windows (no content)", cmdHistory},
		{"rules", "print the built-in emergency rules", cmdRules},
		{"login", "sign in to the mailbox with OAuth2 (imap.auth: oauth2)", cmdLogin},
		{"init", "set up boundaryd by answering a few questions", cmdInit},
		{"test-alert", "send one test page through every alert channel", cmdTestAlert},
		{"version", "print the version", cmdVersion},
	}
}

func runCLI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, clock: clock.System()}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "boundaryd: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "boundaryd keeps patients' mail for the reading windows and escalates emergencies at once.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: boundaryd COMMAND [options]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command has --help. --config may also come from BOUNDARY_CONFIG.")
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func cmdVersion(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "version", "", "Prints the version.")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	fmt.Fprintln(e.stdout, "boundaryd", version)
	return exitOK
}
