package daemon

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"time"

	"github.com/boundaryd/boundaryd/autoreply"
	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/health"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/store"
)

// The safety net (concern side). A held message whose level is concern
// stays held and is recorded; at the next emergency.review time (cron in
// reading_windows.timezone) one early-look notice per sender goes to the
// channels that take the concern level: who wrote, when, which rules (the
// excerpt only with include_excerpt), never the content. The therapist who
// wants to read them at that moment opens the hold folder (the notice says
// where to look; moved back by hand, a message is never held again), or
// POSTs to /release/<token> on the health server, which moves that notice's
// messages back to the inbox (the token is the notice's, 128 random bits,
// kept in the concern records; the notice text cannot carry the link until
// the endpoint has a configured public address), or runs
// `boundaryd digest --now`, which releases everything held.

// queueConcern records a held message's concern in the batch's transaction.
func (d *Daemon) queueConcern(tx *store.Tx, it *item, now time.Time) error {
	if _, ok, err := tx.Concern(it.rec.ID); err != nil || ok {
		return err
	}
	c := store.Concern{
		Key: it.rec.ID, MessageID: it.msg.MessageID, Sender: autoreply.MailboxKey(it.res.From),
		FromName: it.res.FromName, FromAddr: it.res.From, Received: receivedAt(it.f, it.msg),
		Rules: concernRules(it), Recorded: now,
	}
	if d.cfg.Emergency.IncludeExcerpt {
		switch {
		case len(it.res.Matches) > 0:
			c.Excerpt = it.res.Matches[0].Excerpt
		case len(it.res.Suppressed) > 0:
			c.Excerpt = it.res.Suppressed[0].Excerpt
		}
	}
	d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditConcern, Key: c.Key + "#concern", Sender: c.FromAddr, Verdict: "concern", Rules: c.Rules})
	return tx.PutConcern(c)
}

// concernRules names why a message is a concern: the rules that matched,
// then the near-misses (rule and reason).
func concernRules(it *item) []string {
	out := slices.Clone(it.h.Rules)
	for _, s := range it.res.Suppressed {
		if !s.Reason.Concern() {
			continue
		}
		if r := s.Rule + " (" + string(s.Reason) + ")"; !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// reviewLoop queues the early-look notices at each review time after
// since (each one, even when the clock jumped past several).
func (d *Daemon) reviewLoop(ctx context.Context, since time.Time) {
	if d.net.reviews == nil {
		return
	}
	for last := since; ; {
		next := d.net.reviews.Next(last)
		if err := clock.WaitUntil(ctx, d.clock, next); err != nil {
			return
		}
		last = next
		n, err := d.ReviewConcerns(next)
		if err != nil {
			d.log.Error("early-look notices not queued", "err", err)
		} else if n > 0 {
			d.log.Info("early-look notices queued", "notices", n)
		}
		if d.opts.OnReview != nil {
			d.opts.OnReview(next, n)
		}
	}
}

// ReviewConcerns queues one early-look notice per sender for the concerns
// recorded up to at and not yet noticed, and returns how many it queued.
func (d *Daemon) ReviewConcerns(at time.Time) (int, error) {
	queued := 0
	err := d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) error {
			cs, err := tx.Concerns()
			if err != nil {
				return err
			}
			bySender := map[string][]store.Concern{}
			var order []string
			for _, c := range cs {
				if !c.NoticeAt.IsZero() || c.Recorded.After(at) {
					continue
				}
				if _, ok := bySender[c.Sender]; !ok {
					order = append(order, c.Sender)
				}
				bySender[c.Sender] = append(bySender[c.Sender], c)
			}
			for _, s := range order {
				group := bySender[s]
				token, err := newToken()
				if err != nil {
					return err
				}
				first := group[0]
				a := notify.Alert{
					Key: "concern:" + first.Key, MessageID: first.MessageID, FromName: first.FromName, FromAddr: first.FromAddr,
					Received: first.Received, Mailbox: d.cfg.IMAP.HoldFolder, Lang: string(d.cfg.Language),
					Kind: notify.KindConcern, Level: notify.LevelConcern, Count: len(group), Excerpt: first.Excerpt,
					ActionURL: d.cfg.ActionURL("release", token),
				}
				for _, c := range group {
					for _, r := range c.Rules {
						if !slices.Contains(a.Rules, r) {
							a.Rules = append(a.Rules, r)
						}
					}
				}
				if _, err := d.disp.EnqueueTx(tx, a, d.pageGroups(at, notify.GroupPrimary)...); err != nil {
					return err
				}
				now := d.clock.Now()
				for _, c := range group {
					c.NoticeAt, c.Token = now, token
					if err := tx.PutConcern(c); err != nil {
						return err
					}
				}
				d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditConcern, Key: a.Key + "#notice", Sender: first.FromAddr, Verdict: "noticed", Rules: a.Rules, Count: len(group)})
				if m := d.opts.Metrics; m != nil {
					m.ConcernNotice()
				}
				queued++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("queueing early-look notices: %w", err)
	}
	if queued > 0 {
		d.disp.Kick()
	}
	return queued, nil
}

// ErrUnknownToken: no page or concern has this token.
var ErrUnknownToken = health.ErrUnknownToken

// ReleaseConcerns moves the held messages of the notice with token back to
// the inbox now (they are never held again) and returns how many it moved.
func (d *Daemon) ReleaseConcerns(ctx context.Context, token string) (int, error) {
	if token == "" {
		return 0, ErrUnknownToken
	}
	var group []store.Concern
	if err := d.st.View(func(tx *store.Tx) error {
		cs, err := tx.Concerns()
		for _, c := range cs {
			if subtle.ConstantTimeCompare([]byte(c.Token), []byte(token)) == 1 {
				group = append(group, c)
			}
		}
		return err
	}); err != nil {
		return 0, err
	}
	if len(group) == 0 {
		return 0, ErrUnknownToken
	}
	d.delivering.Lock()
	defer d.delivering.Unlock()
	s, err := imapwatch.Dial(ctx, d.IMAPOptions())
	if err != nil {
		return 0, err
	}
	defer s.Close()
	var held []heldMessage
	for _, c := range group {
		if c.MessageID == "" || !c.ReleasedAt.IsZero() {
			continue
		}
		uids, err := s.FindByMessageID(ctx, d.cfg.IMAP.HoldFolder, "<"+c.MessageID+">")
		if err != nil {
			return 0, err
		}
		for _, u := range uids {
			held = append(held, heldMessage{f: imapwatch.Fetched{UID: u}, id: c.Key})
		}
	}
	if _, err := s.Select(ctx, d.cfg.IMAP.HoldFolder); err != nil {
		return 0, err
	}
	n, err := d.release(ctx, s, held)
	if err != nil {
		return n, err
	}
	now := d.clock.Now()
	err = d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) error {
			for _, c := range group {
				c.ReleasedAt = now
				if err := tx.PutConcern(c); err != nil {
					return err
				}
			}
			d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditConcern, Key: "release#" + token[:8], Verdict: "released-early", Count: n})
			return nil
		})
	})
	return n, err
}

// AcknowledgePage acknowledges the page with token (its link): no more
// repeats, no backup.
func (d *Daemon) AcknowledgePage(token string) error {
	if token == "" {
		return ErrUnknownToken
	}
	found := false
	var acked []store.Page
	err := d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) error {
			pages, err := tx.Pages()
			if err != nil {
				return err
			}
			for _, p := range pages {
				if subtle.ConstantTimeCompare([]byte(p.Token), []byte(token)) != 1 {
					continue
				}
				found = true
				if !p.Open() {
					return nil
				}
				p.AckedAt, p.AckedBy, p.NextRepeat = d.clock.Now(), AckLink, time.Time{}
				d.pageAcked(tx, p)
				acked = []store.Page{p}
				return tx.PutPage(p)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if !found {
		return ErrUnknownToken
	}
	d.afterAcks(acked)
	signal(d.net.changed)
	return nil
}

// queueSafetyNet records, in the batch's transaction, a page for an
// escalated message (pages.go) or a concern for a held one.
func (d *Daemon) queueSafetyNet(tx *store.Tx, it *item) (bool, error) {
	now := d.clock.Now()
	switch {
	case it.alert != nil:
		return d.queuePage(tx, it, now)
	case it.rec.Action == store.ActionHeld && levelOf(it.res) == classify.LevelConcern:
		return false, d.queueConcern(tx, it, now)
	}
	return false, nil
}
