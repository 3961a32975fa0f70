package main

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/boundaryd/boundaryd/internal/locale"
)

// A readingTime is one weekly reading window as the therapist says it:
// "Tuesday 18:00", "mardi 18h00", "every day 8:30".
type readingTime struct {
	Day          string // cron weekday: MON..SUN, or "*" for every day
	Hour, Minute int
}

// Cron is the window as a 5-field cron expression.
func (r readingTime) Cron() string { return fmt.Sprintf("%d %d * * %s", r.Minute, r.Hour, r.Day) }

// weekdays maps the words of both languages (accents and case ignored) to
// cron's day names.
var weekdays = map[string]string{
	"monday": "MON", "mon": "MON", "lundi": "MON", "lun": "MON",
	"tuesday": "TUE", "tue": "TUE", "tues": "TUE", "mardi": "TUE", "mar": "TUE",
	"wednesday": "WED", "wed": "WED", "mercredi": "WED", "mer": "WED",
	"thursday": "THU", "thu": "THU", "thurs": "THU", "jeudi": "THU", "jeu": "THU",
	"friday": "FRI", "fri": "FRI", "vendredi": "FRI", "ven": "FRI",
	"saturday": "SAT", "sat": "SAT", "samedi": "SAT", "sam": "SAT",
	"sunday": "SUN", "sun": "SUN", "dimanche": "SUN", "dim": "SUN",
}

// everyDay are the words for "every day".
var everyDay = []string{"every day", "everyday", "daily", "tous les jours", "chaque jour"}

// parseReadingTimes reads a list like "Tuesday 18:00, Saturday 10:00" or
// "mardi 18h00 et samedi 10h". Items are separated by commas, semicolons,
// "and" or "et"; a day may carry several times ("Monday 8:00 18:00"). The
// error says, in l, what could not be read and gives an example.
func parseReadingTimes(s string, l locale.Lang) ([]readingTime, error) {
	text := strings.ToLower(stripAccents(strings.TrimSpace(s)))
	for _, sep := range []string{";", " and ", " et ", "&"} {
		text = strings.ReplaceAll(text, sep, ",")
	}
	example := locale.Pick(l, `write it like "Tuesday 18:00, Saturday 10:00"`, `écrivez-le comme « mardi 18h00, samedi 10h00 »`)
	var out []readingTime
	seen := map[string]bool{}
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		day := ""
		for _, w := range everyDay {
			if rest, ok := strings.CutPrefix(item, w); ok {
				day, item = "*", rest
				break
			}
		}
		fields := strings.Fields(strings.ReplaceAll(item, " a ", " "))
		if day == "" {
			if len(fields) == 0 {
				continue
			}
			d, ok := weekdays[strings.TrimSuffix(strings.TrimSuffix(fields[0], "s"), ".")]
			if !ok {
				d, ok = weekdays[strings.TrimSuffix(fields[0], ".")]
			}
			if !ok {
				return nil, fmt.Errorf("%s: %s", locale.Pick(l, fmt.Sprintf("%q is not a day of the week", fields[0]), fmt.Sprintf("« %s » n'est pas un jour de la semaine", fields[0])), example)
			}
			day, fields = d, fields[1:]
		}
		if len(fields) == 0 {
			return nil, fmt.Errorf("%s: %s", locale.Pick(l, "a day without a time", "un jour sans heure"), example)
		}
		for _, f := range fields {
			if f == "at" || f == "a" {
				continue
			}
			h, m, err := parseClock(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %s", locale.Pick(l, fmt.Sprintf("%q is not a time of day", f), fmt.Sprintf("« %s » n'est pas une heure", f)), example)
			}
			r := readingTime{Day: day, Hour: h, Minute: m}
			if !seen[r.Cron()] {
				seen[r.Cron()] = true
				out = append(out, r)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %s", locale.Pick(l, "no reading time given", "aucune heure de lecture"), example)
	}
	return out, nil
}

// parseClock reads 18:00, 18h00, 18h, 18.30, 9, 6pm, 6:30pm.
func parseClock(s string) (hour, minute int, err error) {
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "pm"), "am")
	hs, ms, found := strings.Cut(strings.NewReplacer("h", ":", ".", ":").Replace(s), ":")
	if !found || ms == "" {
		ms = "0"
	}
	hour, err1 := strconv.Atoi(hs)
	minute, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || len(hs) > 2 || len(ms) > 2 || minute < 0 || minute > 59 || hour < 0 || hour > 23 {
		return 0, 0, fmt.Errorf("not a time: %q", s)
	}
	if am || pm {
		if hour < 1 || hour > 12 {
			return 0, 0, fmt.Errorf("not a time: %q", s)
		}
		hour %= 12
		if pm {
			hour += 12
		}
	}
	return hour, minute, nil
}

// sayReadingTimes writes the windows back in words, to confirm them.
func sayReadingTimes(rs []readingTime, l locale.Lang) string {
	names := map[string][2]string{
		"MON": {"Mondays", "le lundi"}, "TUE": {"Tuesdays", "le mardi"}, "WED": {"Wednesdays", "le mercredi"},
		"THU": {"Thursdays", "le jeudi"}, "FRI": {"Fridays", "le vendredi"}, "SAT": {"Saturdays", "le samedi"},
		"SUN": {"Sundays", "le dimanche"}, "*": {"every day", "tous les jours"},
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		n := names[r.Day]
		parts[i] = locale.Pick(l,
			fmt.Sprintf("%s at %02d:%02d", n[0], r.Hour, r.Minute),
			fmt.Sprintf("%s à %dh%02d", n[1], r.Hour, r.Minute))
	}
	return strings.Join(parts, ", ")
}

func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r >= 0x300 && r <= 0x36f {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
