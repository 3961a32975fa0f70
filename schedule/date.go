package schedule

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Date is a calendar day with no time and no zone; it is given meaning by the
// windows' timezone. In YAML and text it is written "2026-12-20".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// ParseDate reads a "YYYY-MM-DD" day and refuses days that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: write it as YYYY-MM-DD, e.g. 2026-12-20", s)
	}
	return DateOf(t, time.UTC), nil
}

// DateOf is the calendar day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	if loc != nil {
		t = t.In(loc)
	}
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Start is the first instant of d in loc (midnight, or later where a
// daylight-saving change skips midnight).
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.ord() < e.ord() }

// AddDays returns the day n days after d (n may be negative).
func (d Date) AddDays(n int) Date {
	return DateOf(d.utc().AddDate(0, 0, n), nil)
}

func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// ord is a total order key for days.
func (d Date) ord() int { return d.Year*10000 + int(d.Month)*100 + d.Day }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML reads a plain scalar: YAML resolves an unquoted 2026-12-20 as a
// timestamp, but the node keeps the text as written, which is all we need.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a date must be written as YYYY-MM-DD, e.g. 2026-12-20", n.Line)
	}
	if err := d.UnmarshalText([]byte(n.Value)); err != nil {
		// yaml.v3 returns an unmarshaler's error without position; add it here.
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// MarshalYAML writes d as "YYYY-MM-DD".
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

// Pause is a holiday: whole calendar days From..To inclusive, in the windows'
// timezone, during which no window fires.
type Pause struct {
	From Date `yaml:"from" json:"from"`
	To   Date `yaml:"to" json:"to"`
}

// Contains reports whether day d lies within the pause.
func (p Pause) Contains(d Date) bool { return !d.Before(p.From) && !p.To.Before(d) }

// Check reports a pause whose days are missing or in the wrong order.
func (p Pause) Check() error {
	switch {
	case p.From.IsZero() || p.To.IsZero():
		return fmt.Errorf("pause needs both from and to dates (YYYY-MM-DD)")
	case p.To.Before(p.From):
		return fmt.Errorf("pause from %s to %s ends before it starts", p.From, p.To)
	}
	return nil
}
