package classify

import (
	"io"

	"github.com/boundaryd/boundaryd/classify/mailtext"
)

// The mail -> text stage lives in package mailtext; these names keep the classifier's API in one place.
type (
	// Message is what classification needs from an e-mail (see mailtext.Message).
	Message = mailtext.Message
	// Attachment is a non-text part, named but never read.
	Attachment = mailtext.Attachment
	// Part is one MIME leaf as an IMAP server describes it (see mailtext.Part).
	Part = mailtext.Part
)

// Parse reads a whole RFC 5322 message; it never fails (see mailtext.Parse).
func Parse(r io.Reader) *Message { return mailtext.Parse(r) }

// Assemble builds a Message from a partial IMAP fetch (see mailtext.Assemble).
func Assemble(header []byte, parts []Part) *Message { return mailtext.Assemble(header, parts) }

const defaultMaxTextBytes = mailtext.DefaultMaxText

func parseLimited(r io.Reader, maxText int) *Message { return mailtext.ParseLimited(r, maxText) }

func segmentLines(text string) []uint8 { return mailtext.Segments(text) }

func htmlToText(data []byte) string { return mailtext.HTMLText(data) }
