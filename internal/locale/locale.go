package locale

import (
	"fmt"
	"strings"
)

// Lang is a language boundaryd writes in. The zero value is English, the default.
type Lang uint8

// The languages, in the order Pick takes their values.
const (
	English Lang = iota
	French
)

// All returns every language, for tests that check each one has its words.
func All() []Lang { return []Lang{English, French} }

// Pick returns the value given for l, one value per language in the order of the constants. A language
// added to the constants adds a parameter here, so the compiler lists every place that lacks its words.
// An out-of-range l gets the English value.
func Pick[T any](l Lang, en, fr T) T {
	if l == French {
		return fr
	}
	return en
}

// String returns the BCP 47 tag, as written in Content-Language and the HTML lang attribute: "en" or "fr".
func (l Lang) String() string { return Pick(l, "en", "fr") }

// Parse reads a language tag: the primary subtag decides ("fr", "fr-CA", "FR_be", "en-GB"); region, script or
// other subtags (1 to 8 letters or digits, after "-" or "_") are accepted and ignored. Anything else, the
// empty tag included, is an error naming the languages there are.
func Parse(tag string) (Lang, error) {
	parts := strings.FieldsFunc(strings.TrimSpace(tag), func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 || strings.Count(tag, "-")+strings.Count(tag, "_") != len(parts)-1 {
		return English, fmt.Errorf("language %q: want en or fr", tag)
	}
	for _, p := range parts[1:] {
		if !subtag(p) {
			return English, fmt.Errorf("language %q: subtag %q is not 1 to 8 letters or digits", tag, p)
		}
	}
	for _, l := range All() {
		if strings.EqualFold(parts[0], l.String()) {
			return l, nil
		}
	}
	return English, fmt.Errorf("language %q: want en or fr", tag)
}

// Of is Parse for settings already validated, or optional: a tag it cannot read gives English.
func Of(tag string) Lang {
	l, err := Parse(tag)
	if err != nil {
		return English
	}
	return l
}

func subtag(s string) bool {
	if len(s) < 1 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// MarshalText writes the tag, so a Lang can be a YAML or JSON field.
func (l Lang) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses with Parse.
func (l *Lang) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
