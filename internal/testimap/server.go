package testimap

// Server is what tests need of an IMAP test server, whichever it is: the
// in-memory server (Mem) and Dovecot both provide it, so one test table can
// run against either.
type Server interface {
	Host() string
	Port() int
	User() string
	Password() string
	// Messages lists mailbox as the server has it (failing the test on error).
	Messages(mailbox string) []Message
	// TryMessages is Messages returning its error, for use off the test goroutine.
	TryMessages(mailbox string) ([]Message, error)
	CreateMailbox(name string)
}

var (
	_ Server = (*Mem)(nil)
	_ Server = (*Dovecot)(nil)
)
