package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/boundaryd/boundaryd/internal/locale"
)

// errAborted is an interrupted setup (Ctrl-C, end of input, "no" to the
// last question): nothing is written.
var errAborted = errors.New("setup stopped; nothing was written")

// prompter asks questions on a terminal or a pipe, one line per answer.
type prompter struct {
	ctx context.Context
	in  *bufio.Reader
	fd  int // stdin's descriptor when it is a terminal, else -1
	out io.Writer
	l   locale.Lang
}

func newPrompter(ctx context.Context, stdin io.Reader, out io.Writer) *prompter {
	p := &prompter{ctx: ctx, in: bufio.NewReader(stdin), fd: -1, out: out}
	if f, ok := stdin.(*os.File); ok && isTerminal(int(f.Fd())) {
		p.fd = int(f.Fd())
	}
	return p
}

// colon ends a question: French typography puts a space before it.
func (p *prompter) colon() string { return locale.Pick(p.l, ": ", " : ") }

// say prints a paragraph (in the prompter's language, chosen by the caller).
func (p *prompter) say(format string, args ...any) {
	fmt.Fprintf(p.out, format+"\n", args...)
}

// line reads one line; Ctrl-C (the context) or the end of input abort.
func (p *prompter) line() (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := p.in.ReadString('\n')
		ch <- result{s, err}
	}()
	select {
	case <-p.ctx.Done():
		fmt.Fprintln(p.out)
		return "", errAborted
	case r := <-ch:
		if r.err != nil && (r.s == "" || !errors.Is(r.err, io.EOF)) {
			fmt.Fprintln(p.out)
			return "", errAborted
		}
		return strings.TrimRight(r.s, "\r\n"), nil
	}
}

// ask prints the question with its default in brackets and returns the
// trimmed answer, or def when the answer is empty.
func (p *prompter) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]%s", question, def, p.colon())
	} else {
		fmt.Fprintf(p.out, "%s%s", question, p.colon())
	}
	s, err := p.line()
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	return s, nil
}

// askValid asks until check accepts the answer, printing check's reason.
func (p *prompter) askValid(question, def string, check func(string) error) (string, error) {
	for {
		s, err := p.ask(question, def)
		if err != nil {
			return "", err
		}
		if err := check(s); err != nil {
			p.say("  %s", err)
			continue
		}
		return s, nil
	}
}

// yesNo asks a yes/no question in the prompter's language.
func (p *prompter) yesNo(question string, def bool) (bool, error) {
	hint := locale.Pick(p.l, "y/n", "o/n")
	d := locale.Pick(p.l, "n", "n")
	if def {
		d = locale.Pick(p.l, "y", "o")
	}
	for {
		fmt.Fprintf(p.out, "%s (%s) [%s]%s", question, hint, d, p.colon())
		s, err := p.line()
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "":
			return def, nil
		case "y", "yes", "o", "oui":
			return true, nil
		case "n", "no", "non":
			return false, nil
		}
		p.say("  %s", locale.Pick(p.l, "Please answer yes or no.", "Répondez oui ou non, s'il vous plaît."))
	}
}

// choose offers numbered options and returns the index chosen.
func (p *prompter) choose(question string, options []string, def int) (int, error) {
	p.say("%s", question)
	for i, o := range options {
		p.say("  %d) %s", i+1, o)
	}
	for {
		s, err := p.ask(locale.Pick(p.l, "Number", "Numéro"), strconv.Itoa(def+1))
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(s)
		if err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		p.say("  %s", locale.Pick(p.l,
			fmt.Sprintf("Type a number from 1 to %d.", len(options)),
			fmt.Sprintf("Tapez un numéro de 1 à %d.", len(options))))
	}
}

// secret reads a password without echo when stdin is a terminal; it is
// never printed back.
func (p *prompter) secret(question string) (string, error) {
	// Echo goes off before the question shows, so nothing typed ahead of
	// it is echoed either.
	if p.fd >= 0 {
		restore, err := echoOff(p.fd)
		if err == nil {
			defer func() {
				restore()
				fmt.Fprintln(p.out)
			}()
		}
	}
	fmt.Fprintf(p.out, "%s%s", question, p.colon())
	return p.line()
}
