package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/testimap"
)

const (
	benignBody    = "Bonjour, je voulais vous dire que la semaine s'est mieux passée. À mardi."
	emergencyBody = "I can't do this anymore. I have decided to kill myself tonight, I have the pills ready."
)

// servers returns the IMAP servers a behaviour is checked against: the
// in-memory server always, Dovecot when installed (required in CI).
func servers(t *testing.T, mem testimap.MemOptions, dove testimap.DovecotOptions) map[string]func(t *testing.T) deliverer {
	return map[string]func(t *testing.T) deliverer{
		"memserver": func(t *testing.T) deliverer {
			mem.Mailboxes = append(mem.Mailboxes, "Held")
			return memServer{testimap.StartMem(t, mem)}
		},
		"dovecot": func(t *testing.T) deliverer {
			testimap.SkipWithoutDovecot(t)
			return doveServer{testimap.StartDovecot(t, dove)}
		},
	}
}

// checkCore delivers a benign patient message, an emergency and an allowed
// sender's message, and checks where each ends up, byte-identical, unseen,
// and that the alert reached both channels within the time limit.
func checkCore(t *testing.T, srv deliverer, o envOpts, within time.Duration) {
	e := startEnv(t, srv, o)
	e.waitReady()

	benign := newMail("Ana Martin <ana@patients.example>", "Nouvelles de la semaine", benignBody)
	urgent := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
	allowed := newMail("Partner <partner@example.org>", "dinner", "I could kill for a pizza tonight")

	start := time.Now()
	srv.deliver("INBOX", benign)
	srv.deliver("INBOX", urgent)
	srv.deliver("INBOX", allowed)

	select {
	case m := <-e.smtp.C:
		if !strings.Contains(string(m.Data), "X-Boundary-Kind: alert") || !strings.Contains(string(m.Data), "bob@patients.example") {
			t.Errorf("alert mail lacks kind or sender:\n%s", m.Data)
		}
		if strings.Contains(string(m.Data), "pills") {
			t.Errorf("alert carries message content without include_excerpt:\n%s", m.Data)
		}
		t.Logf("SMTP alert accepted %v after delivery", time.Since(start).Round(time.Millisecond))
	case <-time.After(within):
		t.Fatalf("no SMTP alert within %s\n%s", within, e.logs.String())
	}
	select {
	case b := <-e.hook.C:
		if b["kind"] != "emergency" || b["from"] != "bob@patients.example" {
			t.Errorf("webhook body: %v", b)
		}
		if _, ok := b["excerpt"]; ok {
			t.Errorf("webhook carries an excerpt without include_excerpt: %v", b)
		}
		t.Logf("webhook alert accepted %v after delivery", time.Since(start).Round(time.Millisecond))
	case <-time.After(within):
		t.Fatalf("no webhook alert within %s", within)
	}
	e.waitHandled(3)
	if d := time.Since(start); d > within {
		t.Errorf("handling took %v, more than %v", d, within)
	}

	held := srv.Messages("Held")
	inbox := srv.Messages("INBOX")
	if m, ok := find(held, benign); !ok {
		t.Errorf("benign patient mail not in the hold folder byte-identical")
	} else if m.HasFlag(`\Seen`) {
		t.Errorf("held mail marked \\Seen")
	}
	if _, ok := find(inbox, benign); ok {
		t.Errorf("benign mail still in the inbox")
	}
	if m, ok := find(inbox, urgent); !ok {
		t.Errorf("emergency not in the inbox byte-identical")
	} else {
		if !m.HasFlag(`\Flagged`) {
			t.Errorf("emergency not flagged: %v", m.Flags)
		}
		if m.HasFlag(`\Seen`) {
			t.Errorf("emergency marked \\Seen")
		}
	}
	if m, ok := find(inbox, allowed); !ok || len(m.Flags) != 0 {
		t.Errorf("allowed sender's mail touched: present=%v flags=%v", ok, m.Flags)
	}
	if len(held) != 1 {
		t.Errorf("hold folder has %d messages, want 1", len(held))
	}
	// Nothing sent twice.
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d SMTP alerts, want 1", n)
	}
}

func TestHoldEscalatePass(t *testing.T) {
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) { checkCore(t, mk(t), envOpts{}, 2*time.Second+dovecotSlack(name)) })
	}
}

func TestWithoutMove(t *testing.T) {
	mem := testimap.MemOptions{Caps: testimap.CapsRev1}
	dove := testimap.DovecotOptions{ImapCapability: "IMAP4rev1 IDLE UIDPLUS"}
	for name, mk := range servers(t, mem, dove) {
		t.Run(name, func(t *testing.T) { checkCore(t, mk(t), envOpts{}, 2*time.Second+dovecotSlack(name)) })
	}
}

func TestWithoutIdle(t *testing.T) {
	mem := testimap.MemOptions{NoIdle: true}
	dove := testimap.DovecotOptions{ImapCapability: "IMAP4rev1 MOVE UIDPLUS"}
	poll := time.Second
	for name, mk := range servers(t, mem, dove) {
		t.Run(name, func(t *testing.T) {
			checkCore(t, mk(t), envOpts{pollInterval: poll}, poll+2*time.Second+dovecotSlack(name))
		})
	}
}

// dovecotSlack adds Dovecot's own IDLE notification delay (~0.5 s, its
// mailbox_idle_check_interval and inotify batching) to the budget.
func dovecotSlack(name string) time.Duration {
	if name == "dovecot" {
		return 500 * time.Millisecond
	}
	return 0
}

func TestCopyRefusedLeavesMessageInInbox(t *testing.T) {
	srv := memServer{testimap.StartMem(t, testimap.MemOptions{Caps: testimap.CapsRev1, Mailboxes: []string{"Held"}, RefuseCopyTo: []string{"Held"}})}
	e := startEnv(t, srv, envOpts{})
	e.waitReady()
	benign := newMail("Ana <ana@patients.example>", "hello", benignBody)
	srv.deliver("INBOX", benign)
	h := e.waitHandled(1)[0]
	if h.Err == nil {
		t.Errorf("a refused COPY should be reported: %+v", h)
	}
	if _, ok := find(srv.Messages("INBOX"), benign); !ok {
		t.Fatalf("message lost after a refused COPY")
	}
	if n := len(srv.Messages("Held")); n != 0 {
		t.Errorf("hold folder has %d messages", n)
	}
}

func TestBacklog(t *testing.T) {
	for _, backlog := range []string{"new", "all"} {
		t.Run(backlog, func(t *testing.T) {
			mem := testimap.StartMem(t, testimap.MemOptions{Mailboxes: []string{"Held"}})
			srv := memServer{mem}
			old := newMail("Old <old@patients.example>", "before", benignBody)
			srv.deliver("INBOX", old)
			e := startEnv(t, srv, envOpts{backlog: backlog})
			e.waitReady()
			fresh := newMail("New <new@patients.example>", "after", benignBody)
			srv.deliver("INBOX", fresh)
			if backlog == "all" {
				e.waitHandled(2)
			} else {
				e.waitHandled(1)
			}
			_, oldInInbox := find(srv.Messages("INBOX"), old)
			if backlog == "new" && !oldInInbox {
				t.Errorf("backlog new: existing mail was touched")
			}
			if backlog == "all" && oldInInbox {
				t.Errorf("backlog all: existing mail was not held")
			}
			if _, ok := find(srv.Messages("Held"), fresh); !ok {
				t.Errorf("new mail not held")
			}
		})
	}
}
