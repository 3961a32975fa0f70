package locale

import (
	"fmt"
	"time"
)

// names are a language's weekdays (Sunday first, as time.Weekday counts) and months, in full and abbreviated.
type names struct {
	weekdays, weekdaysShort [7]string
	months, monthsShort     [12]string
}

var (
	enNames = names{
		weekdays:      [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		weekdaysShort: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		monthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
	// French names are lower case; the abbreviations are those of the CLDR ("févr.", "juil.", "sept.").
	frNames = names{
		weekdays:      [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		weekdaysShort: [7]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
			"octobre", "novembre", "décembre"},
		monthsShort: [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
			"nov.", "déc."},
	}
)

// Form chooses how Date and DateTime write a moment.
type Form struct {
	Short bool // abbreviated weekday and month, a comma before the time: "Tue 1 Dec, 18:00"
	Year  bool // the year after the month: "Tuesday 1 December 2026"
}

// Weekday names d (in 0..6, as t.Weekday gives): "Tuesday", "mardi"; short "Tue", "mar.".
func (l Lang) Weekday(d time.Weekday, short bool) string {
	n := Pick(l, &enNames, &frNames)
	if short {
		return n.weekdaysShort[d]
	}
	return n.weekdays[d]
}

// Month names m: "December", "décembre"; short "Dec", "déc.". m must be in 1..12, as t.Month gives.
func (l Lang) Month(m time.Month, short bool) string {
	n := Pick(l, &enNames, &frNames)
	if short {
		return n.monthsShort[m-1]
	}
	return n.months[m-1]
}

// Clock writes t's hour and minute on the 24-hour clock: "18:00", "18h00".
func (l Lang) Clock(t time.Time) string {
	return fmt.Sprintf(Pick(l, "%02d:%02d", "%02dh%02d"), t.Hour(), t.Minute())
}

// Date writes t's day in t's location: "Tuesday 1 December", "mardi 1er décembre" (French writes the first
// of the month as an ordinal), with the year when f.Year.
func (l Lang) Date(t time.Time, f Form) string {
	day := fmt.Sprint(t.Day())
	if l == French && t.Day() == 1 {
		day = "1er"
	}
	s := l.Weekday(t.Weekday(), f.Short) + " " + day + " " + l.Month(t.Month(), f.Short)
	if f.Year {
		s += fmt.Sprintf(" %d", t.Year())
	}
	return s
}

// DateTime writes t in t's location: "Tuesday 1 December at 18:00", "mardi 1er décembre à 18h00"; short
// "Tue 1 Dec, 18:00", "mar. 1er déc., 18h00".
func (l Lang) DateTime(t time.Time, f Form) string {
	sep := Pick(l, " at ", " à ")
	if f.Short {
		sep = ", "
	}
	return l.Date(t, f) + sep + l.Clock(t)
}
