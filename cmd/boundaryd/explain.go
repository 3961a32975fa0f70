package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/internal/safetext"
)

func cmdExplain(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "explain", "[--config FILE] [--json] MSG.eml... (- for stdin)",
		"Classifies saved messages offline, exactly as the daemon would, and says why.\n"+
			"Never touches a server. Without --config (and no BOUNDARY_CONFIG), everyone is a\n"+
			"patient and the built-in English and French rules apply.")
	path := configFlag(e, fs)
	asJSON := fs.Bool("json", false, "one JSON object per message, one per line (JSON Lines)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "boundaryd explain: give at least one message file (or - for stdin)")
		return exitUsage
	}
	opts := classify.Options{Patients: []string{"*"}, Builtin: classify.BuiltinSets()}
	if *path != "" {
		cfg := loadConfig(e, *path)
		if cfg == nil {
			return exitFailure
		}
		opts = cfg.ClassifyOptions()
	}
	cl, err := classify.New(opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "boundaryd explain: %v\n", err)
		return exitFailure
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for i, name := range fs.Args() {
		res := explainOne(e, cl, name)
		if *asJSON {
			if err := enc.Encode(res); err != nil {
				fmt.Fprintf(e.stderr, "boundaryd explain: %v\n", err)
				return exitFailure
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		writeExplanation(e.stdout, res)
	}
	return exitOK
}

// explainWords is how many of the words that moved the text model's score explain lists.
const explainWords = 8

func explainOne(e *env, cl *classify.Classifier, name string) *classify.Result {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return &classify.Result{File: name, Verdict: classify.VerdictHold, Level: classify.LevelNone,
				Matches: []classify.Match{}, Suppressed: []classify.Suppression{}, Frames: []classify.FrameMatch{},
				Concepts: []classify.Evidence{}, Error: fmt.Sprintf("cannot read the file: %v", err)}
		}
		defer f.Close()
		r = f
	}
	msg := classify.Parse(r)
	res := cl.Classify(msg)
	res.File = name
	if res.Model != nil {
		res.Model.Top = cl.ExplainModel(msg, explainWords)
	}
	return res
}

// writeExplanation prints r for a person at a terminal. Everything the
// message's author chose (display name, address, Message-ID, what the
// parser said about them) goes through safetext, so an ESC or CR in a
// display name cannot drive the terminal or forge a line; quoted values
// (%q) escape them already.
func writeExplanation(w io.Writer, r *classify.Result) {
	fmt.Fprintf(w, "%s\n", safetext.OneLine(r.File, 0))
	from := safetext.OneLine(r.From, 0)
	if r.FromName != "" {
		from = fmt.Sprintf("%s <%s>", safetext.OneLine(r.FromName, 200), from)
	}
	fmt.Fprintf(w, "  from:     %s (%s)\n", from, r.Sender)
	if r.MessageID != "" {
		fmt.Fprintf(w, "  id:       %s\n", safetext.OneLine(r.MessageID, 300))
	}
	fmt.Fprintf(w, "  verdict:  %s — %s\n", strings.ToUpper(string(r.Verdict)), verdictMeaning(r))
	if r.Level != "" {
		fmt.Fprintf(w, "  level:    %s — %s\n", r.Level, levelMeaning(r.Level))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  problem:  %s\n", safetext.OneLine(r.Error, 0))
	}
	for _, m := range r.Matches {
		if m.Severity == "frame" || m.Severity == "model" {
			continue // shown with the frames, or the model, below
		}
		fmt.Fprintf(w, "  matched:  rule %s", m.Rule)
		if m.Category != "" {
			fmt.Fprintf(w, " (%s)", m.Category)
		}
		fmt.Fprintf(w, ": %q in the %s: %q\n", m.Phrase, m.Field, m.Excerpt)
	}
	for _, f := range r.Frames {
		fmt.Fprintf(w, "  frame:    %s → %s (%s, within the %s)\n", f.Frame, f.Level, f.Category, f.Scope)
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "              %-18s %q in the %s\n", e.Concept, e.Words, e.Field)
		}
	}
	for _, s := range r.Suppressed {
		fmt.Fprintf(w, "  ignored:  rule %s: %q in the %s: %s", s.Rule, s.Phrase, s.Field, reasonText(s.Reason))
		if s.Trigger != "" {
			fmt.Fprintf(w, " (%q)", s.Trigger)
		}
		fmt.Fprintln(w)
	}
	if r.Severe {
		fmt.Fprintln(w, "  severity: present-tense severity found: always a page, whatever the context and the model")
	}
	if r.Imminent {
		fmt.Fprintln(w, "  imminent: an explicit intent and a time that is now or soon, in one sentence: always a page, whatever the model")
	}
	if m := r.Model; m != nil {
		fmt.Fprintf(w, "  model:    score %.2f from %d words: pages alone at %.2f, with the rules' concern at %.2f, confirms the rules' page at %.2f, a concern at %.2f\n",
			m.Score, m.Words, m.Page, m.Confirm, m.RulePage, m.Concern)
		if m.Words < classify.ShortText {
			fmt.Fprintf(w, "            fewer than %d words: the rules decide, but the score pages alone at %.2f\n", classify.ShortText, m.Short)
		}
		if m.Local > 0 {
			fmt.Fprintf(w, "            its best window of %d sentences scores %.2f: confirms the rules' page at %.2f\n", classify.WindowSentences, m.Local, m.Window)
		}
		if r.RuleLevel != "" && r.RuleLevel != r.Level {
			fmt.Fprintf(w, "            the rules alone: %s\n", r.RuleLevel)
		}
		if len(m.Top) > 0 {
			parts := make([]string, len(m.Top))
			for i, c := range m.Top {
				parts[i] = fmt.Sprintf("%q %+.2f", c.Word, c.Weight)
			}
			fmt.Fprintf(w, "            words that moved it most: %s\n", strings.Join(parts, ", "))
		}
	}
	if len(r.Concepts) > 0 {
		fmt.Fprintln(w, "  concepts:")
		for _, e := range r.Concepts {
			fmt.Fprintf(w, "              %-18s %q in the %s", e.Concept, e.Words, e.Field)
			if e.Reason != "" {
				fmt.Fprintf(w, ": %s", reasonText(e.Reason))
				if e.Trigger != "" {
					fmt.Fprintf(w, " (%q)", e.Trigger)
				}
			}
			fmt.Fprintln(w)
		}
	}
	if len(r.Matches) == 0 && len(r.Suppressed) == 0 && len(r.Frames) == 0 && len(r.Concepts) == 0 && r.Sender != "allowed" {
		fmt.Fprintln(w, "  evidence: none found")
	}
}

func levelMeaning(l classify.Level) string {
	switch l {
	case classify.LevelPage:
		return "an emergency: page now"
	case classify.LevelConcern:
		return "a risk signal short of an emergency: an early look is advised"
	case classify.LevelNone:
	}
	return "no risk signal"
}

func verdictMeaning(r *classify.Result) string {
	switch r.Verdict {
	case classify.VerdictEscalate:
		return "alert now; the message stays in the inbox, flagged"
	case classify.VerdictHold:
		return "kept in the hold folder until the next reading window"
	case classify.VerdictPass:
		fallthrough
	default:
		switch r.Sender {
		case "allowed":
			return "an allowed sender: left in the inbox, not examined"
		default:
			return "not a patient: left in the inbox"
		}
	}
}

func reasonText(reason classify.Reason) string {
	switch reason {
	case "negated":
		return "negated"
	case "quoted":
		return "in quoted earlier mail"
	case "signature":
		return "in a signature"
	case "idiom":
		return "a figure of speech"
	case "past":
		return "about the past"
	case "topic":
		return "talk about a topic, not about the writer now"
	case "resolved":
		return "over now, by the writer's account"
	case "bulk":
		return "bulk mail or a newsletter"
	case "ending":
		return "explained by an ending (therapy ending, a move)"
	case "weak-alone":
		return "a weak signal alone"
	case "informational":
		return "awareness material, homework or a recovery milestone"
	}
	return string(reason)
}
