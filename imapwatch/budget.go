package imapwatch

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// ErrTooMuchData means the server sent more than the command in progress
// can legitimately need (a huge literal, an endless line, a flood); the
// connection has been closed. A server that does this is broken or hostile:
// the session ends and Run reconnects with backoff.
var ErrTooMuchData = errors.New("imap server sent more data than the command allows")

// Read budgets: every byte the server sends counts against the budget of the
// command in progress (set when the command starts), unsolicited data and
// IDLE news included. Each is far above what an honest answer needs and far
// below what would hurt the daemon.
const (
	// defaultReadBudget covers any command's answer and the unsolicited
	// news (EXISTS, EXPUNGE, FETCH FLAGS) that arrive while it runs or
	// during one IDLE.
	defaultReadBudget = 1 << 20
	// searchBytesPerMessage is the most one message adds to a SEARCH
	// answer: ten digits and a space.
	searchBytesPerMessage = 11
	// flagsBytesPerMessage covers one message's flags, dates and sizes.
	flagsBytesPerMessage = 4 << 10
	// minStructureBytes, maxStructureBytes and structureGroupBytes bound
	// BODYSTRUCTURE answers (see structureAllowance): parsed, a structure
	// costs up to some 15 times its bytes.
	minStructureBytes   = 8 << 10
	maxStructureBytes   = 2 << 20
	structureGroupBytes = 3 << 20
	// perUIDBytes is what one message adds to the answer to a command on
	// it: "* 4294967295 EXPUNGE", its share of a COPYUID, a FETCH FLAGS.
	perUIDBytes = 128
	// sectionOverhead is the framing of one fetched section: the item
	// name, section spec, partial origin, literal announcement.
	sectionOverhead = 512
	// maxSearchBytes caps a SEARCH answer: the UIDs of 1.5 million
	// messages. Parsed, scattered UIDs cost some 4 times their bytes.
	maxSearchBytes = 16 << 20
	// maxReadBudget caps every budget, whatever sizes the server claims.
	maxReadBudget = 64 << 20
)

// budgetConn is the connection under TLS and go-imap: it fails the
// connection as soon as the server sends one byte past the current budget.
type budgetConn struct {
	net.Conn

	mu    sync.Mutex
	what  string // the command the budget belongs to
	limit int64
	left  int64
	err   error // set once the budget was exceeded; every later read fails with it
}

func newBudgetConn(c net.Conn) *budgetConn {
	return &budgetConn{Conn: c, what: "imap greeting", limit: defaultReadBudget, left: defaultReadBudget}
}

// Read reads at most the bytes left in the budget, and one more when none
// is left: a byte past the budget is how an overrun shows, while a read
// that merely waits (go-imap's reader always has one pending) is fine.
func (c *budgetConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, err
	}
	allow := max(c.left, 1)
	c.mu.Unlock()
	if int64(len(p)) > allow {
		p = p[:allow]
	}
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if int64(n) > c.left {
		c.err = &overBudgetError{what: c.what, limit: c.limit}
		_ = c.Conn.Close()
		return 0, c.err
	}
	c.left -= int64(n)
	return n, err
}

// reset gives the command what a fresh budget of n bytes (capped at
// maxReadBudget). Once exceeded, the connection stays failed.
func (c *budgetConn) reset(what string, n int64) {
	n = min(max(n, defaultReadBudget), maxReadBudget)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.what, c.limit, c.left = what, n, n
	}
}

// exceeded returns the overrun error, or nil while the budget held.
func (c *budgetConn) exceeded() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

type overBudgetError struct {
	what  string
	limit int64
}

func (e *overBudgetError) Error() string {
	return fmt.Sprintf("%v: over %s in answer to %s", ErrTooMuchData, formatBytes(e.limit), e.what)
}

func (e *overBudgetError) Unwrap() error { return ErrTooMuchData }

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitReads sets the read budget of the command what, which is about to
// be sent. guard gives every command defaultReadBudget; commands whose
// answers grow with the mailbox or the messages call this inside guard.
func (s *Session) limitReads(what string, n int64) {
	if s.budget != nil {
		s.budget.reset(what, n)
	}
}

// readFailure returns why reads failed when it was the budget, else nil.
func (s *Session) readFailure() error {
	if s.budget == nil {
		return nil
	}
	return s.budget.exceeded()
}

// closedErr explains a connection found closed while waiting (IDLE, poll):
// the budget's error when that is why, else the server's doing.
func (s *Session) closedErr(what string) error {
	if err := s.readFailure(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w (server closed the connection)", what, ErrClosed)
}

// perUIDBudget bounds the answer to a command on n messages (MOVE, COPY,
// EXPUNGE, a SEARCH among them): per message an EXPUNGE or FETCH line, its
// share of a COPYUID.
func perUIDBudget(n int) int64 {
	return defaultReadBudget + perUIDBytes*int64(n)
}

// searchBudget bounds a SEARCH answer in the selected mailbox, whose size
// grows with the number of messages (as the server counts them: capped).
func (s *Session) searchBudget() int64 {
	return min(defaultReadBudget+searchBytesPerMessage*int64(s.Selected().NumMessages), maxSearchBytes)
}

// maxErrorText bounds the text of an error from the IMAP library: it can
// quote the server (a NO's text, a byte it did not expect) and nests one
// "in body-type-mpart:" per level of a structure it gave up on.
const maxErrorText = 400

// brief keeps err (errors.Is and As see through it) with its text cut to
// its start and end when longer than maxErrorText.
func brief(err error) error {
	if err == nil || len(err.Error()) <= maxErrorText {
		return err
	}
	return briefError{err}
}

type briefError struct{ err error }

func (e briefError) Error() string {
	t := e.err.Error()
	return strings.ToValidUTF8(t[:maxErrorText/2], "") + " … " + strings.ToValidUTF8(t[len(t)-maxErrorText/2:], "")
}

func (e briefError) Unwrap() error { return e.err }
