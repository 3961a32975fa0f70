package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/boundaryd/boundaryd/autoreply"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/schedule"
	"github.com/boundaryd/boundaryd/store"
)

// The safety net (pages side). A page is recorded in the store in the same
// transaction as its first alert; it waits for an acknowledgement: the
// therapist reads the message (\Seen, from any client), removes its flag,
// moves or deletes it, or follows the page's acknowledgement link. Until
// then, every emergency.repeat_after it is sent again (repeat 1..repeat) to
// the primary channels, then once to the backup channels; during a pause,
// the pause's cover channels get every page too. Each repeat is queued in
// the same transaction that advances the page's next repeat, and the
// outbox refuses a second copy of an alert key (#rN): a crash anywhere
// repeats once, never twice.
//
// The acknowledgement is read where the daemon already looks: the inbox
// pass (sync) fetches the open pages' flags on every wake, and the page
// timer wakes the IMAP loop at the next repeat time (imapwatch's Wake).

// ackGrace is how long the page timer waits for the inbox pass to check the
// flags before it sends what is due without them (the IMAP link is down:
// a page must not wait for the server to come back).
const ackGrace = 30 * time.Second

// safetyNet is the daemon's page and concern state outside the store: the
// signals between the inbox pass and the timers.
type safetyNet struct {
	// wake tells the IMAP loop to run a pass now (imapwatch Options.Wake).
	wake chan struct{}
	// changed tells the page timer to look at its next time again.
	changed chan struct{}
	// checked tells the page timer that a pass checked the pages.
	checked chan struct{}
	// reviews are the emergency.review times.
	reviews *schedule.Windows
	// recheck belongs to the inbox pass (verifyFlags).
	recheck recheck
}

func newSafetyNet() *safetyNet {
	return &safetyNet{wake: make(chan struct{}, 1), changed: make(chan struct{}, 1), checked: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// newToken returns 128 random bits in hex: a page's acknowledgement token.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("acknowledgement token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// pageGroups are the groups a page goes to now: primary (or backup) plus
// the cover of every pause in force.
func (d *Daemon) pageGroups(now time.Time, base notify.Group) []notify.Group {
	groups := []notify.Group{base}
	today := schedule.DateOf(now, d.windows.Location())
	for i, p := range d.windows.Pauses() {
		if p.Contains(today) {
			groups = append(groups, notify.CoverGroup(i))
		}
	}
	return groups
}

// perSenderCap is the hourly cap of one sender's pages: half the channel's
// (rounded up), so that one sender's storm never uses up the hour and a
// second sender is still paged.
func perSenderCap(max int) int { return (max + 1) / 2 }

// queuePage decides, inside the batch's transaction, what an escalated
// message's page is: folded into an open page of the same sender within
// group_wait, counted beyond the hourly cap (one summary page later), or a
// new page, recorded and queued. The message is flagged whatever the
// decision. It reports whether an alert was queued.
func (d *Daemon) queuePage(tx *store.Tx, it *item, now time.Time) (bool, error) {
	e := d.cfg.Emergency
	sender := autoreply.MailboxKey(it.alert.FromAddr)
	if _, ok, err := tx.Page(it.rec.ID); err != nil || ok {
		// Re-handled after a crash: the page exists, its alert is queued.
		return false, err
	}
	if prev, ok, err := tx.Handled(it.rec.ID); err != nil {
		return false, err
	} else if ok && prev.InFlight && prev.Action == store.ActionEscalated {
		// Re-handled after a crash: written in the transaction that
		// folded or counted it, so folding it again would count it twice.
		return false, nil
	}
	if gw := e.GroupWait.D(); gw > 0 {
		// Only folding needs the other pages (reading and decoding them all, per page, was most of a
		// backlog's serial time when folding is off).
		pages, err := tx.Pages()
		if err != nil {
			return false, err
		}
		for _, p := range slices.Backward(pages) {
			if p.Open() && p.Sender == sender && now.Sub(p.FirstSent) < gw {
				p.Folded++
				return false, tx.PutPage(p)
			}
		}
	}
	budget, err := tx.PageBudget()
	if err != nil {
		return false, err
	}
	budget.Sent = slices.DeleteFunc(budget.Sent, func(b store.BudgetEntry) bool { return now.Sub(b.At) >= time.Hour })
	if max := e.MaxPagesPerHour; max > 0 {
		mine := 0
		for _, b := range budget.Sent {
			if b.Sender == sender {
				mine++
			}
		}
		if len(budget.Sent) >= max || mine >= perSenderCap(max) {
			if budget.Over == 0 {
				budget.OverSince = now
				if budget.OverAlert, err = json.Marshal(*it.alert); err != nil {
					return false, fmt.Errorf("encoding the page: %w", err)
				}
			}
			budget.Over++
			d.log.Warn("page cap reached: message flagged, counted for the summary page", "max_pages_per_hour", max, "over", budget.Over)
			return false, tx.SetPageBudget(budget)
		}
	}
	token, err := newToken()
	if err != nil {
		return false, err
	}
	it.alert.ActionURL = d.cfg.ActionURL("ack", token) // also on its repeats
	raw, err := json.Marshal(*it.alert)
	if err != nil {
		return false, fmt.Errorf("encoding the page: %w", err)
	}
	if _, err := d.disp.EnqueueTx(tx, *it.alert, d.pageGroups(now, notify.GroupPrimary)...); err != nil {
		return false, err
	}
	budget.Sent = append(budget.Sent, store.BudgetEntry{At: now, Sender: sender})
	if err := tx.SetPageBudget(budget); err != nil {
		return false, err
	}
	p := store.Page{
		Key: it.rec.ID, Token: token, MessageID: it.alert.MessageID, Mailbox: it.rec.Mailbox,
		UIDValidity: it.rec.UIDValidity, UID: it.rec.UID, Sender: sender, FirstSent: now,
		NextRepeat: now.Add(e.RepeatAfter.D()), Alert: raw,
	}
	return true, tx.PutPage(p)
}

// pageAlert is the page's first alert, for its repeats.
func pageAlert(p store.Page) (notify.Alert, error) {
	var a notify.Alert
	if err := json.Unmarshal(p.Alert, &a); err != nil {
		return a, fmt.Errorf("page %s: %w", p.Key, err)
	}
	return a, nil
}

// nextPageAction is when the page timer must act next (zero: nothing to
// do): a repeat, a grouped page at group_wait's end, a summary page when
// the hour's cap frees up.
func (d *Daemon) nextPageAction() (time.Time, error) {
	var next time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	err := d.st.View(func(tx *store.Tx) error {
		pages, err := tx.OpenPages()
		if err != nil {
			return err
		}
		for _, p := range pages {
			earliest(p.NextRepeat)
			if p.Folded > p.FoldedSent {
				earliest(p.FirstSent.Add(d.cfg.Emergency.GroupWait.D()))
			}
		}
		b, err := tx.PageBudget()
		if err != nil {
			return err
		}
		if b.Over > 0 {
			earliest(d.summaryAt(b))
		}
		return nil
	})
	return next, err
}

// summaryAt is when the summary of the pages over the cap goes out: when
// the hour that hit the cap is over (an hour after its oldest page), so at
// most one summary an hour.
func (d *Daemon) summaryAt(b store.PageBudget) time.Time {
	if len(b.Sent) == 0 {
		return b.OverSince
	}
	return b.Sent[0].At.Add(time.Hour)
}

// checkPages reads the open pages' flags in the inbox (one UID FETCH
// FLAGS) and records the acknowledgements: read (\Seen), unflagged (after
// having been seen flagged) or gone (moved, deleted). Then it sends what is
// due. It runs in the inbox pass, with the inbox selected.
func (d *Daemon) checkPages(ctx context.Context, s *imapwatch.Session) error {
	sel := s.Selected()
	var open []store.Page
	if err := d.st.View(func(tx *store.Tx) error {
		pages, err := tx.OpenPages()
		for _, p := range pages {
			if p.Mailbox == sel.Name && p.UIDValidity == sel.UIDValidity {
				open = append(open, p)
			}
		}
		return err
	}); err != nil {
		return imapwatch.Permanent(fmt.Errorf("reading state: %w", err))
	}
	if len(open) > 0 {
		uids := make([]uint32, len(open))
		for i, p := range open {
			uids[i] = p.UID
		}
		flags, err := s.Flags(ctx, uids)
		if err != nil {
			return err
		}
		now := d.clock.Now()
		var acked []store.Page
		if err := d.locked(func() error {
			acked = acked[:0]
			return d.st.Update(func(tx *store.Tx) error {
				for _, p := range open {
					cur, ok, err := tx.Page(p.Key)
					if err != nil || !ok || !cur.Open() {
						if err != nil {
							return err
						}
						continue
					}
					how := ackFromFlags(&cur, flags[p.UID], flagsKnown(flags, p.UID))
					if how != "" {
						cur.AckedAt, cur.AckedBy, cur.NextRepeat = now, how, time.Time{}
						d.pageAcked(tx, cur)
						acked = append(acked, cur)
					}
					if err := tx.PutPage(cur); err != nil {
						return err
					}
				}
				return nil
			})
		}); err != nil {
			return imapwatch.Permanent(fmt.Errorf("writing state: %w", err))
		}
		d.afterAcks(acked)
	}
	signal(d.net.checked)
	if err := d.sendDue(); err != nil {
		return imapwatch.Permanent(err)
	}
	return nil
}

func flagsKnown(m map[uint32][]string, uid uint32) bool {
	_, ok := m[uid]
	return ok
}

// ackFromFlags says how the flags acknowledge a page ("" when they do
// not), and notes that the message was seen flagged.
func ackFromFlags(p *store.Page, flags []string, present bool) string {
	switch {
	case !present:
		return AckMoved
	case slices.Contains(flags, string(imap.FlagSeen)):
		return AckRead
	case slices.Contains(flags, string(imap.FlagFlagged)):
		p.SeenFlagged = true
	case p.SeenFlagged:
		return AckUnflagged
	}
	return ""
}

// How a page was acknowledged (history, metrics).
const (
	AckRead      = "read"
	AckUnflagged = "unflagged"
	AckMoved     = "moved"
	AckLink      = "link"
)

// afterAcks reports committed acknowledgements to the hook.
func (d *Daemon) afterAcks(acked []store.Page) {
	if d.opts.OnPageAcknowledged == nil {
		return
	}
	for _, p := range acked {
		d.opts.OnPageAcknowledged(p)
	}
}

// pageAcked notes an acknowledgement: log, audit, metrics.
func (d *Daemon) pageAcked(tx *store.Tx, p store.Page) {
	d.log.Info("page acknowledged", "how", p.AckedBy, "after", p.AckedAt.Sub(p.FirstSent).Round(time.Second), "repeats", p.Repeats)
	if _, err := tx.AppendAudit(store.AuditEntry{Time: p.AckedAt, Kind: store.AuditPage, Key: p.Key + "#ack", Sender: p.Sender, Verdict: "acknowledged:" + p.AckedBy, Count: p.Repeats}); err != nil {
		d.log.Error("recording an acknowledgement in the history", "err", err)
	}
	if m := d.opts.Metrics; m != nil {
		m.PageAcknowledged(p.AckedBy)
	}
}

// sendDue queues, in one transaction per decision with the page's new
// state, what is due now: grouped pages at group_wait's end, repeats, the
// backup page, the summary page of the hour's cap.
func (d *Daemon) sendDue() error {
	now := d.clock.Now()
	e := d.cfg.Emergency
	queued := false
	err := d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) error {
			pages, err := tx.OpenPages()
			if err != nil {
				return err
			}
			for _, p := range pages {
				a, err := pageAlert(p)
				if err != nil {
					return err
				}
				changed := false
				if p.Folded > p.FoldedSent && !now.Before(p.FirstSent.Add(e.GroupWait.D())) {
					g := a
					g.Key, g.Count = p.Key+"#g", p.Folded+1
					if _, err := d.disp.EnqueueTx(tx, g, d.pageGroups(now, notify.GroupPrimary)...); err != nil {
						return err
					}
					p.FoldedSent, changed, queued = p.Folded, true, true
					d.log.Warn("grouped page queued", "messages", g.Count)
					d.folded(tx, p, now, g.Count)
				}
				if !p.NextRepeat.IsZero() && !now.Before(p.NextRepeat) {
					a.Count = p.Folded + 1
					if p.Repeats < e.Repeat {
						p.Repeats++
						a.Repeat = p.Repeats
						if _, err := d.disp.EnqueueTx(tx, a, d.pageGroups(now, notify.GroupPrimary)...); err != nil {
							return err
						}
						p.NextRepeat = now.Add(e.RepeatAfter.D())
						d.log.Warn("page not acknowledged; sent again", "repeat", p.Repeats, "of", e.Repeat)
						d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditPage, Key: p.Key + fmt.Sprintf("#r%d", p.Repeats), Sender: p.Sender, Verdict: "repeated", Count: p.Repeats})
						if m := d.opts.Metrics; m != nil {
							m.PageRepeated()
						}
					} else {
						a.Repeat = p.Repeats + 1
						if _, err := d.disp.EnqueueTx(tx, a, d.pageGroups(now, notify.GroupBackup)...); err != nil {
							return err
						}
						p.Backup, p.NextRepeat = true, time.Time{}
						if backup := d.disp.Targets(notify.LevelPage, notify.GroupBackup); len(backup) > 0 {
							d.log.Warn("page still not acknowledged after its repeats; backup channels told", "repeats", p.Repeats, "backup", backup)
						} else {
							d.log.Warn("page still not acknowledged after its repeats; no backup channel configured", "repeats", p.Repeats)
						}
						d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditPage, Key: p.Key + "#backup", Sender: p.Sender, Verdict: "backup", Count: p.Repeats})
						if m := d.opts.Metrics; m != nil {
							m.PageToBackup()
						}
					}
					changed, queued = true, true
				}
				if changed {
					if err := tx.PutPage(p); err != nil {
						return err
					}
				}
			}
			ok, err := d.summaryDue(tx, now)
			queued = queued || ok
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("queueing repeats: %w", err)
	}
	if queued {
		d.disp.Kick()
	}
	signal(d.net.changed)
	return nil
}

// summaryDue queues the summary page of the messages over the hour's cap
// once the budget has room: "and N more flagged in your inbox".
func (d *Daemon) summaryDue(tx *store.Tx, now time.Time) (bool, error) {
	b, err := tx.PageBudget()
	if err != nil || b.Over == 0 {
		return false, err
	}
	b.Sent = slices.DeleteFunc(b.Sent, func(e store.BudgetEntry) bool { return now.Sub(e.At) >= time.Hour })
	if at := d.summaryAt(b); now.Before(at) {
		return false, nil
	}
	// The first message over the cap, and how many more.
	a := notify.Alert{Mailbox: d.cfg.IMAP.Inbox, Lang: string(d.cfg.Language), Received: b.OverSince}
	if len(b.OverAlert) > 0 {
		if err := json.Unmarshal(b.OverAlert, &a); err != nil {
			return false, fmt.Errorf("the summary page: %w", err)
		}
	}
	a.Key, a.More, a.Count = fmt.Sprintf("summary#%d", now.UnixNano()), b.Over-1, 1
	if _, err := d.disp.EnqueueTx(tx, a, d.pageGroups(now, notify.GroupPrimary)...); err != nil {
		return false, err
	}
	d.log.Warn("summary page queued", "more_flagged", b.Over)
	d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditPage, Key: a.Key + "#audit", Verdict: "summary", Count: b.Over})
	if m := d.opts.Metrics; m != nil {
		m.PagesFolded(b.Over)
	}
	b.Sent = append(b.Sent, store.BudgetEntry{At: now})
	b.Over, b.OverSince, b.OverAlert = 0, time.Time{}, nil
	return true, tx.SetPageBudget(b)
}

func (d *Daemon) folded(tx *store.Tx, p store.Page, now time.Time, count int) {
	d.audit(tx, store.AuditEntry{Time: now, Kind: store.AuditPage, Key: p.Key + "#grouped", Sender: p.Sender, Verdict: "grouped", Count: count})
	if m := d.opts.Metrics; m != nil {
		m.PagesFolded(count - 1)
	}
}

func (d *Daemon) audit(tx *store.Tx, e store.AuditEntry) {
	if _, err := tx.AppendAudit(e); err != nil {
		d.log.Error("recording in the history", "err", err)
	}
}

// pageTimer wakes the inbox pass at the next page action; when no pass
// comes within ackGrace (the IMAP link is down), it sends what is due
// itself: a page never waits for the mail server.
func (d *Daemon) pageTimer(ctx context.Context) {
	for ctx.Err() == nil {
		next, err := d.nextPageAction()
		if err != nil {
			d.log.Error("reading pages", "err", err)
		}
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-d.net.changed:
				cancel()
			case <-wctx.Done():
			}
		}()
		err = clock.WaitUntil(wctx, d.clock, next)
		cancel()
		if err != nil || next.IsZero() {
			continue
		}
		// Forget a check from before the deadline, then ask for one.
		select {
		case <-d.net.checked:
		default:
		}
		signal(d.net.wake)
		gctx, gcancel := context.WithCancel(ctx)
		result := make(chan bool, 1)
		go func() {
			select {
			case <-d.net.checked:
				gcancel()
				result <- true
			case <-gctx.Done():
				result <- false
			}
		}()
		_ = clock.Sleep(gctx, d.clock, ackGrace)
		gcancel()
		checked := <-result
		if ctx.Err() != nil {
			return
		}
		if !checked {
			d.log.Warn("the inbox could not be checked for acknowledgements; sending what is due")
			if err := d.sendDue(); err != nil {
				d.log.Error("sending due pages", "err", err)
			}
		}
	}
}

// safetyNetRetention is how long finished pages and noticed concerns are
// kept (their history lines stay for the audit retention).
const safetyNetRetention = 30 * 24 * time.Hour

// pruneSafetyNet removes pages and concerns finished long ago.
func (d *Daemon) pruneSafetyNet() {
	cutoff := d.clock.Now().Add(-safetyNetRetention)
	var n int
	err := d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) (err error) {
			n, err = tx.PruneSafetyNet(cutoff)
			return err
		})
	})
	if err != nil {
		d.log.Error("pruning pages and concerns failed; retrying tomorrow", "err", err)
	} else if n > 0 {
		d.log.Info("pruned finished pages and concerns", "count", n)
	}
}

// recheckPasses is for how many inbox passes an escalated message's flag
// is read back.
const recheckPasses = 20

// verifyFlags reads back the flags of the escalated messages of the last
// recheckPasses passes (one UID FETCH FLAGS) and flags again any that lost
// \Flagged. On Dovecot 2.3 maildir, while another process delivers to the
// inbox, about one STORE in 250 to 500 was seen to be lost (the message
// unflagged afterwards, over IMAP too), and not always at once; every
// escalated message must stay flagged whatever its page became (grouped,
// capped). It runs in the inbox pass, which imapwatch calls from one
// goroutine.
func (d *Daemon) verifyFlags(ctx context.Context, s *imapwatch.Session, items []*item) error {
	sel := s.Selected()
	r := &d.net.recheck
	if r.session != s || r.validity != sel.UIDValidity {
		*r = recheck{session: s, validity: sel.UIDValidity, uids: map[uint32]int{}}
	}
	r.pass++
	for _, it := range items {
		if it.rec.Action == store.ActionEscalated {
			r.uids[it.f.UID] = r.pass
		}
	}
	var uids []uint32
	for uid, pass := range r.uids {
		if r.pass-pass >= recheckPasses {
			delete(r.uids, uid)
			continue
		}
		uids = append(uids, uid)
	}
	if len(uids) == 0 {
		return nil
	}
	slices.Sort(uids)
	flags, err := s.Flags(ctx, uids)
	if err != nil {
		return err
	}
	for _, uid := range uids {
		fl, present := flags[uid]
		if !present {
			delete(r.uids, uid) // moved or deleted: the therapist's doing
			continue
		}
		if slices.Contains(fl, string(imap.FlagFlagged)) || slices.Contains(fl, string(imap.FlagSeen)) {
			continue // flagged, or read (and perhaps unflagged) by the therapist
		}
		d.log.Warn("an escalated message lost its flag; flagging it again", "uid", uid)
		if err := s.Flag(ctx, uid, true); err != nil && !isServerRefusal(err) {
			return err
		}
	}
	return nil
}

// recheck is the escalated messages whose flag verifyFlags reads back: UID
// to the pass that escalated it, for one session and UIDVALIDITY.
type recheck struct {
	session  *imapwatch.Session
	validity uint32
	pass     int
	uids     map[uint32]int
}
