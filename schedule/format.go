package schedule

import (
	"time"

	"github.com/boundaryd/boundaryd/internal/locale"
)

// FormatWindow writes the window at t, in loc, for a patient or the therapist:
// en "Tuesday 1 December at 18:00", fr "mardi 1er décembre à 18h00". lang is a
// language tag read by locale.Of ("fr", "fr-FR", "FR_be" are French; an unknown
// one is English). The year is left out: windows are days away. A zero t, which
// Next returns when nothing is scheduled, says so in words. A nil loc uses t's
// location.
func FormatWindow(t time.Time, loc *time.Location, lang string) string {
	l := locale.Of(lang)
	if t.IsZero() {
		return locale.Pick(l, "no reading window scheduled", "aucune fenêtre de lecture prévue")
	}
	if loc != nil {
		t = t.In(loc)
	}
	return l.DateTime(t, locale.Form{})
}
