package main

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// msgIDToken extracts the generated token from a Message-ID.
var msgIDToken = regexp.MustCompile(`^<?(b\d{6})\.`)

// pollInterval is how often the poller looks at the server: the resolution
// of every "action seen" time (plus one round trip).
const pollInterval = 20 * time.Millisecond

// poller watches one user's mailbox over its own IMAP connection, read-only,
// and notes when each message first appears in it (want == nil) or first
// carries \Flagged: the one way to time imapfilter's actions, used for
// boundaryd too so both are measured alike.
type poller struct {
	c       *imapclient.Client
	mailbox string
	flagged bool
	seen    *arrivals
	known   map[imap.UID]bool
}

func newPoller(addr, user, mailbox string, flagged bool) (*poller, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, fmt.Errorf("poller dial: %w", err)
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("poller login: %w", err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("poller examine %s: %w", mailbox, err)
	}
	return &poller{c: c, mailbox: mailbox, flagged: flagged, seen: newArrivals(), known: map[imap.UID]bool{}}, nil
}

// run polls until ctx ends.
func (p *poller) run(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	defer p.c.Close()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := p.once(); err != nil {
			return
		}
	}
}

func (p *poller) once() error {
	// NOOP makes Dovecot sync the view at once (IDLE's 0.5 s delay does not
	// apply), so SEARCH sees the current state.
	if err := p.c.Noop().Wait(); err != nil {
		return err
	}
	crit := &imap.SearchCriteria{}
	if p.flagged {
		crit.Flag = []imap.Flag{imap.FlagFlagged}
	}
	data, err := p.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return err
	}
	now := time.Now()
	var fresh imap.UIDSet
	for _, uid := range data.AllUIDs() {
		if !p.known[uid] {
			p.known[uid] = true
			fresh.AddNum(uid)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	msgs, err := p.c.Fetch(fresh, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Envelope == nil {
			continue
		}
		if t := msgIDToken.FindStringSubmatch(m.Envelope.MessageID); t != nil {
			p.seen.record(t[1], now)
		}
	}
	return nil
}

// idleFloor measures Dovecot's own IDLE notification delay: a bare client
// IDLEs on INBOX, a message is saved with doveadm, and the time to the
// EXISTS that announces it is noted. One message at a time, nobody else on
// the mailbox, so the n-th EXISTS is the n-th message.
func idleFloor(ctx context.Context, dc *dovecot, user string, g *mailGen, n int, gap func() time.Duration) ([]time.Duration, error) {
	exists := make(chan uint32, 64)
	c, err := imapclient.DialInsecure(dc.addr(), &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(m *imapclient.UnilateralDataMailbox) {
				if m.NumMessages != nil {
					// Never block the reader goroutine.
					select {
					case exists <- *m.NumMessages:
					default:
					}
				}
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("idle floor dial: %w", err)
	}
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return nil, fmt.Errorf("idle floor login: %w", err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		return nil, err
	}
	count := sel.NumMessages
	idle, err := c.Idle()
	if err != nil {
		return nil, err
	}
	defer func() { _ = idle.Close(); _ = idle.Wait() }()
	var out []time.Duration
	for i := range n {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(gap()):
		}
		m := g.generate(mailSpec{Seq: g.nextSeq(), FR: i%2 == 1, TextBytes: 2000})
		if err := dc.save(ctx, user, m.Raw); err != nil {
			return out, err
		}
		delivered := time.Now()
		count++
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case got := <-exists:
				if got >= count {
					out = append(out, time.Since(delivered))
					break wait
				}
			case <-timeout:
				return out, fmt.Errorf("idle floor: no EXISTS %d within 10 s", count)
			}
		}
	}
	return out, nil
}
