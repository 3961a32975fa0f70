// Package classify turns a raw e-mail into text, routes its sender (allowed, patient, other) and decides whether
// it is an emergency with a phrase/regex rule engine that understands negation, quoted history, signatures,
// idioms, past events and topic talk in English and French.
//
// The flow is Parse (or Assemble, for a partial IMAP fetch) -> Classifier.Classify -> Result. A Classifier is
// built once by New from Options (compiling every rule) and is safe for concurrent use.
package classify
