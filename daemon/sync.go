package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/store"
)

// sync brings the inbox up to date: every message above the high-water mark
// is classified and handled, in UID order, in batches. It is imapwatch's
// handler, so it runs after every (re)connection and every IDLE wake-up.
func (d *Daemon) sync(ctx context.Context, s *imapwatch.Session) error {
	if m := d.opts.Metrics; m != nil {
		m.SessionUp(true)
	}
	inbox := d.cfg.IMAP.Inbox
	if s.Selected().Name != inbox {
		// Everything below reads and moves UIDs of the inbox: never let a
		// search of another folder leave the session elsewhere.
		if _, err := s.SelectInbox(ctx); err != nil {
			return err
		}
	}
	sel := s.Selected()
	validity, hwm, ok, err := d.st.HighWater(inbox)
	if err != nil {
		return imapwatch.Permanent(fmt.Errorf("reading state: %w", err))
	}
	switch {
	case !ok && d.cfg.IMAP.Backlog == "new":
		// First start: what is already there is the therapist's business.
		hwm = 0
		if sel.UIDNext > 0 {
			hwm = sel.UIDNext - 1
		}
		d.log.Info("first start: leaving existing mail alone (backlog: new)", "messages", sel.NumMessages)
		if err := d.st.SetHighWater(inbox, sel.UIDValidity, hwm); err != nil {
			return d.writeFailed(err)
		}
	case !ok:
		d.log.Info("first start: sorting existing mail (backlog: all)", "messages", sel.NumMessages)
		hwm = 0
	case validity != sel.UIDValidity:
		// UIDs mean nothing any more: rescan everything; identities keep
		// what was handled from being handled twice.
		d.log.Warn("inbox UIDVALIDITY changed; rescanning, already handled messages are recognised and skipped",
			"old", validity, "new", sel.UIDValidity)
		hwm = 0
	}
	// Ready once logged in and the starting point is known, not after a
	// long first pass: systemd would time out on a 20,000-message backlog.
	d.ready.Do(func() {
		if d.opts.OnReady != nil {
			d.opts.OnReady()
		}
	})
	if err := d.scan(ctx, s, sel.UIDValidity, hwm); err != nil {
		return err
	}
	if s != d.session {
		// First pass of a new session: settle what a broken connection or
		// a crash left half-done.
		if err := d.reconcile(ctx, s); err != nil {
			return err
		}
		d.session = s
	}
	// Mail that arrived while the pass ran was announced by EXISTS, but a
	// reselect (reconcile, an interrupted copy) discards queued news: one
	// more search makes sure nothing waits for the next IDLE refresh.
	v2, h2, ok2, err := d.st.HighWater(inbox)
	if err != nil {
		return imapwatch.Permanent(fmt.Errorf("reading state: %w", err))
	}
	if ok2 && v2 == sel.UIDValidity {
		hwm = h2
	}
	if err := d.scan(ctx, s, sel.UIDValidity, hwm); err != nil {
		return err
	}
	if err := d.verifyFlags(ctx, s, nil); err != nil {
		return err
	}
	if err := d.checkPages(ctx, s); err != nil {
		return err
	}
	if m := d.opts.Metrics; m != nil {
		if st, err := s.Status(ctx, d.cfg.IMAP.HoldFolder); err == nil {
			m.SetHeld(int(st.NumMessages))
		}
	}
	return nil
}

// scanOnce handles every inbox message above hwm, in batches.
func (d *Daemon) scanOnce(ctx context.Context, s *imapwatch.Session, validity, hwm uint32) error {
	uids, err := s.UIDsAfter(ctx, hwm)
	if err != nil {
		return err
	}
	progress := newProgress(d.log, d.clock, len(uids))
	// The next batch is fetched while this one is classified: the fetch is
	// read-only and the classification needs no connection, so the server
	// and the daemon work at the same time. The session carries one command
	// at a time (each under its own read budget): the prefetch is waited
	// for before this batch is acted on, and always before returning.
	next := d.prefetch(ctx, s, &uids)
	defer func() { next.wait() }()
	for next != nil {
		cur := next
		msgs, err := cur.wait()
		if err != nil {
			d.batch = max(1, d.batch/2)
			return err
		}
		d.batch = min(d.scanBatch(), d.batch*2)
		// What did not fit in the batch's bytes goes back to the queue.
		if cur.covered < len(cur.uids) {
			uids = append(slices.Clip(cur.uids[cur.covered:]), uids...)
			cur.uids = cur.uids[:cur.covered]
		}
		next = d.prefetch(ctx, s, &uids)
		if err := d.handleBatch(ctx, s, msgs, validity, cur.uids[len(cur.uids)-1], func() error {
			_, err := next.wait()
			return err
		}); err != nil {
			if _, ferr := next.wait(); ferr != nil {
				d.batch = max(1, d.batch/2)
			}
			return err
		}
		progress.done(len(cur.uids))
	}
	progress.finish()
	return nil
}

// scanBatch is the most messages of an inbox batch: 4 times BatchSize (a
// release's batch), as every command that changes the mailbox costs the
// server a resync of the whole folder (maildir: a directory scan), so a
// backlog goes faster in fewer, larger batches; batchBytes bounds their
// memory.
func (d *Daemon) scanBatch() int { return 4 * d.opts.BatchSize }

// batchBytes bounds the header and text one batch can hold (judged from the
// messages' sizes before fetching): with the batch being fetched ahead,
// twice this is what a backlog keeps of mail at once, whatever it holds.
const batchBytes = 8 << 20

// fetchAhead is a batch being fetched in the background.
type fetchAhead struct {
	uids    []uint32
	done    chan struct{}
	msgs    []imapwatch.Fetched
	covered int // how many of uids the fetch dealt with
	err     error
}

// prefetch starts fetching the next batch of *uids (and takes it off), or
// returns nil when none is left.
func (d *Daemon) prefetch(ctx context.Context, s *imapwatch.Session, uids *[]uint32) *fetchAhead {
	if len(*uids) == 0 {
		return nil
	}
	n := min(d.batch, len(*uids))
	f := &fetchAhead{uids: (*uids)[:n], done: make(chan struct{})}
	*uids = (*uids)[n:]
	go func() {
		defer close(f.done)
		f.msgs, f.covered, f.err = s.FetchUpTo(ctx, f.uids, batchBytes)
	}()
	return f
}

// wait returns the fetched batch once the fetch is over (nil: nothing).
func (f *fetchAhead) wait() ([]imapwatch.Fetched, error) {
	if f == nil {
		return nil, nil
	}
	<-f.done
	return f.msgs, f.err
}

// Identity names a message across folders and UIDVALIDITY changes: its
// Message-ID plus a hash of its header, which servers keep byte for byte
// when a message is moved or copied.
func Identity(messageID string, header []byte) string {
	sum := sha256.Sum256(header)
	return strings.Trim(messageID, "<> ") + "#" + hex.EncodeToString(sum[:12])
}

// isServerRefusal tells a NO/BAD about one message (the server will refuse
// again: log it and go on) from a broken connection (reconnect and retry).
func isServerRefusal(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) || errors.Is(err, imapwatch.ErrGone)
}

// item is one message of a batch on its way through handleBatch.
type item struct {
	f     imapwatch.Fetched
	msg   *classify.Message
	res   *classify.Result
	rec   store.Record
	audit store.AuditEntry
	h     Handled
	alert *notify.Alert
	// resumeCopy: a COPY-based hold of this message was interrupted; the
	// copy may already be in the hold folder.
	resumeCopy bool
}

// handleBatch deals with one fetched batch in four steps, each step for the
// whole batch at once, so that a backlog costs two state transactions and a
// few IMAP round trips per batch instead of per message, while a crash
// between any two steps still loses nothing:
//  1. classify (no writes);
//  2. one transaction: the alerts into the outbox and an in-flight record
//     for every message about to be acted on;
//  3. act on the server: flag the emergencies, move the rest in one command;
//  4. one transaction: the confirmed records, the audit lines and the new
//     high-water mark.
//
// Met again after a crash, an in-flight record means "act again"; the outbox
// refuses a second copy of an alert; reconcile settles a move that happened
// just before the crash.
//
// Steps 1-2 and step 4 are state decisions, taken under d.mu; step 3, the
// network I/O, is not: a window delivery may release held mail meanwhile.
// It cannot touch this batch's inbox messages, and when it releases one
// this batch has just moved to the hold folder, step 4 keeps that release.
//
// beforeAct, when not nil, runs between steps 2 and 3: scan waits there for
// the fetch of the next batch, which shares the connection with step 3.
// Its error is returned once this batch is complete.
func (d *Daemon) handleBatch(ctx context.Context, s *imapwatch.Session, fs []imapwatch.Fetched, validity, lastUID uint32, beforeAct func() error) error {
	var items []*item
	alerts := false
	var refused error // the state refused the transaction (degraded.go)
	if err := d.locked(func() error {
		var err error
		if items, err = d.decide(s, fs, validity); err != nil {
			return err
		}
		if err := d.st.Update(func(tx *store.Tx) error {
			for _, it := range items {
				queued, err := d.queueSafetyNet(tx, it)
				if err != nil {
					return err
				}
				alerts = alerts || queued
				if it.rec.Action != store.ActionPassed {
					if err := tx.MarkHandled(inFlight(it.rec)); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			refused = fmt.Errorf("queueing alerts: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	if refused != nil {
		return d.unrecorded(ctx, s, items, refused)
	}
	d.stateWritten()
	if alerts {
		d.disp.Kick()
	}
	var prefetchErr error
	if beforeAct != nil {
		prefetchErr = beforeAct()
	}
	if err := d.act(ctx, s, items); err != nil {
		return err
	}
	if err := d.verifyFlags(ctx, s, items); err != nil {
		return err
	}
	if err := d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) error {
			for _, it := range items {
				if err := confirm(tx, it.rec); err != nil {
					return err
				}
				if _, err := tx.AppendAudit(it.audit); err != nil {
					return err
				}
			}
			return tx.SetHighWater(d.cfg.IMAP.Inbox, validity, lastUID)
		})
	}); err != nil {
		return fmt.Errorf("%w: %w", errStateRefused, d.writeFailed(err))
	}
	for _, it := range items {
		d.after(ctx, it)
	}
	return prefetchErr
}

// locked runs a state decision (store reads and writes, no network I/O)
// under d.mu.
func (d *Daemon) locked(fn func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn()
}

// confirm writes the record of an action done. A window delivery may have
// released the message between the move to the hold folder and now (it
// lists the folder on its own connection): that release stands, or the
// record would forget that the message must never be held again.
func confirm(tx *store.Tx, rec store.Record) error {
	cur, ok, err := tx.Handled(rec.ID)
	if err != nil {
		return err
	}
	if ok && cur.Released {
		rec.Released, rec.ReleasedAt = true, cur.ReleasedAt
	}
	return tx.MarkHandled(rec)
}

// decide classifies a batch and plans what to do with each message. It
// runs under d.mu.
func (d *Daemon) decide(s *imapwatch.Session, fs []imapwatch.Fetched, validity uint32) ([]*item, error) {
	type candidate struct {
		f      imapwatch.Fetched
		msg    *classify.Message
		id     string
		prev   store.Record
		seen   bool
		own    bool // appended by this daemon (known by the state, not by headers)
		result *classify.Result
	}
	var cands []*candidate
	for _, f := range fs {
		if slices.Contains(f.Flags, string(imap.FlagDeleted)) {
			// Another client (or our own COPY fallback without UIDPLUS) is
			// removing it: not ours to touch.
			continue
		}
		msg := classify.Assemble(f.Header, f.Parts)
		msg.Errors = append(msg.Errors, f.Errors...) // what the fetch could not read in full
		id := Identity(msg.MessageID, f.Header)
		prev, seen, err := d.st.Handled(id)
		if err != nil {
			return nil, imapwatch.Permanent(fmt.Errorf("reading state: %w", err))
		}
		if seen && !prev.InFlight {
			if err := d.seenAgain(prev, f); err != nil {
				return nil, err
			}
			continue
		}
		own, err := d.isOwn(f, validity)
		if err != nil {
			return nil, err
		}
		cands = append(cands, &candidate{f: f, msg: msg, id: id, prev: prev, seen: seen, own: own})
	}
	// The classifier is safe for concurrent use and the messages are
	// independent: a batch is classified on every core.
	parallel(len(cands), func(i int) { cands[i].result = d.cl.Classify(cands[i].msg) })
	var items []*item
	now := d.clock.Now()
	for _, c := range cands {
		f, msg, id, prev, seen, own, res := c.f, c.msg, c.id, c.prev, c.seen, c.own, c.result
		if own {
			res.Verdict = classify.VerdictPass
		}
		it := &item{f: f, msg: msg, res: res}
		it.h = Handled{UID: f.UID, Identity: id, Verdict: res.Verdict, Rules: ruleNames(res), Own: own}
		it.rec = store.Record{ID: id, Mailbox: d.cfg.IMAP.Inbox, UIDValidity: validity, UID: f.UID, At: now, Action: actionFor(res.Verdict)}
		it.audit = store.AuditEntry{Time: now, Kind: store.AuditMessage, Key: id, Sender: res.From, Verdict: string(res.Verdict), Level: string(levelOf(res)), Rules: it.h.Rules}
		switch res.Verdict {
		case classify.VerdictEscalate:
			it.alert = &notify.Alert{
				Key: id, MessageID: msg.MessageID, FromName: res.FromName, FromAddr: res.From,
				Received: receivedAt(f, msg), Rules: it.h.Rules, Categories: res.Categories,
				Mailbox: d.cfg.IMAP.Inbox, Lang: string(d.cfg.Language),
			}
			if d.cfg.Emergency.IncludeExcerpt && len(res.Matches) > 0 {
				it.alert.Excerpt = res.Matches[0].Excerpt
			}
		case classify.VerdictHold:
			it.resumeCopy = seen && prev.InFlight && prev.Action == store.ActionHeld && !s.Caps().Move
		case classify.VerdictPass:
		}
		items = append(items, it)
	}
	return items, nil
}

// act flags the emergencies and moves the held messages, all the held ones
// of the batch in one command; if the server refuses that, one by one, so a
// single refused message does not keep the others in the inbox.
func (d *Daemon) act(ctx context.Context, s *imapwatch.Session, items []*item) error {
	if err := d.flagEmergencies(ctx, s, items); err != nil {
		return err
	}
	var holds []*item
	for _, it := range items {
		switch it.rec.Action {
		case store.ActionEscalated: // flagged above
		case store.ActionHeld:
			if it.resumeCopy {
				done, err := d.finishInterruptedCopy(ctx, s, it.f, it.msg.MessageID)
				if err != nil {
					return err
				}
				if done {
					continue
				}
			}
			holds = append(holds, it)
		case store.ActionPassed: // left alone: nothing to do on the server
		}
	}
	if len(holds) == 0 {
		return nil
	}
	uids := make([]uint32, len(holds))
	for i, it := range holds {
		uids[i] = it.f.UID
	}
	err := s.HoldUIDs(ctx, uids, d.cfg.IMAP.HoldFolder)
	switch {
	case err == nil:
		d.reportHold(nil)
		return d.removeLeftBehind(ctx, s, uids)
	case !isServerRefusal(err):
		return err
	case len(holds) == 1:
		d.holdFailed(holds[0], err)
		return nil
	}
	for _, it := range holds {
		if err := s.Hold(ctx, it.f.UID, d.cfg.IMAP.HoldFolder); err != nil {
			if !isServerRefusal(err) {
				return err
			}
			d.holdFailed(it, err)
		}
	}
	return nil
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines and returns when
// all are done.
func parallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// flagEmergencies flags the escalated messages of a batch in one command;
// if the server refuses that, one by one, so that one refused message does
// not leave the others unflagged. A message that cannot be flagged still
// has its alert.
func (d *Daemon) flagEmergencies(ctx context.Context, s *imapwatch.Session, items []*item) error {
	var uids []uint32
	for _, it := range items {
		if it.rec.Action == store.ActionEscalated {
			uids = append(uids, it.f.UID)
		}
	}
	err := s.FlagUIDs(ctx, uids, true)
	if err == nil || !isServerRefusal(err) {
		return err
	}
	if len(uids) == 1 {
		d.log.Error("could not flag an escalated message; its alert is sent anyway", "uid", uids[0], "err", err)
		return nil
	}
	for _, uid := range uids {
		if err := s.Flag(ctx, uid, true); err != nil {
			if !isServerRefusal(err) {
				return err
			}
			d.log.Error("could not flag an escalated message; its alert is sent anyway", "uid", uid, "err", err)
		}
	}
	return nil
}

// removeLeftBehind checks that a successful MOVE took every message away
// and removes any original still in the inbox: one message in two places
// must not stay. The fault tests once found messages in both folders after a
// MOVE Dovecot had answered OK; the cause is still not pinned down. What was
// tried on Dovecot 2.3.19 maildir (leftbehind_test.go, run with
// BOUNDARY_INVESTIGATE_DOVECOT=1), none of which left a message behind:
//   - ~2,200 batch MOVEs (~11,700 messages) while other sessions toggled
//     \Seen on the whole inbox (maildir renames a message's file for every
//     flag change), re-selected it (new/ to cur/ renames) and delivered mail
//     by APPEND or doveadm save;
//   - MOVEs cut off mid-command by the network, then the same UIDs moved by
//     a second session, as after a reconnection: Dovecot finishes the cut
//     MOVE on its own; where the two overlap, the second answers OK or
//     NO [EXPUNGEISSUED] and both copies stay in the hold folder (held
//     twice), none in the inbox;
//   - the Dovecot fault tests under `stress -c 2`, 3 to 15 runs each: the
//     check never fired.
//
// So the concurrent-flag-change suspect is not confirmed; the check stays, at
// the price of one UID SEARCH per moved batch. Without MOVE, the COPY
// fallback already checks each step.
func (d *Daemon) removeLeftBehind(ctx context.Context, s *imapwatch.Session, uids []uint32) error {
	if !s.Caps().Move {
		return nil
	}
	left, err := s.Present(ctx, uids)
	if err != nil {
		return err
	}
	for _, uid := range left {
		d.log.Error("the server kept a moved message in the inbox; removing the original", "uid", uid)
		if err := s.Remove(ctx, uid); err != nil {
			return err
		}
	}
	return nil
}

// holdFailed records a hold the server refused (quota, permissions...): the
// message stays in the inbox, where the therapist will see it. Not lost, not
// held.
func (d *Daemon) holdFailed(it *item, err error) {
	d.log.Error("could not hold a message; it stays in the inbox", "uid", it.f.UID, "err", err)
	d.reportHold(err)
	it.rec.Action = store.ActionPassed
	it.audit.Verdict = "hold-failed"
	it.h.Err = err
}

// after reports a handled message: logs, metrics, the acknowledgement and the
// test hook.
func (d *Daemon) after(ctx context.Context, it *item) {
	res, uid := it.res, it.f.UID
	switch it.rec.Action {
	case store.ActionEscalated:
		d.log.Warn("emergency: message escalated, alert queued", "uid", uid, "from", res.From, "rules", strings.Join(it.h.Rules, ","))
		it.h.AckQueued = d.maybeAck(it.msg, receivedAt(it.f, it.msg), true)
	case store.ActionHeld:
		d.log.Info("message held", "uid", uid, "from", res.From)
		it.h.AckQueued = d.maybeAck(it.msg, receivedAt(it.f, it.msg), false)
	case store.ActionPassed:
		d.log.Debug("message left alone", "uid", uid, "sender", res.Sender)
	}
	if res.Error != "" {
		d.log.Warn("message could not be read completely", "uid", uid, "from", res.From, "problem", res.Error, "action", it.rec.Action)
	}
	it.h.Action = it.rec.Action
	if m := d.opts.Metrics; m != nil {
		m.MessageHandled(string(res.Verdict))
		m.MessageLevel(string(levelOf(res)))
	}
	if d.opts.OnHandled != nil {
		d.opts.OnHandled(it.h)
	}
}

// reconcile settles records left in flight whose message is no longer in
// the inbox (the inbox pass has just re-handled those that are): a hold
// whose MOVE succeeded just before the connection broke, or an escalation
// whose record was not confirmed. The hold folder is searched so the audit
// says what really happened.
func (d *Daemon) reconcile(ctx context.Context, s *imapwatch.Session) error {
	var pending []store.Record
	if err := d.st.View(func(tx *store.Tx) error {
		return tx.ForEachHandled(func(r store.Record) error {
			if r.InFlight {
				pending = append(pending, r)
			}
			return nil
		})
	}); err != nil {
		return imapwatch.Permanent(fmt.Errorf("reading state: %w", err))
	}
	if len(pending) == 0 {
		return nil
	}
	for _, r := range pending {
		where := "unknown"
		if r.Action == store.ActionHeld {
			msgID, _, _ := strings.Cut(r.ID, "#")
			uids, err := s.FindByMessageID(ctx, d.cfg.IMAP.HoldFolder, "<"+msgID+">")
			if err != nil {
				return err
			}
			if len(uids) > 0 {
				where = "hold folder"
			}
		}
		settled := false
		if err := d.locked(func() error {
			return d.st.Update(func(tx *store.Tx) error {
				// Read again: a window may have released it meanwhile, which
				// settles it too.
				cur, ok, err := tx.Handled(r.ID)
				if err != nil || !ok || !cur.InFlight {
					return err
				}
				cur.InFlight, settled = false, true
				return tx.MarkHandled(cur)
			})
		}); err != nil {
			return d.writeFailed(err)
		}
		if !settled {
			continue
		}
		d.log.Info("settled an action interrupted by a disconnection", "action", r.Action, "found_in", where)
		if d.opts.OnHandled != nil {
			d.opts.OnHandled(Handled{UID: r.UID, Identity: r.ID, Verdict: verdictOf(r.Action), Action: r.Action})
		}
	}
	_, err := s.SelectInbox(ctx)
	return err
}

// finishInterruptedCopy looks for the copy of an interrupted COPY-based
// hold in the hold folder; when it is there (same header, byte for byte)
// the inbox original is removed and the hold is complete.
func (d *Daemon) finishInterruptedCopy(ctx context.Context, s *imapwatch.Session, f imapwatch.Fetched, messageID string) (bool, error) {
	if messageID == "" {
		return false, nil
	}
	uids, err := s.FindByMessageID(ctx, d.cfg.IMAP.HoldFolder, "<"+messageID+">")
	if _, serr := s.SelectInbox(ctx); serr != nil {
		return false, serr
	}
	if err != nil || len(uids) == 0 {
		return false, err
	}
	d.log.Info("an interrupted hold had already copied the message; removing the inbox original", "uid", f.UID)
	if err := s.Remove(ctx, f.UID); err != nil {
		return false, err
	}
	return true, nil
}

// seenAgain deals with a message we already handled that shows up in the
// inbox above the high-water mark: released by a reading window, moved back
// by the therapist, or rescanned after a UIDVALIDITY change. It is never
// held again.
func (d *Daemon) seenAgain(prev store.Record, f imapwatch.Fetched) error {
	if prev.Action != store.ActionHeld || prev.NeverHold() {
		return nil
	}
	prev.MovedBack = true
	d.log.Info("a held message came back to the inbox; it will not be held again", "uid", f.UID)
	if err := d.st.MarkHandled(prev); err != nil {
		// Not held meanwhile: nothing is held while the state refuses
		// writes, and the mark is written when this batch is handled again.
		d.stateRefused(err)
	}
	return nil
}

func ruleNames(r *classify.Result) []string {
	var out []string
	for _, m := range r.Matches {
		if !slices.Contains(out, m.Rule) {
			out = append(out, m.Rule)
		}
	}
	return out
}

func receivedAt(f imapwatch.Fetched, m *classify.Message) time.Time {
	if !f.InternalDate.IsZero() {
		return f.InternalDate
	}
	return m.Date
}

// inFlight is the record written before an action is taken: seen again
// after a crash, it means "do it again", not "already done".
func inFlight(r store.Record) store.Record {
	r.InFlight = true
	return r
}

// progress logs how a long pass (a first start with backlog: all, a
// rescan after a UIDVALIDITY change) is going, every few seconds.
type progress struct {
	log          *slog.Logger
	clock        clock.Clock
	total, count int
	start, last  time.Time
}

// progressEvery is how often a long pass reports; passes shorter than that
// say nothing.
const progressEvery = 5 * time.Second

func newProgress(log *slog.Logger, c clock.Clock, total int) *progress {
	now := c.Now()
	return &progress{log: log, clock: c, total: total, start: now, last: now}
}

func (p *progress) done(n int) {
	p.count += n
	now := p.clock.Now()
	if now.Sub(p.last) < progressEvery || p.count >= p.total {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	rate := float64(p.count) / elapsed.Seconds()
	left := time.Duration(float64(p.total-p.count)/rate) * time.Second
	p.log.Info("sorting the inbox", "done", p.count, "of", p.total, "per_second", int(math.Round(rate)), "time_left", left.Round(time.Second))
}

func (p *progress) finish() {
	if took := clock.Since(p.clock, p.start); took >= progressEvery {
		p.log.Info("inbox sorted", "messages", p.total, "took", took.Round(time.Second))
	}
}
