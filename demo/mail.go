package demo

import (
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
)

// event is one thing that happens during the demo week.
type event struct {
	at      time.Duration // after the start of the week (Monday 08:00)
	from    string
	subject string
	body    string
	headers string // extra header lines, CRLF-terminated
	quote   bool   // the body quotes the acknowledgement the sender got
	about   string // what a careful reader should notice, for the narration
}

// week is a realistic week of a therapist's mail: patients in English and
// French, the partner, a newsletter, two emergencies, and a reply quoting
// the acknowledgement (with its crisis numbers) that must not page anyone.
var week = []event{
	{
		at: 1*time.Hour + 12*time.Minute, from: "Ana Martin <ana.martin@demo.example>",
		subject: "Petite question pour mardi",
		body: "Bonjour,\n\nEst-ce que nous pourrions parler mardi de ce qui s'est passé avec ma sœur ce week-end ?\n" +
			"Rien d'urgent, je voulais juste ne pas oublier.\n\nBonne journée,\nAna",
		about: "a patient, nothing urgent",
	},
	{
		at: 3*time.Hour + 40*time.Minute, from: "Marc <partner@demo.example>",
		subject: "Dinner?",
		body:    "This week is killing me already. Sushi tonight? x",
		about:   "your partner: an allowed sender, never held, never examined",
	},
	{
		at: 12*time.Hour + 5*time.Minute, from: "Tom Becker <tom.becker@demo.example>",
		subject: "After Thursday",
		body: "Hi,\n\nI keep thinking about what we said on Thursday. It's been a heavy week and I cried in the car " +
			"twice. Some nights lately I think everyone would be better off without me. I'm not going to do " +
			"anything, I just wanted you to know.\n\n" +
			"See you next week,\nTom",
		about: "passive thoughts he says he will not act on, below an emergency: a concern",
	},
	{
		at: 23*time.Hour + 30*time.Minute, from: "Mental Health Weekly <news@mhweekly.demo.example>",
		subject: "This week: suicide prevention month, new research on sleep",
		headers: "List-Id: <weekly.mhweekly.demo.example>\r\nList-Unsubscribe: <mailto:leave@mhweekly.demo.example>\r\nPrecedence: list\r\n",
		body: "In this issue: what the latest research says about suicide prevention in primary care; a podcast on " +
			"sleep and mood; conference dates for 2027.\n\nUnsubscribe at any time.",
		about: "a newsletter that talks about suicide as a topic",
	},
	{
		at: 30*time.Hour + 2*time.Minute, from: "Ana Martin <ana.martin@demo.example>",
		subject: "Re: Petite question pour mardi",
		body:    "Merci pour votre réponse, à mardi alors !\n\nAna",
		quote:   true,
		about:   "a reply quoting your acknowledgement, crisis numbers included",
	},
	{
		at: 42*time.Hour + 47*time.Minute, from: "Léa Dubois <lea.dubois@demo.example>",
		subject: "pardon",
		body: "je suis désolée de vous écrire à cette heure. je ne veux plus vivre. j'ai pris toutes les boîtes de " +
			"médicaments qu'il y avait dans la salle de bain.",
		about: "an emergency at 2:47 in the morning",
	},
	{
		at: 74*time.Hour + 15*time.Minute, from: "Sam Okafor <sam.okafor@demo.example>",
		subject: "Missed session",
		body: "So sorry I missed Thursday, the new job is killing me and I completely lost track of the day. " +
			"Could we find another slot next week?\n\nSam",
		about: "an idiom, not an emergency",
	},
	{
		at: 111*time.Hour + 30*time.Minute, from: "Julia Reyes <julia.reyes@demo.example>",
		subject: "Mark",
		body: "I'm Mark's wife — he gave me your address for emergencies. He left a letter for the kids on the kitchen " +
			"table saying goodbye and took the car. His phone is off. I don't know what to do.",
		about: "a relative reporting a patient in danger",
	},
	{
		at: 120*time.Hour + 20*time.Minute, from: "Ana Martin <ana.martin@demo.example>",
		subject: "Horaire",
		body:    "Finalement je peux venir plus tôt mardi si jamais un créneau se libère.\n\nAna",
		about:   "a patient, nothing urgent",
	},
	{
		at: 152*time.Hour + 10*time.Minute, from: "Tom Becker <tom.becker@demo.example>",
		subject: "Sunday",
		body:    "Better day today. Went for a long walk by the river. Nothing to answer, just sharing.\n\nTom",
		about:   "a patient, written after the last window: waits for Tuesday",
	},
}

// raw renders the event as an RFC 5322 message sent at t.
func (e event) raw(i int, t time.Time, ack string) []byte {
	var b strings.Builder
	from := e.from
	if a, err := mail.ParseAddress(e.from); err == nil {
		from = a.String() // RFC 2047-encodes a non-ASCII name
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: Dr Agostini <dr.agostini@demo.example>\r\nSubject: %s\r\n", from, mime.QEncoding.Encode("utf-8", e.subject))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <demo-%d@boundaryd.demo>\r\n", t.Format(time.RFC1123Z), i)
	b.WriteString(e.headers)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	body := e.body
	if e.quote && ack != "" {
		body += "\n\nLe lundi, Dr Agostini a écrit :\n"
		for _, l := range strings.Split(strings.TrimSpace(ack), "\n") {
			body += "> " + l + "\n"
		}
	}
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}
