package classify

import (
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// RuleSpec is one emergency rule as written in YAML (the config's emergency.rules; the built-in sets use the
// same shape).
type RuleSpec struct {
	Name     string `yaml:"name" json:"name"`
	Category string `yaml:"category,omitempty" json:"category,omitempty"`
	// Severity: critical, high, medium or low. "medium" escalates on its own unless the message gives a benign
	// ending (therapy ending, a move, a holiday, a new therapist); "low" marks a weak signal that escalates only
	// together with another match or a second, different weak phrase.
	Severity string   `yaml:"severity,omitempty" json:"severity,omitempty"`
	Lang     string   `yaml:"lang,omitempty" json:"lang,omitempty"`
	Phrases  []string `yaml:"phrases,omitempty" json:"phrases,omitempty"`
	Regex    []string `yaml:"regex,omitempty" json:"regex,omitempty"`
	// Fields lists where the rule looks: subject, body. Empty means both.
	Fields []string `yaml:"fields,omitempty" json:"fields,omitempty"`
	// Negatable says whether a negation ("I'm not going to...") may cancel a match. Unset: a phrase that itself
	// contains a negation word ("I don't want to live") is not negatable, any other phrase is.
	Negatable *bool `yaml:"negatable,omitempty" json:"negatable,omitempty"`
	// Disabled, on a user rule carrying a built-in rule's name, switches that built-in off.
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`
}

// ruleFile is the layout of an embedded rule set.
type ruleFile struct {
	Lang  string     `yaml:"lang"`
	Rules []RuleSpec `yaml:"rules"`
}

//go:embed rules/*.yaml context/*.yaml
var rulesFS embed.FS

// BuiltinSets lists the names of the embedded rule sets ("en", "fr").
func BuiltinSets() []string {
	ents, err := rulesFS.ReadDir("rules")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// BuiltinYAML returns the YAML text of a built-in rule set, as embedded in the binary.
func BuiltinYAML(set string) ([]byte, error) {
	if set == "" || strings.ContainsAny(set, "/\\.") {
		return nil, fmt.Errorf("unknown built-in rule set %q (have %s)", set, strings.Join(BuiltinSets(), ", "))
	}
	b, err := rulesFS.ReadFile("rules/" + set + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown built-in rule set %q (have %s)", set, strings.Join(BuiltinSets(), ", "))
	}
	return b, nil
}

// builtinRules decodes one embedded set; every rule gets the file's language unless it names its own.
func builtinRules(set string) ([]RuleSpec, error) {
	b, err := BuiltinYAML(set)
	if err != nil {
		return nil, err
	}
	var f ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("built-in rule set %s: %w", set, err)
	}
	for i := range f.Rules {
		if f.Rules[i].Lang == "" {
			f.Rules[i].Lang = f.Lang
		}
	}
	return f.Rules, nil
}

// CheckPhrase reports whether p is a valid phrase of the rule mini-language:
//
//	words separated by spaces, matched as whole words, case- and accent-insensitive
//	(a|b c)   alternation of word sequences      [a b]  optional words
//	word*     stem: any word starting with "word"  ~N    up to N (1-8) other words;  ...  same as ~3
//	#         any number written in digits ("40")
func CheckPhrase(p string) error {
	_, err := compilePhrase(p)
	return err
}

// CheckRegex reports whether r compiles as the engine compiles it: Go RE2 syntax, case-insensitive, applied to
// the normalised text (lower case, accents removed, words separated by single spaces).
func CheckRegex(r string) error {
	_, err := compileRegex(r)
	return err
}

func compileRegex(r string) (*regexp.Regexp, error) {
	if strings.TrimSpace(r) == "" {
		return nil, fmt.Errorf("empty regex")
	}
	re, err := regexp.Compile("(?i)" + stripMarks(r))
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", r, err)
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("regex %q matches the empty string", r)
	}
	return re, nil
}

// CheckSenderPattern validates a sender pattern: "name@domain.example", "*@domain.example" or "*".
func CheckSenderPattern(p string) error {
	_, err := parseSenderPattern(p)
	return err
}

func validField(f string) bool { return f == "subject" || f == "body" }

// validSeverity lists the severities the engine knows; they are carried through to alerts.
func validSeverity(s string) bool {
	switch s {
	case "", "critical", "high", "medium", "low":
		return true
	}
	return false
}
