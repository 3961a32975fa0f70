package imapwatch

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestBudgetConnFailsOneBytePastTheBudget(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := newBudgetConn(client)
	defer c.Close()
	c.reset("imap noop", defaultReadBudget)
	go func() {
		// The budget, then one byte more.
		_, _ = server.Write(bytes.Repeat([]byte("a"), defaultReadBudget))
		_, _ = server.Write([]byte("b"))
	}()
	got, err := io.ReadAll(io.LimitReader(c, defaultReadBudget))
	if err != nil || len(got) != defaultReadBudget {
		t.Fatalf("within the budget: %d bytes, %v", len(got), err)
	}
	n, err := c.Read(make([]byte, 10))
	if n != 0 || !errors.Is(err, ErrTooMuchData) {
		t.Fatalf("past the budget: %d bytes, %v; want ErrTooMuchData", n, err)
	}
	if !strings.Contains(err.Error(), "imap noop") || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("error %q does not say which command and which budget", err)
	}
	// Failed for good: a new budget does not revive it.
	c.reset("imap select", defaultReadBudget)
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, ErrTooMuchData) {
		t.Errorf("after reset: %v", err)
	}
}

func TestBudgetConnResetGivesAFreshBudget(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := newBudgetConn(client)
	defer c.Close()
	chunk := bytes.Repeat([]byte("a"), defaultReadBudget*3/4)
	for i := range 3 {
		c.reset("imap noop", defaultReadBudget)
		go func() { _, _ = server.Write(chunk) }()
		if _, err := io.ReadFull(c, make([]byte, len(chunk))); err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	// A budget spent to its last byte, then a read that only waits: no
	// failure until a byte arrives.
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a waiting read returned %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	c.reset("imap select", defaultReadBudget)
	_, _ = server.Write([]byte("x"))
	if err := <-done; err != nil {
		t.Fatalf("byte of the next command: %v", err)
	}
}

func TestBriefKeepsTheErrorAndCutsItsText(t *testing.T) {
	long := errors.New(strings.Repeat("in body-type-mpart: ", 1000) + "imapwire: exceeded max depth")
	wrapped := errors.Join(ErrTooMuchData, long)
	b := brief(wrapped)
	if len(b.Error()) > maxErrorText+10 || !strings.HasSuffix(b.Error(), "exceeded max depth") {
		t.Errorf("brief text (%d bytes): %q", len(b.Error()), b.Error())
	}
	if !errors.Is(b, ErrTooMuchData) {
		t.Error("brief hides the error's identity")
	}
	if short := errors.New("short"); brief(short) != short {
		t.Error("a short error is changed")
	}
}

// A release of many held messages is answered by one EXPUNGE per message:
// the MOVE's budget grows with the messages moved, so an honest answer of
// 1.3 MB does not end the session.
func TestMoveBudgetGrowsWithTheMessages(t *testing.T) {
	const n = 100000
	srv := startScripted(t, n, nil)
	ctx := testCtx(t, 30*time.Second)
	s, err := Dial(ctx, srv.options(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Select(ctx, "Held"); err != nil {
		t.Fatal(err)
	}
	uids := make([]uint32, n)
	for i := range uids {
		uids[i] = uint32(i + 1)
	}
	if err := s.MoveBack(ctx, "Held", "INBOX", uids); err != nil {
		t.Fatalf("MoveBack of %d messages: %v", n, err)
	}
}
