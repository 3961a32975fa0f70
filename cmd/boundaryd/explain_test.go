package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplainLevel: every explain --json object carries a level that agrees with its verdict (page with
// escalate, concern or none otherwise), and the text form shows the level and, for a page decided by a frame,
// the frame and its concepts.
func TestExplainLevel(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	code, out, errOut := cli(t, "", append([]string{"explain", "--json"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for i, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var obj struct {
			Verdict, Level string
			Frames         []struct{ Frame, Level string }
			Concepts       []struct{ Concept, Words string }
		}
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		switch {
		case obj.Level == "page" && obj.Verdict != "escalate", obj.Level != "page" && obj.Verdict == "escalate":
			t.Errorf("%s: level %q with verdict %q", files[i], obj.Level, obj.Verdict)
		case obj.Level != "page" && obj.Level != "concern" && obj.Level != "none":
			t.Errorf("%s: level %q", files[i], obj.Level)
		}
		if obj.Frames == nil || obj.Concepts == nil {
			t.Errorf("%s: frames and concepts must be lists, even empty", files[i])
		}
	}

	frameMail := "From: a@patients.example\r\nSubject: sorted\r\n\r\nI wrote letters to my sisters and the cat goes to Ana. " +
		"I feel strangely peaceful. Thank you for everything.\r\n"
	code, out, _ = cli(t, frameMail, "explain", "-")
	if code != 0 || !strings.Contains(out, "level:    page") || !strings.Contains(out, "frame:") ||
		!strings.Contains(out, "finality.letter") {
		t.Errorf("text explain should show the level, the frame and its concepts:\n%s", out)
	}
}

// TestRulesDumpLexicons: rules --dump prints the rule sets, the concept lexicons and the frames; --set picks one.
func TestRulesDumpLexicons(t *testing.T) {
	code, out, _ := cli(t, "", "rules", "--dump")
	for _, want := range []string{`# built-in set "en"`, `# built-in concept lexicon "fr"`, "# built-in evidence frames", "name: means.firearm"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("rules --dump lacks %q (exit %d)", want, code)
		}
	}
	code, out, _ = cli(t, "", "rules", "--dump", "--set", "frames")
	if code != 0 || !strings.Contains(out, "name: plan-means-time") || strings.Contains(out, `# built-in set "en"`) {
		t.Errorf("rules --dump --set frames: exit %d\n%.300s", code, out)
	}
}

// TestExplainWritesNoTerminalControls: a display name carrying ESC and CR
// (RFC 2047 lets a sender put any byte there) reaches the terminal as
// plain spaces, never as a control sequence or a forged line.
func TestExplainWritesNoTerminalControls(t *testing.T) {
	msg := "From: =?utf-8?q?Ana=1B]0;pwned=07=1B[2J=0D=0Averdict:__PASS?= <ana@example.org>\r\n" +
		"Message-ID: <x\x1b[31m@y>\r\nTo: dr@example.org\r\nSubject: hi\r\n\r\nhello\r\n"
	code, out, errOut := cli(t, msg, "explain", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "\x1b\r\x07") {
		t.Errorf("explain wrote control characters: %q", out)
	}
	if strings.Contains(out, "\nverdict:") {
		t.Errorf("a display name forged a line of the explanation:\n%s", out)
	}
}
