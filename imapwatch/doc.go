// Package imapwatch runs the IMAP side of boundaryd: it logs in, watches the
// inbox (IDLE, or polling where the server lacks it), fetches only what
// classification needs, and moves, flags or appends messages without ever
// losing one. It decides nothing about the messages themselves.
//
// Every command is bounded by Options.CommandTimeout: go-imap's client has no
// timeouts of its own, so a watchdog closes the connection when a command
// stalls, which releases the waiting call with ErrTimeout.
//
// The server is not trusted either. Every byte it sends counts against a
// read budget set when each command starts (budget.go), sized from what was
// asked: partial ranges for headers and text parts, the message count for a
// SEARCH, the message size for a BODYSTRUCTURE. One byte past it closes the
// connection with ErrTooMuchData, so a huge literal, an endless line or a
// flood costs megabytes, not the process. go-imap is vendored in
// third_party/go-imap with its BODYSTRUCTURE recursion depth-limited (a deep
// one overflowed the stack). Either way the session ends with a clear error
// and Run reconnects with backoff. FuzzSession plays the server.
package imapwatch
