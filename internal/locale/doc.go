// Package locale owns the languages boundaryd writes in and the way each one writes dates and times. It is
// the one place that parses a language tag ("fr", "fr-CA", "FR_be"), names weekdays and months, and formats a
// moment for the digest, the acknowledgement and the alert, so that all three say "mardi 2 décembre à 18h00"
// the same way. Each package keeps its own sentences; the words they share live here.
//
// Which language a patient's message is written in is another question, answered by classify.
package locale
