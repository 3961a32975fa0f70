package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/safetext"
)

// Level is how urgent an alert is; each channel takes the levels it was
// configured for.
type Level string

// The alert levels (the contract's emergency.alerts[].levels values).
const (
	// LevelPage is an emergency: look now, day or night.
	LevelPage Level = "page"
	// LevelConcern is a risk signal below a page: a quiet early-look notice.
	LevelConcern Level = "concern"
)

// Levels lists every level.
func Levels() []Level { return []Level{LevelPage, LevelConcern} }

// Kind is what an alert is about: the webhook's "kind" field.
type Kind string

// The alert kinds.
const (
	// KindEmergency is a page about an escalated message.
	KindEmergency Kind = "emergency"
	// KindConcern is an early-look notice about held messages.
	KindConcern Kind = "concern"
	// KindTest is boundaryd test-alert's clearly marked test page.
	KindTest Kind = "test"
	// KindNotice is a notice about boundaryd itself, not about a message:
	// it cannot sign in to the mailbox (run boundaryd login). Its level is
	// LevelConcern (quiet, never read as an emergency), and like a test it
	// goes to every channel of its groups whatever their levels: a channel
	// that takes pages only is one the therapist relies on, and while the
	// sign-in fails no page can come at all.
	KindNotice Kind = "notice"
)

// Alert is what every channel is told about one emergency message (or a
// group of them, or a concern). It holds no message content: Excerpt stays
// empty unless the user enabled include_excerpt, and the subject is never
// included.
type Alert struct {
	// Key is the message (or page) identity. The outbox de-duplicates on
	// (DedupeKey(), channel), and the delivery is noted on Key's audit entry.
	Key        string    `json:"key"`
	MessageID  string    `json:"message_id"`
	FromName   string    `json:"from_name,omitempty"`
	FromAddr   string    `json:"from"`
	Received   time.Time `json:"received"`
	Rules      []string  `json:"rules"`
	Categories []string  `json:"categories,omitempty"`
	Mailbox    string    `json:"mailbox"`
	Excerpt    string    `json:"excerpt,omitempty"`
	Lang       string    `json:"lang,omitempty"` // a language tag read by locale.Of: "en" (default), "fr"
	// Kind is what the alert is about; empty means KindConcern for a
	// concern-level alert and KindEmergency otherwise.
	Kind Kind `json:"kind,omitempty"`
	// Level routes the alert to the channels that take it; empty means
	// LevelConcern for a KindConcern alert and LevelPage otherwise (alerts
	// queued before levels existed were all pages).
	Level Level `json:"level,omitempty"`
	// Repeat is 0 for the first page and N for its Nth repeat.
	Repeat int `json:"repeat,omitempty"`
	// Count is how many messages are folded into this alert (0 and 1 both
	// mean one).
	Count int `json:"count,omitempty"`
	// More is, for a summary page sent at the hourly cap, how many more
	// messages are flagged beyond it.
	More int `json:"more,omitempty"`
	// ActionURL, when set, is the one-tap action of this alert on the
	// daemon's health server (http.public_url): POST there acknowledges a
	// page, or releases a concern notice's messages to the inbox. ntfy
	// shows it as a button; the JSON webhook carries it.
	ActionURL string `json:"action_url,omitempty"`
}

// Normalized returns a with Kind, Level and Count filled in, or an error
// when one of them is not a known value.
func (a Alert) Normalized() (Alert, error) {
	if a.Kind == "" {
		a.Kind = KindEmergency
		if a.Level == LevelConcern {
			a.Kind = KindConcern
		}
	}
	if a.Level == "" {
		a.Level = LevelPage
		if a.Kind == KindConcern || a.Kind == KindNotice {
			a.Level = LevelConcern
		}
	}
	switch a.Kind {
	case KindEmergency, KindConcern, KindTest, KindNotice:
	default:
		return a, fmt.Errorf("notify: unknown alert kind %q", a.Kind)
	}
	switch a.Level {
	case LevelPage, LevelConcern:
	default:
		return a, fmt.Errorf("notify: unknown alert level %q", a.Level)
	}
	if a.Repeat < 0 || a.Count < 0 || a.More < 0 {
		return a, errors.New("notify: negative repeat, count or more")
	}
	if a.Count == 0 {
		a.Count = 1
	}
	return a, nil
}

// DedupeKey is the outbox key of this alert: Key for a first page, with
// "#c" for a concern notice, "#t" for a test and "#rN" for the Nth repeat,
// so that a repeat is its own entry and, enqueued twice (a crash between
// queueing it and recording that it was queued), is still sent once.
func (a Alert) DedupeKey() string {
	a = a.normal()
	k := a.Key
	switch a.Kind {
	case KindEmergency:
	case KindConcern:
		k += "#c"
	case KindTest:
		k += "#t"
	case KindNotice:
		k += "#n"
	}
	if a.Repeat > 0 {
		k += "#r" + strconv.Itoa(a.Repeat)
	}
	return k
}

// DeliveryID is the alert's identity as its receivers see it: an opaque
// digest of DedupeKey (no message content, no address), the same every
// time this alert is sent (a retry, a resend after a restart) and
// different for each repeat. It is the SMTP alert's Message-ID and the
// webhook's dedup_key field and Idempotency-Key header, what Alertmanager
// and PagerDuty-style receivers fold duplicates on.
func (a Alert) DeliveryID() string {
	sum := sha256.Sum256([]byte(a.DedupeKey()))
	return hex.EncodeToString(sum[:12])
}

func (a Alert) normal() Alert {
	n, _ := a.Normalized() // entries were checked when queued
	return n
}

type alertView struct {
	Headline, Notice, Who, When, Rules, Categories, Mailbox, Excerpt, More string
}

// The templates are written by hand for each language (no machine translation):
// short enough for an SMS gateway, complete enough to act on.
var (
	alertEN = template.Must(template.New("en").Parse(`{{.Headline}}
{{- if .Notice}}
{{.Notice}}{{end}}
{{- if .Who}}

From: {{.Who}}
Received: {{.When}}
Rules: {{.Rules}}
{{- if .Categories}}
Categories: {{.Categories}}{{end}}
Where to look: {{.Mailbox}}{{end}}
{{- if .More}}
{{.More}}{{end}}
{{- if .Excerpt}}

Excerpt:
{{.Excerpt}}{{end}}
`))
	alertFR = template.Must(template.New("fr").Parse(`{{.Headline}}
{{- if .Notice}}
{{.Notice}}{{end}}
{{- if .Who}}

De : {{.Who}}
Reçu : {{.When}}
Règles : {{.Rules}}
{{- if .Categories}}
Catégories : {{.Categories}}{{end}}
Où regarder : {{.Mailbox}}{{end}}
{{- if .More}}
{{.More}}{{end}}
{{- if .Excerpt}}

Extrait :
{{.Excerpt}}{{end}}
`))
)

// Text renders the alert body in a.Lang, with times in loc (UTC when nil):
// what it is (page, repeat, folded messages, concern, test), who wrote and
// when, and where to look.
func (a Alert) Text(loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	a = a.normal()
	l := locale.Of(a.Lang)
	mailbox := oneLine(a.Mailbox)
	if mailbox == "" {
		mailbox = "INBOX"
	}
	v := alertView{
		Who:        a.who(),
		Rules:      oneLine(strings.Join(a.Rules, ", ")),
		Categories: oneLine(strings.Join(a.Categories, ", ")),
		Excerpt:    cleanText(a.Excerpt),
	}
	if !a.Received.IsZero() {
		v.When = l.DateTime(a.Received.In(loc), locale.Form{Year: true}) + " (" + loc.String() + ")"
	}
	switch a.Kind {
	case KindTest:
		v.Headline = locale.Pick(l,
			"TEST (boundaryd): this is a test alert from boundaryd test-alert. No message needs you; nothing to do.",
			"TEST (boundaryd) : ceci est une alerte de test envoyée par boundaryd test-alert. Aucun message ne vous attend ; rien à faire.")
		v.Mailbox = mailbox
	case KindNotice:
		v.Headline = locale.Pick(l,
			"Notice (boundaryd): boundaryd cannot sign in to your mailbox. Run boundaryd login.",
			"Avis (boundaryd) : boundaryd ne peut plus se connecter à votre boîte mail. Lancez boundaryd login.")
		v.Notice = locale.Pick(l,
			"Your mail provider refused the saved sign-in (it was revoked or expired). Until you sign in again, boundaryd does not see new mail: nothing is held and no emergency alert can be sent. No message is affected.",
			"Votre fournisseur de messagerie a refusé la connexion enregistrée (révoquée ou expirée). Tant que vous ne vous reconnectez pas, boundaryd ne voit pas le nouveau courrier : rien n'est retenu et aucune alerte d'urgence ne peut partir. Aucun message n'est touché.")
	case KindConcern:
		if a.Count > 1 {
			v.Headline = locale.Pick(l,
				fmt.Sprintf("Early look (boundaryd): %d held messages from this person show a worrying sign, below an emergency.", a.Count),
				fmt.Sprintf("À regarder (boundaryd) : %d messages retenus de cette personne montrent un signe inquiétant, sans être une urgence.", a.Count))
		} else {
			v.Headline = locale.Pick(l,
				"Early look (boundaryd): a held message shows a worrying sign, below an emergency.",
				"À regarder (boundaryd) : un message retenu montre un signe inquiétant, sans être une urgence.")
		}
		v.Notice = locale.Pick(l, "It stays held until your reading time unless you choose to read it now.",
			"Il reste retenu jusqu'à votre heure de lecture, sauf si vous choisissez de le lire maintenant.")
		v.Mailbox = locale.Pick(l, "in the hold folder", "dans le dossier des messages retenus")
	case KindEmergency:
		if a.Count > 1 {
			v.Headline = locale.Pick(l,
				fmt.Sprintf("EMERGENCY (boundaryd): %d messages from this person matched your emergency rules.", a.Count),
				fmt.Sprintf("URGENCE (boundaryd) : %d messages de cette personne correspondent à vos règles d'urgence.", a.Count))
		} else {
			v.Headline = locale.Pick(l,
				"EMERGENCY (boundaryd): a message matched your emergency rules.",
				"URGENCE (boundaryd) : un message correspond à vos règles d'urgence.")
		}
		v.Mailbox = locale.Pick(l, "in your inbox ("+mailbox+"), flagged.",
			"dans votre boîte de réception ("+mailbox+"), message signalé par un drapeau.")
	}
	if a.Repeat > 0 {
		v.Notice = locale.Pick(l,
			notice(l, a.Repeat)+": not yet seen. Open the message, or remove its flag, to stop these alerts.",
			notice(l, a.Repeat)+" : pas encore vu. Ouvrez le message, ou retirez son drapeau, pour arrêter ces alertes.")
	}
	if a.More > 0 {
		v.More = locale.Pick(l,
			fmt.Sprintf("And %d more flagged in your inbox, without an alert of their own (too many this hour).", a.More),
			fmt.Sprintf("Et %d autres signalés dans votre boîte de réception, sans alerte séparée (trop pour cette heure).", a.More))
	}
	var b bytes.Buffer
	// The template and view are fixed; Execute can only fail on a write
	// error, which bytes.Buffer does not return.
	_ = locale.Pick(l, alertEN, alertFR).Execute(&b, v)
	return b.String()
}

// Title is the one-line summary used as mail subject and ntfy title: page
// or concern, the notice number of a repeat, the folded count. It always
// carries the address: a display name alone can claim to be anyone.
func (a Alert) Title() string {
	a = a.normal()
	l := locale.Of(a.Lang)
	switch a.Kind {
	case KindTest:
		return locale.Pick(l, "TEST: boundaryd test alert, nothing to do", "TEST : alerte de test boundaryd, rien à faire")
	case KindNotice:
		return locale.Pick(l, "boundaryd cannot sign in to your mailbox: run boundaryd login",
			"boundaryd ne peut plus se connecter à votre boîte mail : lancez boundaryd login")
	case KindEmergency, KindConcern:
	}
	name, addr := truncate(oneLine(a.FromName), 60), truncate(oneLine(a.FromAddr), 120)
	who := addr
	if name != "" && addr != "" {
		who = name + " <" + addr + ">"
	} else if addr == "" {
		who = name
	}
	head := locale.Pick(l, "EMERGENCY", "URGENCE")
	if a.Kind == KindConcern || a.Level == LevelConcern {
		head = locale.Pick(l, "Early look", "À regarder")
	}
	if a.Repeat > 0 {
		head += " (" + notice(l, a.Repeat) + ")"
	}
	what := locale.Pick(l, "message from ", "message de ")
	if a.Count > 1 {
		what = locale.Pick(l, fmt.Sprintf("%d messages from ", a.Count), fmt.Sprintf("%d messages de ", a.Count))
	}
	t := head + locale.Pick(l, ": ", " : ") + what + who
	if a.More > 0 {
		t += locale.Pick(l, fmt.Sprintf(" (+%d more flagged)", a.More), fmt.Sprintf(" (+%d autres signalés)", a.More))
	}
	return t
}

// notice names the Nth repeat's place: repeat 1 is the "2nd notice".
func notice(l locale.Lang, repeat int) string {
	n := repeat + 1
	return locale.Pick(l, ordinalEN(n)+" notice", strconv.Itoa(n)+"e avis")
}

func ordinalEN(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

func (a Alert) who() string {
	name, addr := truncate(oneLine(a.FromName), 120), truncate(oneLine(a.FromAddr), 254)
	switch {
	case name == "":
		return addr
	case addr == "":
		return name
	}
	return name + " <" + addr + ">"
}

// oneLine makes a sender's words safe for one line of an alert or a header.
func oneLine(s string) string { return safetext.OneLine(s, 0) }

// cleanText keeps the excerpt's line breaks and drops every hidden character.
func cleanText(s string) string { return safetext.Lines(s, 0) }

func truncate(s string, n int) string { return safetext.Truncate(s, n) }
