package digest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/classify"
)

func TestEmptyGivesErrEmpty(t *testing.T) {
	if _, err := Build(testOptions(), nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("Build(no entries) = %v, want ErrEmpty", err)
	}
}

func TestRequiredOptions(t *testing.T) {
	e := []Entry{{From: "a@example.org", Subject: "s"}}
	o := testOptions()
	o.WindowID = ""
	if _, err := Build(o, e); err == nil {
		t.Error("no window id: want an error")
	}
	o = testOptions()
	o.From = "not an address"
	if _, err := Build(o, e); err == nil {
		t.Error("bad From: want an error")
	}
}

func TestHeaders(t *testing.T) {
	o := testOptions()
	o.To = "Agostini <inbox@example.org>"
	raw, err := Build(o, []Entry{{From: "a@example.org", Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	p := parseDigest(t, raw)
	for k, want := range map[string]string{
		"X-Boundary-Kind": "digest",
		"Auto-Submitted":  "auto-generated",
		"Mime-Version":    "1.0",
		"Message-Id":      MessageID(o.Key, o.WindowID),
	} {
		if got := p.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(o.Now) {
		t.Errorf("Date = %v, %v; want %v", d, err, o.Now)
	}
	from, _ := p.header.AddressList("From")
	to, _ := p.header.AddressList("To")
	if len(from) != 1 || from[0].Address != "dr@example.org" || len(to) != 1 || to[0].Address != "inbox@example.org" {
		t.Errorf("From %v To %v", from, to)
	}
	if s, _ := p.header.Subject(); s != "Reading window: 1 message from 1 patient" {
		t.Errorf("Subject = %q", s)
	}
	// To defaults to From.
	o.To = ""
	raw, err = Build(o, []Entry{{From: "a@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	p = parseDigest(t, raw)
	to, _ = p.header.AddressList("To")
	if len(to) != 1 || to[0].Address != "dr@example.org" {
		t.Errorf("default To = %v", to)
	}
}

func TestMessageID(t *testing.T) {
	a := MessageID(testKey, "2026-03-03T1800-Europe.Paris")
	if MessageID(testKey, "2026-03-03T1800-Europe.Paris") != a {
		t.Error("MessageID not stable")
	}
	if b := MessageID(testKey, "2026-03-07T1000-Europe.Paris"); b == a {
		t.Error("two windows share a Message-ID")
	}
	if strings.Contains(a, "2026") {
		t.Errorf("MessageID %q shows the window: guessable", a)
	}
	other := bytes.Repeat([]byte{8}, KeySize)
	if MessageID(other, "2026-03-03T1800-Europe.Paris") == a {
		t.Error("the Message-ID does not depend on the key")
	}
	valid := regexp.MustCompile(`^<[A-Za-z0-9._-]+@boundaryd>$`)
	for _, id := range []string{"", "a b", "x>y<z", "é", "a@b"} {
		if got := MessageID(testKey, id); !valid.MatchString(got) {
			t.Errorf("MessageID(%q) = %q: not a plain msg-id", id, got)
		}
	}
	o := testOptions()
	o.Key = nil
	if _, err := Build(o, []Entry{{From: "a@example.org"}}); err == nil {
		t.Error("Build without a key gave a digest")
	}
}

// TestAllListedOnce: 200 held messages from 37 senders, each listed exactly once in both parts.
func TestAllListedOnce(t *testing.T) {
	o := testOptions()
	base := o.Window.Add(-72 * time.Hour)
	rng := rand.New(rand.NewPCG(1, 2))
	var entries []Entry
	for i := range 200 {
		entries = append(entries, Entry{
			FromName: fmt.Sprintf("Patient %d", i%37),
			From:     fmt.Sprintf("p%d@example.org", i%37),
			Subject:  fmt.Sprintf("subject zq%03dq", i),
			Snippet:  fmt.Sprintf("line one xk%03dk\nline two", i),
			Received: base.Add(time.Duration(rng.IntN(72*60)) * time.Minute),
		})
	}
	raw, err := Build(o, entries)
	if err != nil {
		t.Fatal(err)
	}
	p := parseDigest(t, raw)
	for i := range 200 {
		for _, m := range []string{fmt.Sprintf("zq%03dq", i), fmt.Sprintf("xk%03dk", i)} {
			if n := strings.Count(p.text, m); n != 1 {
				t.Fatalf("text part: %s appears %d times", m, n)
			}
			if n := strings.Count(p.html, m); n != 1 {
				t.Fatalf("html part: %s appears %d times", m, n)
			}
		}
	}
	if s, _ := p.header.Subject(); s != "Reading window: 200 messages from 37 patients" {
		t.Errorf("Subject = %q", s)
	}
	if !strings.Contains(p.text, "200 messages from 37 senders.") {
		t.Error("counts missing from the text part")
	}
}

func TestGroupingAndOrder(t *testing.T) {
	o := testOptions()
	d := func(h int) time.Time { return o.Window.Add(time.Duration(-h) * time.Hour) }
	entries := []Entry{ // input order is scrambled on purpose
		{FromName: "Bea", From: "bea@example.org", Subject: "B2", Received: d(5)},
		{FromName: "Ana", From: "ana@example.org", Subject: "A2", Received: d(2)},
		{FromName: "Bea", From: "BEA@example.org", Subject: "B1", Received: d(30)},
		{FromName: "Ana", From: "ana@example.org", Subject: "A1", Received: d(20)},
		{FromName: "Cyd", From: "cy@example.org", Subject: "C1", Received: d(25)},
		{FromName: "Ana", From: "ana@example.org", Subject: "A3", Received: d(1)},
	}
	raw, err := Build(o, entries)
	if err != nil {
		t.Fatal(err)
	}
	p := parseDigest(t, raw)
	// Bea's oldest (30h) < Cy (25h) < Ana (20h); inside a group oldest first.
	want := []string{"Bea", "B1", "B2", "Cyd", "C1", "Ana", "A1", "A2", "A3"}
	for name, body := range map[string]string{"text": p.text, "html": p.html} {
		pos := -1
		for _, w := range want {
			marker := ">" + w + "<"
			switch {
			case name == "text" && len(w) == 2:
				marker = "* " + w + "\n"
			case name == "text":
				marker = "\n" + w + " <"
			}
			i := strings.Index(body, marker)
			if i < 0 || i < pos {
				t.Fatalf("%s part: %q at %d, after previous at %d\n%s", name, marker, i, pos, body)
			}
			pos = i
		}
	}
	if n := strings.Count(p.text, "\nBea <"); n != 1 {
		t.Errorf("sender differing only in case gave %d groups", n)
	}
	if !strings.Contains(p.text, "6 messages from 3 senders.") {
		t.Errorf("counts: %s", p.text)
	}
}

func TestEntryDetails(t *testing.T) {
	o := testOptions()
	entries := []Entry{{
		FromName: "Ana", From: "ana@example.org", Subject: "report",
		Received:    time.Date(2026, 3, 3, 13, 5, 0, 0, time.UTC), // 14:05 in Paris
		Snippet:     "first line\n\n\nsecond line\nthird\nfourth\nfifth is too many",
		Attachments: []classify.Attachment{{Filename: "scan.pdf", Size: 1_234_567}, {MediaType: "image/png", Size: -1}},
		NearMiss:    []string{"suicide-intent (negated)"},
		Error:       "part 2: unknown charset",
	}}
	raw, err := Build(o, entries)
	if err != nil {
		t.Fatal(err)
	}
	p := parseDigest(t, raw)
	for _, want := range []string{"Tue 3 Mar, 14:05", "first line", "fourth …", "scan.pdf (1.2 MB)", "(unnamed) image/png",
		"suicide-intent (negated)", "could not be read", "unknown charset", "Boundary/Held"} {
		if !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
			t.Errorf("%q missing from a part\n%s", want, p.text)
		}
	}
	if strings.Contains(p.text, "fifth") {
		t.Error("snippet not cut to four lines")
	}
	// The near-miss is announced before the first group.
	if i, j := strings.Index(p.text, "CHECK THESE FIRST"), strings.Index(p.text, "Ana <ana@example.org>"); i < 0 || i > j {
		t.Errorf("near-miss section not at the top: %d vs %d", i, j)
	}
	if i, j := strings.Index(p.html, "Check these first"), strings.Index(p.html, ">report<"); i < 0 || i > j {
		t.Errorf("html near-miss section not at the top: %d vs %d", i, j)
	}
}

func TestLanguages(t *testing.T) {
	entries := []Entry{
		{FromName: "Ana", From: "ana@example.org", Subject: "x", Received: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
			Attachments: []classify.Attachment{{Filename: "a.pdf", Size: 2_500_000}}},
		{FromName: "Bo", From: "bo@example.org", Subject: "y"},
	}
	cases := []struct {
		lang, subject string
		tag           string // Content-Language and <html lang>
		released      bool
		want          []string
	}{
		{"en", "Reading window: 2 messages from 2 patients", "en", true,
			[]string{"Reading window", "Tuesday 3 March at 18:00", "2 messages from 2 senders.", "back in your inbox", "Sun 1 Mar, 09:00", "2.5 MB", "date unknown"}},
		{"fr", "Fenêtre de lecture : 2 messages de 2 patients", "fr", false,
			[]string{"Fenêtre de lecture", "mardi 3 mars à 18h00", "2 messages de 2 expéditeurs.", "restent dans le dossier « Boundary/Held »", "dim. 1er mars, 09h00", "2,5 Mo", "date inconnue", "Pièces jointes"}},
		{"FR-fr", "Fenêtre de lecture : 2 messages de 2 patients", "fr", false, []string{"Fenêtre de lecture"}},
		{"FR_be", "Fenêtre de lecture : 2 messages de 2 patients", "fr", false, []string{"mardi 3 mars à 18h00"}},
		{"", "Reading window: 2 messages from 2 patients", "en", false, []string{"stay in the folder “Boundary/Held”"}},
		{"french", "Reading window: 2 messages from 2 patients", "en", false, []string{"Tuesday 3 March at 18:00"}},
	}
	for _, c := range cases {
		o := testOptions()
		o.Lang, o.Released = c.lang, c.released
		raw, err := Build(o, entries)
		if err != nil {
			t.Fatal(err)
		}
		p := parseDigest(t, raw)
		if s, _ := p.header.Subject(); s != c.subject {
			t.Errorf("%s: Subject = %q, want %q", c.lang, s, c.subject)
		}
		for _, w := range c.want {
			if !strings.Contains(p.text, w) {
				t.Errorf("%s: text part lacks %q", c.lang, w)
			}
		}
		if want := `lang="` + c.tag + `"`; !strings.Contains(p.html, want) {
			t.Errorf("%s: html lacks %s", c.lang, want)
		}
		if got := p.header.Get("Content-Language"); got != c.tag {
			t.Errorf("%s: Content-Language = %q, want %q", c.lang, got, c.tag)
		}
	}
}

func TestYearShownWhenNotCurrent(t *testing.T) {
	w := wordsFor("en")
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if got := w.when(time.Date(2025, 12, 30, 10, 0, 0, 0, time.UTC), time.UTC, now); got != "Tue 30 Dec 2025, 10:00" {
		t.Errorf("when = %q", got)
	}
}

func TestSizes(t *testing.T) {
	en, fr := wordsFor("en"), wordsFor("fr")
	for n, want := range map[int64]string{-1: "", 0: "0 B", 999: "999 B", 1000: "1.0 KB", 15_400: "15 KB", 52_428_800: "52 MB"} {
		if got := en.size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
	if got := fr.size(1_500_000); got != "1,5 Mo" {
		t.Errorf("fr size = %q", got)
	}
}
