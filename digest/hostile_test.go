package digest

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/boundaryd/boundaryd/classify"
)

// hostile are entries a patient (or a spammer posing as one) fully controls.
var hostile = []Entry{
	{FromName: "Mallory", From: "m@example.org", Subject: "<script>alert(1)</script>"},
	{FromName: "<b onmouseover=alert(1)>Bold</b>", From: "b@example.org", Subject: "html body",
		Snippet: `<img src=x onerror=alert(1)><a href="javascript:alert(1)">click</a><style>body{display:none}</style>` +
			"\n<iframe src=\"https://evil.example/\"></iframe>\n</div></div><script src=https://evil.example/x.js></script>"},
	{FromName: "Eve\r\nBcc: victim@example.org", From: "eve@example.org\r\nBcc: victim2@example.org",
		Subject: "hi\r\nBcc: victim3@example.org\r\n\r\n<script>x</script>", Snippet: "a\r\n.\r\nBcc: v4@example.org"},
	{FromName: "Long", From: "long@example.org", Subject: strings.Repeat("A very long subject ", 500)}, // 10,000 chars
	{FromName: "Bin\xff\xfe", From: "bin@example.org", Subject: "caf\xe9 \xc3\x28 \xed\xa0\x80 ok", Snippet: "\x00\x01\x1b[31mred\xff"},
	{FromName: "Rtl", From: "rtl@example.org", Subject: "invoice \u202egnp.exe", Snippet: "zero\u200bwidth\u2028line"},
	{FromName: "Att", From: "att@example.org", Subject: "files",
		Attachments: []classify.Attachment{{Filename: `"><script>alert(1)</script>.pdf`, MediaType: "text/html\r\nX-Evil: 1", Size: 12}},
		NearMiss:    []string{"<script>alert('near')</script>"}, Error: "<img src=x onerror=alert(2)>"},
	{FromName: "", From: "", Subject: "", Snippet: strings.Repeat("x", 100_000)},
}

func TestHostileEntriesStayInert(t *testing.T) {
	o := testOptions()
	benign, err := Build(o, []Entry{{FromName: "Ana", From: "ana@example.org", Subject: "hello"}})
	if err != nil {
		t.Fatal(err)
	}
	wantFields := len(headerLines(benign))
	for i, e := range hostile {
		raw, err := Build(o, []Entry{e})
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		checkInert(t, raw, wantFields)
	}
	// All together, and the French words too.
	o.Lang = "fr"
	raw, err := Build(o, hostile)
	if err != nil {
		t.Fatal(err)
	}
	p := checkInert(t, raw, wantFields)
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "\uFFFD"} {
		if !strings.Contains(p.html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.ContainsAny(p.text+p.html, "\u202e\u200b\u2028\x00\x1b") {
		t.Error("control, zero-width or bidi override characters reached the digest")
	}
	if len(p.html) > 40_000 || len(p.text) > 20_000 {
		t.Errorf("hostile sizes not bounded: html %d, text %d bytes", len(p.html), len(p.text))
	}
	long := clean(hostile[3].Subject, maxSubjectRunes)
	if !strings.HasSuffix(long, "…") || !strings.Contains(p.text, "* "+long+"\n") || !strings.Contains(p.html, ">"+long+"<") {
		t.Errorf("10,000-char subject not shown truncated to %d runes", maxSubjectRunes)
	}
}

// checkInert decodes raw and checks that nothing patient-controlled escaped into structure: header fields
// unchanged in number, no Bcc, subject bounded, and an HTML part made only of the digest's own tags.
func checkInert(t *testing.T, raw []byte, wantFields int) parsed {
	t.Helper()
	p := parseDigest(t, raw)
	fields := headerLines(raw)
	if len(fields) != wantFields {
		t.Fatalf("header has %d fields, want %d:\n%s", len(fields), wantFields, strings.Join(fields, "\n"))
	}
	for _, f := range fields {
		name, _, _ := strings.Cut(f, ":")
		switch strings.ToLower(name) {
		case "bcc", "cc", "x-evil", "reply-to":
			t.Fatalf("injected header field %q", f)
		}
		if strings.EqualFold(name, "Subject") && len(f) > 300 {
			t.Fatalf("subject field %d bytes", len(f))
		}
	}
	for _, part := range []string{p.text, p.html} {
		for _, l := range strings.Split(part, "\n") {
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(l)), "bcc:") {
				t.Fatalf("a body line starts with Bcc: %q", l)
			}
		}
	}
	if strings.Contains(strings.ToLower(p.html), "<script") {
		t.Fatal("html part contains <script")
	}
	checkHTMLStructure(t, p.html)
	return p
}

// checkHTMLStructure tokenizes the HTML part as a browser would and accepts only the tags and attributes the
// template writes; links may only point inside the message.
func checkHTMLStructure(t *testing.T, doc string) {
	t.Helper()
	allowedTags := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "body": true, "div": true,
		"h1": true, "p": true, "a": true, "span": true, "br": true}
	allowedAttrs := map[string]bool{"lang": true, "charset": true, "name": true, "content": true, "style": true,
		"id": true, "href": true}
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.EndTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !allowedTags[tok.Data] {
			t.Fatalf("unexpected tag <%s> in the html part", tok.Data)
		}
		for _, a := range tok.Attr {
			if !allowedAttrs[a.Key] {
				t.Fatalf("unexpected attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "#m") {
				t.Fatalf("link outside the message: %q", a.Val)
			}
			if a.Key == "style" && (strings.Contains(a.Val, "url(") || strings.Contains(a.Val, "expression")) {
				t.Fatalf("style with remote content: %q", a.Val)
			}
		}
	}
}

func FuzzBuild(f *testing.F) {
	for _, e := range hostile {
		var fn string
		if len(e.Attachments) > 0 {
			fn = e.Attachments[0].Filename
		}
		var nm string
		if len(e.NearMiss) > 0 {
			nm = e.NearMiss[0]
		}
		f.Add(e.FromName, e.From, e.Subject, e.Snippet, nm, fn, e.Error, int64(1772550000), "en")
	}
	f.Add("Zoé", "zoe@example.fr", "Re: séance", "ligne 1\nligne 2", "", "", "", int64(0), "fr")
	o := testOptions()
	benign, err := Build(o, []Entry{{From: "a@example.org"}})
	if err != nil {
		f.Fatal(err)
	}
	wantFields := len(headerLines(benign))
	f.Fuzz(func(t *testing.T, name, from, subject, snippet, nearMiss, filename, errText string, unix int64, lang string) {
		o := testOptions()
		o.Lang = lang
		e := Entry{FromName: name, From: from, Subject: subject, Snippet: snippet, Error: errText,
			Received: time.Unix(unix%(1<<40), 0)}
		if nearMiss != "" {
			e.NearMiss = []string{nearMiss}
		}
		if filename != "" {
			e.Attachments = []classify.Attachment{{Filename: filename, Size: unix}}
		}
		raw, err := Build(o, []Entry{e, {From: from, Subject: name}})
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		checkInert(t, raw, wantFields)
	})
}
