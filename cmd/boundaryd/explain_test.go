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

	// An announced act in a long ordinary mail: the imminent line in the text, the field in the JSON, and the
	// model's best window.
	announced := "From: a@patients.example\r\nSubject: About Tuesday\r\n\r\nHello,\r\n\r\nI have decided to end my life tonight. " +
		strings.Repeat("Thank you for our session on Monday, it helped me think about my mother. Could you send me the invoice for last month? ", 6) +
		"\r\n\r\nBest regards,\r\nEmma\r\n"
	code, out, _ = cli(t, announced, "explain", "-")
	if code != 0 || !strings.Contains(out, "level:    page") || !strings.Contains(out, "imminent:") || !strings.Contains(out, "best window") {
		t.Errorf("text explain should show the announced act and the best window:\n%s", out)
	}
	code, out, _ = cli(t, announced, "explain", "--json", "-")
	var obj struct {
		Level    string
		Imminent bool
		Model    struct {
			Local    float64
			WindowAt float64 `json:"window_at"`
			ShortAt  float64 `json:"short_at"`
		}
	}
	if err := json.Unmarshal([]byte(out), &obj); code != 0 || err != nil || obj.Level != "page" || !obj.Imminent ||
		obj.Model.Local == 0 || obj.Model.WindowAt == 0 || obj.Model.ShortAt == 0 {
		t.Errorf("explain --json: %+v (%v):\n%s", obj, err, out)
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
