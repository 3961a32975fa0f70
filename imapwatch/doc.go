// Package imapwatch runs the IMAP side of boundaryd: it logs in, watches the
// inbox (IDLE, or polling where the server lacks it), fetches only what
// classification needs, and moves, flags or appends messages without ever
// losing one. It decides nothing about the messages themselves.
//
// Every command is bounded by Options.CommandTimeout: go-imap's client has no
// timeouts of its own, so a watchdog closes the connection when a command
// stalls, which releases the waiting call with ErrTimeout.
package imapwatch
