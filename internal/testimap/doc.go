// Package testimap starts IMAP servers for tests: go-imap's in-memory server,
// a real Dovecot in a temporary directory, and faulty network peers (a TCP
// proxy that cuts connections, a server that greets and then goes silent).
//
// Every server binds 127.0.0.1 on a free port and is stopped by t.Cleanup.
package testimap
