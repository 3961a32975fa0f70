package classify

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/boundaryd/boundaryd/classify/textmodel"
)

// Options configure a Classifier.
type Options struct {
	Allow, Patients []string         // sender patterns: "a@b.example", "*@domain.example", "*"
	Builtin         []string         // built-in rule sets to load ("en", "fr")
	Rules           []RuleSpec       // the user's rules, added; one with a built-in's name replaces it, or removes it when disabled
	MaxTextBytes    int              // text examined per message; 0 means 256 KiB (Parse itself keeps at most 256 KiB)
	NoModel         bool             // rules, frames and context alone: the built-in text model is not used
	Model           *textmodel.Model // a text model other than the built-in one (training uses this)
}

// Classifier routes senders and applies emergency rules. It is immutable after New and safe for concurrent use.
type Classifier struct {
	allow, patients []senderPattern
	rules           []*rule
	phrases         []*phrase
	phraseOf        []phraseRef // per phrase: its rule and whether negation may cancel it
	m               *matcher
	regexes         []regexRule
	ctx             *contextLex
	lex             *lexicon
	maxText         int
	model           *textmodel.Model // nil: rules alone
	pool            sync.Pool        // *scratch
}

// rule is a compiled RuleSpec.
type rule struct {
	name, category, severity string
	langs                    uint8
	fields                   uint8 // fieldSubject | fieldBody
	// intent: an explicit intent to die (the built-in suicide-intent rules); with a set time close by (the
	// concept now), in one sentence in the first person, an announced act (see imminentIntent).
	intent bool
}

type phraseRef struct {
	rule      int
	negatable negMode
}

// negMode says whether a negation may cancel a match.
type negMode uint8

const (
	negAuto negMode = iota // yes, unless the matched words contain a negation themselves
	negYes
	negNo
)

func negModeOf(p *bool) negMode {
	switch {
	case p == nil:
		return negAuto
	case *p:
		return negYes
	}
	return negNo
}

type regexRule struct {
	rule      int
	src       string
	re        *regexp.Regexp
	negatable negMode
}

const (
	fieldSubject = 1
	fieldBody    = 2
)

// scratch is per-call working memory, pooled.
type scratch struct {
	tz    *tokenizer
	ms    matchScratch
	vec   *textmodel.Vectorizer
	words []string
}

// New compiles the sender patterns, the selected built-in rule sets and the user's rules. Errors name the
// offending rule and phrase.
func New(o Options) (*Classifier, error) {
	c := &Classifier{maxText: o.MaxTextBytes}
	if c.maxText <= 0 {
		c.maxText = defaultMaxTextBytes
	}
	var err error
	if c.allow, err = compileSenders(o.Allow, "allow"); err != nil {
		return nil, err
	}
	if c.patients, err = compileSenders(o.Patients, "patients"); err != nil {
		return nil, err
	}
	specs, err := mergeRules(o.Builtin, o.Rules)
	if err != nil {
		return nil, err
	}
	for _, sp := range specs {
		if err := c.addRule(sp); err != nil {
			return nil, err
		}
	}
	c.m = newMatcher(c.phrases)
	if c.ctx, err = sharedContext(); err != nil {
		return nil, err
	}
	if c.lex, err = sharedLexicon(); err != nil {
		return nil, err
	}
	switch {
	case o.Model != nil:
		c.model = o.Model
	case !o.NoModel && len(o.Builtin) > 0: // the model is part of the built-in detection
		if c.model, err = sharedModel(); err != nil {
			return nil, err
		}
	}
	c.pool.New = func() any { return &scratch{tz: newTokenizer(), vec: textmodel.NewVectorizer()} }
	return c, nil
}

// mergeRules loads the built-in sets and applies the user's rules over them: same name replaces, disabled
// removes.
func mergeRules(builtin []string, user []RuleSpec) ([]RuleSpec, error) {
	var out []RuleSpec
	index := map[string]int{}
	seenSet := map[string]bool{}
	for _, set := range builtin {
		if seenSet[set] {
			continue
		}
		seenSet[set] = true
		rs, err := builtinRules(set)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if _, dup := index[r.Name]; dup {
				return nil, fmt.Errorf("built-in rule set %s: rule %q defined twice", set, r.Name)
			}
			index[r.Name] = len(out)
			out = append(out, r)
		}
	}
	builtinCount := len(out)
	userSeen := map[string]bool{}
	for _, r := range user {
		if strings.TrimSpace(r.Name) == "" {
			return nil, fmt.Errorf("emergency rule without a name")
		}
		if userSeen[r.Name] {
			return nil, fmt.Errorf("emergency rule %q: defined twice", r.Name)
		}
		userSeen[r.Name] = true
		i, isBuiltin := index[r.Name]
		isBuiltin = isBuiltin && i < builtinCount
		switch {
		case r.Disabled && isBuiltin:
			out[i].Disabled = true
		case r.Disabled:
			// Disabling a rule that is not loaded is harmless, but a typo would leave a rule on: say so.
			return nil, fmt.Errorf("emergency rule %q: disabled, but no loaded built-in rule has that name", r.Name)
		case isBuiltin:
			out[i] = r
		default:
			index[r.Name] = len(out)
			out = append(out, r)
		}
	}
	kept := out[:0]
	for _, r := range out {
		if !r.Disabled {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

func (c *Classifier) addRule(sp RuleSpec) error {
	r := &rule{name: sp.Name, category: sp.Category, severity: sp.Severity,
		intent: sp.Severity == "critical" && strings.HasSuffix(sp.Name, "-suicide-intent")}
	var err error
	if r.langs, err = langBits(sp.Lang); err != nil {
		return fmt.Errorf("emergency rule %q: %w", sp.Name, err)
	}
	if !validSeverity(sp.Severity) {
		return fmt.Errorf("emergency rule %q: unknown severity %q (want critical, high, medium or low)", sp.Name, sp.Severity)
	}
	if len(sp.Phrases) == 0 && len(sp.Regex) == 0 {
		return fmt.Errorf("emergency rule %q: needs at least one phrase or regex", sp.Name)
	}
	for _, f := range sp.Fields {
		if !validField(f) {
			return fmt.Errorf("emergency rule %q: unknown field %q (want subject or body)", sp.Name, f)
		}
		if f == "subject" {
			r.fields |= fieldSubject
		} else {
			r.fields |= fieldBody
		}
	}
	if r.fields == 0 {
		r.fields = fieldSubject | fieldBody
	}
	idx := len(c.rules)
	c.rules = append(c.rules, r)
	for _, p := range sp.Phrases {
		ph, err := compilePhrase(p)
		if err != nil {
			return fmt.Errorf("emergency rule %q: %w", sp.Name, err)
		}
		c.phrases = append(c.phrases, ph)
		c.phraseOf = append(c.phraseOf, phraseRef{rule: idx, negatable: negModeOf(sp.Negatable)})
	}
	for _, x := range sp.Regex {
		re, err := compileRegex(x)
		if err != nil {
			return fmt.Errorf("emergency rule %q: %w", sp.Name, err)
		}
		c.regexes = append(c.regexes, regexRule{rule: idx, src: x, re: re, negatable: negModeOf(sp.Negatable)})
	}
	return nil
}

// RuleCount returns how many rules and phrases are loaded (for logs and `check`).
func (c *Classifier) RuleCount() (rules, phrases int) {
	return len(c.rules), len(c.phrases) + len(c.regexes)
}
