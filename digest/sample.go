package digest

import (
	"time"

	"github.com/boundaryd/boundaryd/classify"
)

// Sample returns the options and entries of a realistic digest: eight held messages from French and English
// patients, one near-miss and one attachment. It feeds docs/digest.png (see docs/render-digest.sh) and the
// daemon's demo; the people and addresses are invented.
func Sample(lang string) (Options, []Entry) {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, loc) }
	window := at(3, 18, 0)
	o := Options{
		Lang:       lang,
		Location:   loc,
		Window:     window,
		WindowID:   "2026-03-03T1800-Europe.Paris",
		From:       "Cabinet Agostini <dr.agostini@example.org>",
		To:         "dr.agostini@example.org",
		HoldFolder: "Boundary/Held",
		Released:   true,
		Now:        window,
		// A fixed key: the sample is a demonstration, not a secret.
		Key: []byte("boundaryd sample digest: not a secret key"),
	}
	entries := []Entry{
		{FromName: "Camille Laurent", From: "camille.laurent@example.fr", Subject: "Rendez-vous de jeudi",
			Received: at(1, 9, 12), Snippet: "Bonjour, je ne pourrai pas venir jeudi à 14h, est-ce qu'on peut décaler à vendredi ?\nMerci beaucoup."},
		{FromName: "James Whitaker", From: "j.whitaker@example.com", Subject: "Homework from last session",
			Received: at(1, 21, 40), Snippet: "I tried the breathing exercise every evening. It helped on Tuesday, less so on Friday.\nI wrote down what happened, as you suggested."},
		{FromName: "Camille Laurent", From: "camille.laurent@example.fr", Subject: "Re: Rendez-vous de jeudi",
			Received: at(2, 7, 55), Snippet: "Finalement jeudi me convient, oubliez mon message précédent."},
		{FromName: "Sophie Marchand", From: "sophie.marchand@example.fr", Subject: "Une semaine difficile",
			Received: at(2, 23, 18),
			Snippet:  "Je voulais vous dire que je ne pense pas du tout à en finir, rassurez-vous, mais la semaine a été très lourde.\nJ'aimerais en parler mardi.",
			NearMiss: []string{"suicide-intent (negated)"}},
		{FromName: "James Whitaker", From: "j.whitaker@example.com", Subject: "Invoice for February",
			Received: at(2, 11, 3), Snippet: "Could you send me the invoice for February? My insurer needs it by the end of the month.",
			Attachments: []classify.Attachment{{Filename: "insurance-claim-form.pdf", MediaType: "application/pdf", Size: 248_133}}},
		{FromName: "Léa Fontaine", From: "lea.fontaine@example.fr", Subject: "Question sur la prochaine séance",
			Received: at(2, 16, 30), Snippet: "Est-ce que la séance de la semaine prochaine est toujours à 18h ? J'ai un doute."},
		{FromName: "Priya Raman", From: "priya.raman@example.co.uk", Subject: "Article I mentioned",
			Received: at(3, 8, 47), Snippet: "Here is the title of the article I mentioned: \"Learning to sit with discomfort\". No need to reply."},
		{FromName: "Sophie Marchand", From: "sophie.marchand@example.fr", Subject: "Merci",
			Received: at(3, 12, 5), Snippet: "Merci pour la séance de lundi, je me suis sentie écoutée."},
	}
	return o, entries
}
