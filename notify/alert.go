package notify

import (
	"bytes"
	"strings"
	"text/template"
	"time"

	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/safetext"
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
// It always carries the address: a display name alone can claim to be
// anyone.
func (a Alert) Title() string {
	name, addr := truncate(oneLine(a.FromName), 60), truncate(oneLine(a.FromAddr), 120)
	who := addr
	if name != "" && addr != "" {
		who = name + " <" + addr + ">"
	} else if addr == "" {
		who = name
	}
	return locale.Pick(locale.Of(a.Lang), "EMERGENCY: message from ", "URGENCE : message de ") + who
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
