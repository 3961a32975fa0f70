package schedule

import (
	"fmt"
	"strings"
	"time"
)

var (
	frDays   = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// FormatWindow writes the window at t, in loc, for a patient or the therapist:
// en "Tuesday 1 December at 18:00", fr "mardi 1er décembre à 18h00". Languages
// other than fr (including "fr-FR", "FR") fall back to en. The year is left out:
// windows are days away. A zero t, which Next returns when nothing is
// scheduled, says so in words. A nil loc uses t's location.
func FormatWindow(t time.Time, loc *time.Location, lang string) string {
	fr := isFrench(lang)
	if t.IsZero() {
		if fr {
			return "aucune fenêtre de lecture prévue"
		}
		return "no reading window scheduled"
	}
	if loc != nil {
		t = t.In(loc)
	}
	if fr {
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %s à %02dh%02d", frDays[t.Weekday()], day, frMonths[t.Month()-1], t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%s %d %s at %02d:%02d", t.Weekday(), t.Day(), t.Month(), t.Hour(), t.Minute())
}

func isFrench(lang string) bool {
	l := strings.ToLower(strings.TrimSpace(lang))
	return l == "fr" || strings.HasPrefix(l, "fr-") || strings.HasPrefix(l, "fr_")
}
