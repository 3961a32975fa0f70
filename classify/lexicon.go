package classify

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// The evidence model's data: concept lexicons per language and the frames that combine concepts. Both are
// embedded YAML (lexicon/*.yaml), compiled once per process and shared by every Classifier.

//go:embed lexicon/*.yaml
var lexiconFS embed.FS

// conceptSpec is one concept as written in lexicon/<lang>.yaml.
type conceptSpec struct {
	Name  string   `yaml:"name"`
	Terms []string `yaml:"terms"`
	// Severe marks present-tense severity (bleeding now, pills just taken, a weapon in hand): no past, resolved,
	// topic or ending marker cancels it, and it shields the rule matches of its sentence from those markers.
	Severe bool `yaml:"severe,omitempty"`
	// Ending: a benign ending (therapy ending, a move) explains it.
	Ending bool `yaml:"ending,omitempty"`
	// Role concepts (the writer, a child, another person) say who is involved; context never cancels them.
	Role bool `yaml:"role,omitempty"`
	// Negatable: false means no negation cancels it. Unset: true unless a term carries its own negation.
	Negatable *bool `yaml:"negatable,omitempty"`
}

type conceptFile struct {
	Lang     string        `yaml:"lang"`
	Concepts []conceptSpec `yaml:"concepts"`
}

// frameSpec is one evidence frame as written in lexicon/frames.yaml.
type frameSpec struct {
	Name     string     `yaml:"name"`
	Category string     `yaml:"category"`
	Level    string     `yaml:"level"`
	Scope    string     `yaml:"scope"`
	Need     [][]string `yaml:"need"`
	Unless   []string   `yaml:"unless,omitempty"`
}

type frameFile struct {
	Frames []frameSpec `yaml:"frames"`
}

// scope is how far apart the hits of one frame may be.
type scope uint8

const (
	scopeSentence scope = iota
	scopeWindow
	scopeMessage
)

func parseScope(s string) (scope, error) {
	switch s {
	case "sentence":
		return scopeSentence, nil
	case "window", "":
		return scopeWindow, nil
	case "message":
		return scopeMessage, nil
	}
	return 0, fmt.Errorf("unknown scope %q (want sentence, window or message)", s)
}

func (s scope) String() string {
	return [...]string{"sentence", "window", "message"}[s]
}

// conceptSet is a set of concept ids (at most 64 concepts).
type conceptSet uint64

func (s conceptSet) has(id int) bool { return s&(1<<uint(id)) != 0 }

// conceptDef is a compiled concept, shared by its languages.
type conceptDef struct {
	name                 string
	severe, ending, role bool
	benign               bool
	negatable            negMode
	langs                uint8 // languages that define it
	terms                int   // how many terms, all languages
}

// frameDef is a compiled frame.
type frameDef struct {
	name, category string
	level          Level
	scope          scope
	need           []conceptSet
	unless         conceptSet
}

// lexicon is every concept term of every language in one matcher, plus the frames.
type lexicon struct {
	concepts    []conceptDef
	byName      map[string]int
	m           *matcher
	termOf      []uint8 // per matcher phrase: its concept
	termLang    []uint8
	frames      []frameDef
	severe      conceptSet
	benign      conceptSet
	informative conceptSet // awareness material, homework, recovery milestones
	everyday    conceptSet // sports, crafts, cooking: the ordinary use of a means
	accident    conceptSet // an accident, a household injury
	appeal      uint8      // the concept of fundraising and newsletter wording
	bulkFooter  uint8      // the concept of unsubscribe footers
	homework    uint8      // the concept of therapy homework
	now         uint8      // the concept of a set time close by ("tonight", "tomorrow", "ce week-end")
}

var sharedLexicon = sync.OnceValues(loadLexicon)

// lexiconLangs are the embedded concept lexicons.
var lexiconLangs = []string{"en", "fr"}

func loadLexicon() (*lexicon, error) {
	lx := &lexicon{byName: map[string]int{}}
	var phrases []*phrase
	for _, lang := range lexiconLangs {
		var f conceptFile
		if err := decodeEmbedded("lexicon/"+lang+".yaml", &f); err != nil {
			return nil, err
		}
		lb, err := langBits(f.Lang)
		if err != nil {
			return nil, fmt.Errorf("concept lexicon %s: %w", lang, err)
		}
		for _, cs := range f.Concepts {
			id, ok := lx.byName[cs.Name]
			if !ok {
				if len(lx.concepts) >= 64 {
					return nil, fmt.Errorf("concept lexicon %s: more than 64 concepts", lang)
				}
				if strings.TrimSpace(cs.Name) == "" {
					return nil, fmt.Errorf("concept lexicon %s: a concept without a name", lang)
				}
				id = len(lx.concepts)
				lx.byName[cs.Name] = id
				lx.concepts = append(lx.concepts, conceptDef{name: cs.Name, benign: strings.HasPrefix(cs.Name, "benign."),
					negatable: negModeOf(cs.Negatable)})
			}
			d := &lx.concepts[id]
			d.severe = d.severe || cs.Severe
			d.ending = d.ending || cs.Ending
			d.role = d.role || cs.Role
			d.langs |= lb
			if len(cs.Terms) == 0 {
				return nil, fmt.Errorf("concept lexicon %s: concept %s has no terms", lang, cs.Name)
			}
			for _, t := range cs.Terms {
				ph, err := compilePhrase(t)
				if err != nil {
					return nil, fmt.Errorf("concept lexicon %s, concept %s: %w", lang, cs.Name, err)
				}
				phrases = append(phrases, ph)
				lx.termOf = append(lx.termOf, uint8(id))
				lx.termLang = append(lx.termLang, lb)
				d.terms++
			}
		}
	}
	for id, d := range lx.concepts {
		if d.severe {
			lx.severe |= 1 << uint(id)
		}
		if d.benign {
			lx.benign |= 1 << uint(id)
		}
	}
	lx.m = newMatcher(phrases)
	var err error
	if lx.informative, err = lx.set([]string{"benign.awareness", "benign.homework", "benign.recovery"}); err != nil {
		return nil, err
	}
	if lx.everyday, err = lx.set([]string{"benign.leisure"}); err != nil {
		return nil, err
	}
	if lx.accident, err = lx.set([]string{"benign.accident"}); err != nil {
		return nil, err
	}
	for name, dst := range map[string]*uint8{"benign.appeal": &lx.appeal, "benign.bulk": &lx.bulkFooter, "benign.homework": &lx.homework, "now": &lx.now} {
		id, ok := lx.byName[name]
		if !ok {
			return nil, fmt.Errorf("concept lexicons: %s is missing", name)
		}
		*dst = uint8(id)
	}
	var ff frameFile
	if err := decodeEmbedded("lexicon/frames.yaml", &ff); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, fs := range ff.Frames {
		fd, err := lx.compileFrame(fs)
		if err != nil {
			return nil, fmt.Errorf("frames: %w", err)
		}
		if seen[fd.name] {
			return nil, fmt.Errorf("frames: frame %q defined twice", fd.name)
		}
		seen[fd.name] = true
		lx.frames = append(lx.frames, fd)
	}
	return lx, nil
}

func decodeEmbedded(path string, v any) error {
	b, err := lexiconFS.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// set resolves concept names to a set; a name without a dot also stands for its sub-concepts.
func (lx *lexicon) set(names []string) (conceptSet, error) {
	var s conceptSet
	for _, n := range names {
		found := false
		for id, d := range lx.concepts {
			if d.name == n || strings.HasPrefix(d.name, n+".") {
				s |= 1 << uint(id)
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown concept %q", n)
		}
	}
	return s, nil
}

func (lx *lexicon) compileFrame(fs frameSpec) (frameDef, error) {
	fd := frameDef{name: fs.Name, category: fs.Category}
	if strings.TrimSpace(fs.Name) == "" {
		return fd, fmt.Errorf("a frame without a name")
	}
	switch Level(fs.Level) {
	case LevelPage, LevelConcern:
		fd.level = Level(fs.Level)
	case LevelNone:
		fallthrough
	default:
		return fd, fmt.Errorf("frame %s: level %q (want page or concern)", fs.Name, fs.Level)
	}
	var err error
	if fd.scope, err = parseScope(fs.Scope); err != nil {
		return fd, fmt.Errorf("frame %s: %w", fs.Name, err)
	}
	if len(fs.Need) == 0 {
		return fd, fmt.Errorf("frame %s: needs at least one group of concepts", fs.Name)
	}
	for _, g := range fs.Need {
		s, err := lx.set(g)
		if err != nil {
			return fd, fmt.Errorf("frame %s: %w", fs.Name, err)
		}
		if s == 0 {
			return fd, fmt.Errorf("frame %s: an empty group", fs.Name)
		}
		fd.need = append(fd.need, s)
	}
	if fd.unless, err = lx.set(fs.Unless); err != nil {
		return fd, fmt.Errorf("frame %s: %w", fs.Name, err)
	}
	return fd, nil
}

// LexiconYAML returns the embedded concept lexicon of a language ("en", "fr") or, for "frames", the frames.
func LexiconYAML(name string) ([]byte, error) {
	if name != "frames" && !contains(lexiconLangs, name) {
		return nil, fmt.Errorf("unknown lexicon %q (have %s, frames)", name, strings.Join(lexiconLangs, ", "))
	}
	return lexiconFS.ReadFile("lexicon/" + name + ".yaml")
}

// LexiconNames lists what LexiconYAML serves: the concept lexicons, then "frames".
func LexiconNames() []string { return append(append([]string(nil), lexiconLangs...), "frames") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
