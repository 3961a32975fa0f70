// Package autoreply builds the acknowledgement a patient receives when a message is held (RFC 3834): Decide
// says whether a message may be answered at all (never lists, bounces, robots, the therapist, or another
// boundaryd), and Build renders the reply from the configured templates.
//
// The once-per-sender throttle is not here: it needs durable state and lives in the store.
package autoreply
