package classify

import "time"

// Verdict is what the daemon does with a message.
type Verdict string

// Verdicts.
const (
	VerdictEscalate Verdict = "escalate" // alert now; the message stays in the inbox, flagged
	VerdictHold     Verdict = "hold"     // moved to the hold folder until the next reading window
	VerdictPass     Verdict = "pass"     // left alone
)

// Level is how much risk the evidence shows.
type Level string

// Levels.
const (
	LevelPage    Level = "page"    // an emergency: verdict escalate
	LevelConcern Level = "concern" // a risk signal that does not reach a page: verdict hold, an early-look notice
	LevelNone    Level = "none"
)

// Reason says why a rule match or a concept occurrence does not count.
type Reason string

// Suppression reasons.
const (
	ReasonNegated       Reason = "negated"
	ReasonQuoted        Reason = "quoted"
	ReasonSignature     Reason = "signature"
	ReasonIdiom         Reason = "idiom"
	ReasonPast          Reason = "past"
	ReasonResolved      Reason = "resolved"
	ReasonTopic         Reason = "topic"
	ReasonBulk          Reason = "bulk"
	ReasonEnding        Reason = "ending"
	ReasonWeakAlone     Reason = "weak-alone"
	ReasonInformational Reason = "informational" // awareness material, a recovery milestone, therapy homework
)

// Concern reports whether evidence suppressed for this reason is still a
// risk signal about the writer (a concern, and a near-miss in the digest):
// a negation, the past, a story about someone... softened, not gone. Text
// that is not the writer's own words now (quoted, a signature, bulk mail,
// informational material) or an idiom is not. This is the one answer the
// classifier's level, the daemon and the digest share.
func (r Reason) Concern() bool {
	switch r {
	case ReasonQuoted, ReasonSignature, ReasonBulk, ReasonIdiom, ReasonInformational:
		return false
	case ReasonNegated, ReasonPast, ReasonResolved, ReasonTopic, ReasonEnding, ReasonWeakAlone:
		return true
	}
	return true // an unknown reason: err towards an early look
}

// Match is a rule occurrence, or a page-level evidence frame, that counts.
type Match struct {
	Rule     string `json:"rule"`
	Phrase   string `json:"phrase"`  // the rule's phrase (or regex) as written; for a frame, its concepts
	Field    string `json:"field"`   // subject or body
	Excerpt  string `json:"excerpt"` // the words in their surroundings
	Words    string `json:"words"`   // the words that matched, as written in the message
	Category string `json:"category,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// Suppression is a rule occurrence that was found but does not count, with the reason.
type Suppression struct {
	Rule    string `json:"rule"`
	Phrase  string `json:"phrase"`
	Field   string `json:"field"`
	Reason  Reason `json:"reason"`            // negated, quoted, signature, idiom, past, resolved, topic, bulk, ending, weak-alone
	Trigger string `json:"trigger,omitempty"` // the context words that caused it
	Excerpt string `json:"excerpt"`
	Words   string `json:"words"`
}

// Evidence is one concept occurrence: the words, where, and why it does not count when it does not.
type Evidence struct {
	Concept string `json:"concept"`
	Field   string `json:"field"`
	Words   string `json:"words"`
	Reason  Reason `json:"reason,omitempty"`
	Trigger string `json:"trigger,omitempty"`
}

// FrameMatch is an evidence frame that fired, with one piece of evidence per group of concepts it needs.
type FrameMatch struct {
	Frame    string     `json:"frame"`
	Level    Level      `json:"level"`
	Category string     `json:"category,omitempty"`
	Scope    string     `json:"scope"`
	Evidence []Evidence `json:"evidence"`
}

// Result is the classification of one message. The JSON form is the contract's `explain --json` object.
type Result struct {
	File       string        `json:"file"` // set by the caller
	MessageID  string        `json:"message_id"`
	From       string        `json:"from"`
	Sender     string        `json:"sender"`  // allowed, patient, other
	Verdict    Verdict       `json:"verdict"` // escalate, hold, pass
	Level      Level         `json:"level"`   // page, concern, none
	Matches    []Match       `json:"matches"`
	Suppressed []Suppression `json:"suppressed"`
	Frames     []FrameMatch  `json:"frames"`               // the frames that fired, page and concern
	Concepts   []Evidence    `json:"concepts"`             // the risk concepts found, counting or not (roles left out)
	RuleLevel  Level         `json:"rule_level,omitempty"` // the level the rules, frames and context gave alone
	Severe     bool          `json:"severe,omitempty"`     // present-tense severity found: always a page
	Imminent   bool          `json:"imminent,omitempty"`   // an explicit intent with a time that is now or soon, in one sentence: always a page
	Model      *ModelScore   `json:"model,omitempty"`      // the text model's score (absent when it is off)
	Error      string        `json:"error,omitempty"`

	FromName    string       `json:"from_name,omitempty"`
	Subject     string       `json:"subject,omitempty"`
	Date        time.Time    `json:"date,omitzero"`
	Categories  []string     `json:"categories,omitempty"` // of the matches that count
	Snippet     string       `json:"-"`                    // a few lines of the new text, for the digest
	Attachments []Attachment `json:"-"`
}

// maxReported bounds the matches, suppressions, frames and concepts listed per message.
const maxReported = 50
