package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/internal/locale"
)

// words are the digest's own sentences, written by hand for each language rather than machine-translated.
type words struct {
	lang          locale.Lang
	title         string // "Reading window"
	subject       func(msgs, senders int) string
	counts        func(msgs, senders int) string
	released      string
	stays         func(folder string) string
	checkFirst    string
	checkFirstWhy string
	nearMiss      string
	unreadable    string
	attachments   string
	noSubject     string
	unknownSender string
	unknownDate   string
	messagesOf    func(n int) string
	footer        string
	unnamed       string
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

var english = words{
	lang:  locale.English,
	title: "Reading window",
	subject: func(m, s int) string {
		return fmt.Sprintf("Reading window: %d %s from %d %s", m, plural(m, "message", "messages"), s, plural(s, "patient", "patients"))
	},
	counts: func(m, s int) string {
		return fmt.Sprintf("%d %s from %d %s.", m, plural(m, "message", "messages"), s, plural(s, "sender", "senders"))
	},
	released:      "The messages are back in your inbox.",
	stays:         func(f string) string { return fmt.Sprintf("They stay in the folder “%s”.", f) },
	checkFirst:    "Check these first",
	checkFirstWhy: "Emergency words were found in these messages but not counted (negated, quoted, past…). No alert was sent; please read them first.",
	nearMiss:      "Emergency words not counted:",
	unreadable:    "Part of this message could not be read; open the original.",
	attachments:   "Attachments:",
	noSubject:     "(no subject)",
	unknownSender: "(unknown sender)",
	unknownDate:   "date unknown",
	messagesOf:    func(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "message", "messages")) },
	footer:        "Sent by boundaryd. Emergencies are never held: they stay in your inbox, flagged, and alert you at once.",
	unnamed:       "(unnamed)",
}

var french = words{
	lang:  locale.French,
	title: "Fenêtre de lecture",
	subject: func(m, s int) string {
		return fmt.Sprintf("Fenêtre de lecture : %d %s de %d %s", m, plural(m, "message", "messages"), s, plural(s, "patient", "patients"))
	},
	counts: func(m, s int) string {
		return fmt.Sprintf("%d %s de %d %s.", m, plural(m, "message", "messages"), s, plural(s, "expéditeur", "expéditeurs"))
	},
	released:      "Les messages sont de retour dans votre boîte de réception.",
	stays:         func(f string) string { return fmt.Sprintf("Ils restent dans le dossier « %s ».", f) },
	checkFirst:    "À lire en premier",
	checkFirstWhy: "Des mots d’urgence ont été trouvés dans ces messages mais non retenus (négation, citation, passé…). Aucune alerte n’a été envoyée ; lisez-les d’abord.",
	nearMiss:      "Mots d’urgence non retenus :",
	unreadable:    "Une partie de ce message n’a pas pu être lue ; ouvrez l’original.",
	attachments:   "Pièces jointes :",
	noSubject:     "(sans objet)",
	unknownSender: "(expéditeur inconnu)",
	unknownDate:   "date inconnue",
	messagesOf:    func(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "message", "messages")) },
	footer:        "Envoyé par boundaryd. Les urgences ne sont jamais retenues : elles restent dans votre boîte, signalées, et vous alertent aussitôt.",
	unnamed:       "(sans nom)",
}

// wordsFor reads lang with locale.Of: "fr", "fr-FR", "FR_be" are French, anything else English.
func wordsFor(lang string) *words {
	return locale.Pick(locale.Of(lang), &english, &french)
}

// when formats a received time briefly in the therapist's zone: "Tue 3 Mar, 14:05" / "mar. 3 mars, 14h05". The
// year appears only when it is not the digest's year (mail held across a long pause).
func (w *words) when(t time.Time, loc *time.Location, now time.Time) string {
	if t.IsZero() {
		return w.unknownDate
	}
	t = t.In(loc)
	return w.lang.DateTime(t, locale.Form{Short: true, Year: t.Year() != now.In(loc).Year()})
}

// size formats a byte count for people: "840 B", "12 KB", "1.2 MB" / "1,2 Mo". Unknown sizes (-1) give "".
func (w *words) size(n int64) string {
	if n < 0 {
		return ""
	}
	units := locale.Pick(w.lang, []string{"B", "KB", "MB", "GB", "TB"}, []string{"o", "Ko", "Mo", "Go", "To"})
	if n < 1000 {
		return fmt.Sprintf("%d %s", n, units[0])
	}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	var s string
	if v < 10 {
		s = fmt.Sprintf("%.1f", v)
	} else {
		s = fmt.Sprintf("%.0f", v)
	}
	return strings.Replace(s, ".", locale.Pick(w.lang, ".", ","), 1) + " " + units[i]
}
