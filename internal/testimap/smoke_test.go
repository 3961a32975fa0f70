package testimap

import (
	"testing"
)

func TestDovecotSmoke(t *testing.T) {
	d := StartDovecot(t, DovecotOptions{})
	d.Deliver("INBOX", []byte("From: a@b\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nhello\r\n"))
	d.CreateMailbox("Boundary/Held")
	msgs := d.Messages("INBOX")
	if len(msgs) != 1 || string(msgs[0].Raw) != "From: a@b\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nhello\r\n" {
		t.Fatalf("messages: %+v", msgs)
	}
	t.Logf("flags %v", msgs[0].Flags)
	d.Stop()
	d.Start()
	if got := len(d.Messages("INBOX")); got != 1 {
		t.Fatalf("after restart: %d", got)
	}
	d.SetUIDValidity("INBOX", 42)
}

func TestMemSmoke(t *testing.T) {
	m := StartMem(t, MemOptions{NoIdle: true})
	m.Deliver("INBOX", []byte("From: a@b\r\n\r\nhello\r\n"))
	if got := len(m.Messages("INBOX")); got != 1 {
		t.Fatalf("got %d", got)
	}
}
