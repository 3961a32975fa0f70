package testimap

import (
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Message is one message as stored on a test server.
type Message struct {
	UID          uint32
	Flags        []string
	InternalDate time.Time
	Raw          []byte
}

// HasFlag reports whether the message carries flag (case-insensitive for
// system flags is not needed: servers return them canonically).
func (m Message) HasFlag(flag string) bool {
	for _, f := range m.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// listMessages reads a mailbox over IMAP with EXAMINE (read-only) and
// BODY.PEEK[], so looking at the mailbox changes neither \Seen nor \Recent.
func listMessages(addr, user, password, mailbox string) ([]Message, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	// A deadline bounds the whole listing: test servers are local and small.
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine %q: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		_ = c.Logout().Wait()
		return nil, nil
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	bufs, err := c.Fetch(all, &imap.FetchOptions{
		UID:          true,
		Flags:        true,
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", mailbox, err)
	}
	out := make([]Message, 0, len(bufs))
	for _, b := range bufs {
		m := Message{UID: uint32(b.UID), InternalDate: b.InternalDate}
		for _, f := range b.Flags {
			m.Flags = append(m.Flags, string(f))
		}
		for _, s := range b.BodySection {
			m.Raw = s.Bytes
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	_ = c.Logout().Wait()
	return out, nil
}
