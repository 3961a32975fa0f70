package classify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseClassify feeds raw bytes through Parse and Classify: no panic, a patient always gets escalate or
// hold, and the text kept stays within the cap. Seeds live in testdata/fuzz/FuzzParseClassify.
func FuzzParseClassify(f *testing.F) {
	f.Add([]byte("From: a@b.example\r\nSubject: hi\r\n\r\nI want to die"))
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/html\r\n\r\n<blockquote>je veux mourir</blockquote>\r\n--X--"))
	f.Add([]byte("no colon\r\n\r\n\x00\xff"))
	c, err := New(Options{Patients: []string{"*"}, Builtin: []string{"en", "fr"}, MaxTextBytes: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := parseLimited(strings.NewReader(string(raw)), 64<<10)
		if len(m.Body) > 64<<10+64 {
			t.Fatalf("body of %d bytes over the cap", len(m.Body))
		}
		r := c.Classify(m)
		if r.Verdict != VerdictEscalate && r.Verdict != VerdictHold {
			t.Fatalf("patient got %q", r.Verdict)
		}
		if (r.Level == LevelPage) != (r.Verdict == VerdictEscalate) || r.Level == "" {
			t.Fatalf("level %q with verdict %q", r.Level, r.Verdict)
		}
		for _, f := range r.Frames {
			if len(f.Evidence) == 0 {
				t.Fatalf("frame %s fired without evidence", f.Frame)
			}
		}
		for _, mt := range r.Matches {
			if !utf8.ValidString(mt.Excerpt) || !utf8.ValidString(mt.Words) {
				t.Fatalf("invalid UTF-8 in %+v", mt)
			}
		}
	})
}

// FuzzEngine compiles a random phrase as a user rule and runs it, with the context lexicons, over random text.
func FuzzEngine(f *testing.F) {
	f.Add("I don't want to live anymore, mais je n'en peux plus", "(i|we) [really] want* ~3 die")
	f.Add("j'ai pris 40 cachets... ne pas ne pas", "pris # [de] ~2 cachets")
	f.Add("kiiiiill myyyself", "kill* ... self")
	f.Fuzz(func(t *testing.T, text, phrase string) {
		if len(text) > 1<<16 {
			return
		}
		spec := RuleSpec{Name: "fuzz", Phrases: []string{phrase}}
		if CheckPhrase(phrase) != nil {
			spec.Phrases = nil
			spec.Regex = []string{`\bpills?\b`}
		}
		c, err := New(Options{Patients: []string{"*"}, Rules: []RuleSpec{spec}})
		if err != nil {
			t.Fatalf("phrase %q passed CheckPhrase but New failed: %v", phrase, err)
		}
		r := c.Classify(&Message{From: "a@b.example", Subject: text[:len(text)/4], Body: text})
		if r.Verdict != VerdictEscalate && r.Verdict != VerdictHold {
			t.Fatalf("patient got %q", r.Verdict)
		}
	})
}
