package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/internal/tlspin"
	"gopkg.in/yaml.v3"
)

// Duration is a Go duration ("90s", "2m", "72h") written as a YAML string.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

var (
	durationType = reflect.TypeOf(Duration(0))
	pinType      = reflect.TypeOf(tlspin.Pin(""))
)

// decoder walks a yaml.Node tree into typed structs by hand instead of using
// yaml.v3's Decode, because Decode stops at the first kind of problem and does
// not say "did you mean". Walking ourselves lets check report every problem at
// once, each with its line, and remember where every key was written so the
// semantic checks that follow can point at the right line too.
type decoder struct {
	problems *Problems
	lines    map[string]int // dotted path -> line of the key (or the item)
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with nothing: keep the default
	}
	switch {
	case v.Type() == durationType:
		d.scalar(n, path, func(s string) error {
			dur, err := time.ParseDuration(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("%s: %q is not a duration; write it like 90s, 2m or 72h", path, s)
			}
			if dur < 0 {
				return fmt.Errorf("%s: a duration cannot be negative", path)
			}
			v.SetInt(int64(dur))
			return nil
		})
		return
	}
	if v.Type() == pinType {
		d.scalar(n, path, func(s string) error {
			pin, err := tlspin.Parse(s)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			v.SetString(string(pin))
			return nil
		})
		return
	}
	if _, ok := v.Interface().(choice); ok && v.Kind() == reflect.String {
		d.scalar(n, path, func(s string) error { return decodeChoice(v, path, s) })
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, line)
	case reflect.Struct:
		d.mapping(n, v, path)
	case reflect.String:
		d.scalar(n, path, func(s string) error { v.SetString(s); return nil })
	case reflect.Int:
		d.scalar(n, path, func(s string) error {
			i, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("%s: %q is not a whole number", path, s)
			}
			v.SetInt(int64(i))
			return nil
		})
	case reflect.Bool:
		d.scalar(n, path, func(s string) error {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "yes", "on":
				v.SetBool(true)
			case "false", "no", "off":
				v.SetBool(false)
			default:
				return fmt.Errorf("%s: %q must be true or false", path, s)
			}
			return nil
		})
	case reflect.Slice:
		d.sequence(n, v, path)
	case reflect.Map:
		d.stringMap(n, v, path)
	default:
		d.problems.add(n.Line, "%s: cannot be set from the configuration", path)
	}
}

func (d *decoder) scalar(n *yaml.Node, path string, set func(string) error) {
	if n.Kind != yaml.ScalarNode {
		d.problems.add(n.Line, "%s: expected a single value, found %s", path, kindName(n))
		return
	}
	if err := set(n.Value); err != nil {
		d.problems.add(n.Line, "%s", err)
	}
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	items := n.Content
	if n.Kind == yaml.ScalarNode && v.Type().Elem().Kind() == reflect.String {
		// A lone value where a list is expected ("to: me@example.org") is
		// what people write; take it as a list of one.
		items = []*yaml.Node{n}
	} else if n.Kind != yaml.SequenceNode {
		d.problems.add(n.Line, "%s: expected a list, found %s", path, kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(items), len(items))
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.lines[p] = item.Line
		d.decode(item, s.Index(i), p, item.Line)
	}
	v.Set(s)
}

func (d *decoder) stringMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problems.add(n.Line, "%s: expected a set of key: value lines, found %s", path, kindName(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		ev := reflect.New(v.Type().Elem()).Elem()
		p := path + "." + k.Value
		d.lines[p] = k.Line
		d.decode(val, ev, p, k.Line)
		m.SetMapIndex(reflect.ValueOf(k.Value), ev)
	}
	v.Set(m)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problems.add(n.Line, "%s: expected a section of key: value lines, found %s", orTop(path), kindName(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.problems.add(k.Line, "%s: written twice (first on line %d)", p, first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("%s: unknown key", p)
			if s := suggest(k.Value, keysOf(fields)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.problems.add(k.Line, "%s", msg)
			continue
		}
		d.lines[p] = k.Line
		d.decode(val, v.Field(idx), p, k.Line)
	}
}

// structFields maps YAML key names to field indexes.
func structFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

func keysOf(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// suggest returns the candidate closest to s when it is close enough to be a
// likely typo (edit distance at most 2, or a third of the word).
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		dist := editDistance(strings.ToLower(s), c)
		if dist < bestD {
			best, bestD = c, dist
		}
	}
	limit := 2
	if l := len(s) / 3; l > limit {
		limit = l
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a section (key: value lines)"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
