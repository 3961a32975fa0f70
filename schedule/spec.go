package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser is robfig's standard 5-field parser with descriptors (what ParseStandard uses).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// example is quoted in error messages so a non-programmer sees a working shape.
const example = `"0 18 * * TUE" (Tuesdays at 18:00)`

var fieldNames = [5]struct{ name, allowed string }{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day of month", "1-31"},
	{"month", "1-12 or JAN-DEC"},
	{"day of week", "0-6 or SUN-SAT, 0 = Sunday"},
}

// SpecError reports which expression of a schedule list is wrong, so the config
// checker can point at the right YAML line.
type SpecError struct {
	Index int    // position in the list given to New
	Expr  string // the expression as written
	Err   error
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("schedule entry %d %q: %v", e.Index+1, e.Expr, e.Err)
}

func (e *SpecError) Unwrap() error { return e.Err }

// CheckSpec validates one 5-field cron expression as the user writes it in
// reading_windows.schedule. A nil loc checks in UTC. The error text is meant for
// the person editing the config, not for a programmer; it does not repeat the
// expression, which the caller shows next to its line.
func CheckSpec(expr string, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	_, err := compile(expr, loc)
	return err
}

// neverFromYear and neverCycles define "never happens" without reading the
// date: an expression must fire in one of neverCycles consecutive spans of
// horizonYears from a fixed year. Thirty years hold a full 28-year cycle of
// weekdays and leap years, so "29 February on a Monday" passes and "30
// February" fails, whatever today is.
const (
	neverFromYear = 2001
	neverCycles   = 6
)

// compile parses expr and checks that it can ever fire.
func compile(expr string, loc *time.Location) (*cron.SpecSchedule, error) {
	sched, err := parse(expr)
	if err != nil {
		return nil, err
	}
	w := &Windows{specs: []spec{newSpec(sched)}, loc: loc}
	ref := time.Date(neverFromYear, 1, 1, 0, 0, 0, 0, loc)
	for range neverCycles {
		if !w.Next(ref).IsZero() {
			return sched, nil
		}
		ref = ref.AddDate(horizonYears, 0, 0)
	}
	return nil, errors.New("never happens: it matches no real date (for example 30 February or 31 April)")
}

// parse turns expr into robfig's bit fields, with friendly errors and no panics.
func parse(expr string) (*cron.SpecSchedule, error) {
	s := strings.TrimSpace(expr)
	if s == "" {
		return nil, fmt.Errorf("empty schedule: write 5 fields (minute hour day-of-month month day-of-week), e.g. %s", example)
	}
	fields := strings.Fields(s)
	// robfig handles these prefixes itself and panics on "CRON_TZ=X" alone; the
	// timezone belongs in reading_windows.timezone, so refuse them outright.
	if first := strings.ToUpper(fields[0]); strings.HasPrefix(first, "CRON_TZ=") || strings.HasPrefix(first, "TZ=") {
		return nil, fmt.Errorf("remove %q from the schedule: the timezone is set once, in reading_windows.timezone", fields[0])
	}
	if strings.HasPrefix(s, "@") {
		return parseDescriptor(s)
	}
	if len(fields) != 5 {
		msg := fmt.Sprintf("expected 5 fields (minute hour day-of-month month day-of-week), found %d", len(fields))
		if len(fields) > 5 {
			msg += "; seconds and years are not supported"
		}
		return nil, fmt.Errorf("%s; example: %s", msg, example)
	}
	for i, f := range fields {
		if err := checkField(i, f); err != nil {
			return nil, err
		}
	}
	sched, err := safeParse(strings.Join(fields, " "))
	if err != nil {
		return nil, fmt.Errorf("invalid schedule: %w", err)
	}
	return sched, nil
}

// checkField parses one field alone so the error can name it.
func checkField(i int, f string) error {
	probe := []string{"*", "*", "*", "*", "*"}
	probe[i] = f
	if _, err := safeParse(strings.Join(probe, " ")); err != nil {
		fn := fieldNames[i]
		msg := fmt.Sprintf("%s %q is not valid (allowed: %s)", fn.name, f, fn.allowed)
		if reason := plainReason(err); reason != "" {
			msg += ": " + reason
		}
		if i == 4 && strings.Contains(f, "7") {
			msg += "; write 0 or SUN for Sunday"
		}
		return &fieldError{msg: msg, err: err}
	}
	return nil
}

// fieldError says in plain words what robfig/cron's error (kept for Unwrap) means.
type fieldError struct {
	msg string
	err error
}

func (e *fieldError) Error() string { return e.msg }
func (e *fieldError) Unwrap() error { return e.err }

// plainReason rewords robfig/cron's parser messages (parser.go, v3.0.1) for a
// non-programmer; unknown ones are left out rather than shown raw.
func plainReason(err error) string {
	var a, b int
	m := err.Error()
	switch {
	case scan(m, "end of range (%d) above maximum (%d)", &a, &b):
		return fmt.Sprintf("%d is above the maximum %d", a, b)
	case scan(m, "beginning of range (%d) below minimum (%d)", &a, &b):
		return fmt.Sprintf("%d is below the minimum %d", a, b)
	case scan(m, "beginning of range (%d) beyond end of range (%d)", &a, &b):
		return fmt.Sprintf("the range %d-%d ends before it starts", a, b)
	case strings.HasPrefix(m, "step of range"):
		return "a step (/N) must be 1 or more"
	case strings.HasPrefix(m, "failed to parse int"):
		return "expected a number, a name such as TUE or JAN, a range such as 1-5, a list such as 1,3 or a step such as */15"
	case strings.HasPrefix(m, "negative number"):
		return "negative numbers are not allowed"
	case strings.HasPrefix(m, "too many hyphens"):
		return "too many hyphens: a range is written like 1-5"
	case strings.HasPrefix(m, "too many slashes"):
		return "too many slashes: a step is written like */15 or 0-30/10"
	}
	return ""
}

func scan(msg, format string, a, b *int) bool {
	n, err := fmt.Sscanf(msg, format, a, b)
	return err == nil && n == 2
}

func parseDescriptor(s string) (*cron.SpecSchedule, error) {
	if strings.HasPrefix(s, "@every") {
		return nil, fmt.Errorf("@every repeats at a fixed interval counted from when the daemon started, not at a time of day; write a time such as %s", example)
	}
	sched, err := safeParse(s)
	if err != nil {
		return nil, fmt.Errorf("unknown shortcut %q: use @daily, @weekly, @monthly, @yearly, @hourly or 5 fields such as %s", s, example)
	}
	return sched, nil
}

// safeParse calls robfig's parser, turning any panic into an error: it has
// panicked on malformed input before and the config checker must never crash.
func safeParse(s string) (sched *cron.SpecSchedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("unreadable schedule: %v", r)
		}
	}()
	parsed, err := parser.Parse(s)
	if err != nil {
		return nil, err
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, errors.New("not a time of day")
	}
	if spec.Second&^starBit != 1 {
		return nil, errors.New("seconds are not supported")
	}
	return spec, nil
}
