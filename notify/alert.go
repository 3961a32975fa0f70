package notify

import (
	"bytes"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/boundaryd/boundaryd/internal/locale"
)

// Alert is what every channel is told about one emergency message. It holds
// no message content: Excerpt stays empty unless the user enabled
// include_excerpt, and the subject is never included.
type Alert struct {
	Key        string    `json:"key"` // message identity; dedupe key with the channel name
	MessageID  string    `json:"message_id"`
	FromName   string    `json:"from_name,omitempty"`
	FromAddr   string    `json:"from"`
	Received   time.Time `json:"received"`
	Rules      []string  `json:"rules"`
	Categories []string  `json:"categories,omitempty"`
	Mailbox    string    `json:"mailbox"`
	Excerpt    string    `json:"excerpt,omitempty"`
	Lang       string    `json:"lang,omitempty"` // a language tag read by locale.Of: "en" (default), "fr"
}

type alertView struct {
	Who, When, Rules, Categories, Mailbox, Excerpt string
}

// The templates are written by hand for each language (no machine translation):
// short enough for an SMS gateway, complete enough to act on.
var (
	alertEN = template.Must(template.New("en").Parse(`EMERGENCY (boundaryd): a message matched your emergency rules.

From: {{.Who}}
Received: {{.When}}
Rules: {{.Rules}}
{{- if .Categories}}
Categories: {{.Categories}}{{end}}
Where to look: in your inbox ({{.Mailbox}}), flagged.
{{- if .Excerpt}}

Excerpt:
{{.Excerpt}}{{end}}
`))
	alertFR = template.Must(template.New("fr").Parse(`URGENCE (boundaryd) : un message correspond à vos règles d'urgence.

De : {{.Who}}
Reçu : {{.When}}
Règles : {{.Rules}}
{{- if .Categories}}
Catégories : {{.Categories}}{{end}}
Où regarder : dans votre boîte de réception ({{.Mailbox}}), message signalé par un drapeau.
{{- if .Excerpt}}

Extrait :
{{.Excerpt}}{{end}}
`))
)

// Text renders the alert body in a.Lang, with times in loc (UTC when nil).
func (a Alert) Text(loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	l := locale.Of(a.Lang)
	v := alertView{
		Who:        a.who(),
		When:       l.DateTime(a.Received.In(loc), locale.Form{Year: true}) + " (" + loc.String() + ")",
		Rules:      oneLine(strings.Join(a.Rules, ", ")),
		Categories: oneLine(strings.Join(a.Categories, ", ")),
		Mailbox:    oneLine(a.Mailbox),
		Excerpt:    cleanText(a.Excerpt),
	}
	if v.Mailbox == "" {
		v.Mailbox = "INBOX"
	}
	var b bytes.Buffer
	// The template and view are fixed; Execute can only fail on a write
	// error, which bytes.Buffer does not return.
	_ = locale.Pick(l, alertEN, alertFR).Execute(&b, v)
	return b.String()
}

// Title is the one-line summary used as mail subject and ntfy title.
func (a Alert) Title() string {
	name := oneLine(a.FromName)
	if name == "" {
		name = oneLine(a.FromAddr)
	}
	name = truncate(name, 80)
	return locale.Pick(locale.Of(a.Lang), "EMERGENCY: message from ", "URGENCE : message de ") + name
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

// oneLine removes control characters and folds whitespace, so that a sender
// name cannot inject header lines or forge lines of the alert.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanText keeps line breaks but drops other control characters.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
