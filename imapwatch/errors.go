package imapwatch

import (
	"errors"

	"github.com/emersion/go-imap/v2"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

var (
	// ErrTimeout means a command got no answer within CommandTimeout; the
	// connection has been closed.
	ErrTimeout = errors.New("imap command timed out")
	// ErrAuth means the server refused the credentials (or none could be
	// obtained). Run treats it as fatal on the first login only.
	ErrAuth = errors.New("imap authentication failed")
	// ErrInsecure means plaintext was requested to a host that is not
	// this machine; it is the program's one netpolicy.ErrPlaintext.
	ErrInsecure = netpolicy.ErrPlaintext
	// ErrGone means the message was no longer in the mailbox (already
	// moved or expunged by someone else).
	ErrGone = errors.New("message no longer in mailbox")
	// ErrClosed means the session's connection is closed.
	ErrClosed = errors.New("imap connection closed")
)

// permanentError marks a handler error that must stop Run.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that Run returns it instead of reconnecting.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// responseCode returns the IMAP response code of a NO/BAD error, if any.
func responseCode(err error) imap.ResponseCode {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return ie.Code
	}
	return ""
}

// isNo reports whether err is a tagged NO or BAD from the server (as opposed
// to a network failure).
func isNo(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie)
}
