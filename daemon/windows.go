package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/digest"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/internal/backoff"
	"github.com/boundaryd/boundaryd/schedule"
	"github.com/boundaryd/boundaryd/store"
)

// WindowResult says what a reading window delivered.
type WindowResult struct {
	ID       string
	Messages int  // held messages listed / released
	Digest   bool // a digest was appended by this delivery
	Released int
	// DigestRaw is the digest appended, if any (for the demo's narration).
	DigestRaw []byte `json:"-"`
}

func (d *Daemon) deliveryHasDigest() bool {
	return d.cfg.ReadingWindows.Delivery != "release"
}

func (d *Daemon) deliveryReleases() bool {
	return d.cfg.ReadingWindows.Delivery != "digest"
}

// windowLoop delivers reading windows as they come due. A window missed
// while the daemon was down is delivered once at start (several missed ones
// collapse into one); a delivery interrupted by a crash is completed.
func (d *Daemon) windowLoop(ctx context.Context) {
	ws, err := d.st.WindowState()
	if err != nil {
		d.log.Error("reading window state", "err", err)
		return
	}
	if ws.LastDelivered.IsZero() && ws.PendingID == "" {
		// First start: windows before today are not owed.
		ws.LastDelivered = d.clock.Now()
		if err := d.recordFirstStart(ctx, ws); err != nil {
			return
		}
	}
	retry := backoff.Policy{Min: time.Second, Max: 5 * time.Minute}
	failures := 0
	for ctx.Err() == nil {
		ws, err = d.st.WindowState()
		if err != nil {
			d.log.Error("reading window state", "err", err)
			return
		}
		var window time.Time
		var id string
		if ws.PendingID != "" {
			window, id = ws.PendingAt, ws.PendingID
		} else if due, ok := d.windows.Due(ws.LastDelivered, d.clock.Now()); ok {
			window, id = due, schedule.WindowID(due, d.windows.Location())
		}
		if id == "" {
			next := d.windows.Next(d.clock.Now())
			d.log.Debug("next reading window", "at", next)
			if err := clock.WaitUntil(ctx, d.clock, next); err != nil {
				return
			}
			continue
		}
		res, err := d.DeliverWindow(ctx, window, id)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			delay := retry.Delay(failures)
			d.log.Error("reading window delivery failed; retrying", "window", id, "err", err, "retry_in", delay.Round(time.Millisecond))
			if clock.Sleep(ctx, d.clock, delay) != nil {
				return
			}
			continue
		}
		failures = 0
		if d.opts.OnWindow != nil {
			d.opts.OnWindow(res)
		}
		if m := d.opts.Metrics; m != nil {
			m.WindowDelivered(window)
		}
		d.log.Info("reading window delivered", "window", res.ID, "messages", res.Messages, "digest", res.Digest, "released", res.Released)
	}
}

// DeliverWindow delivers one reading window on its own IMAP connection:
// the digest of what is held (appended to the inbox unless the state says
// it already was: see own.go), then the release. Every step
// is recorded, so a crash in between is completed on restart without a
// second digest. The inbox pass goes on meanwhile: the two share only d.mu,
// held for the release's store decisions, never across the network.
func (d *Daemon) DeliverWindow(ctx context.Context, window time.Time, id string) (WindowResult, error) {
	d.delivering.Lock()
	defer d.delivering.Unlock()
	res := WindowResult{ID: id}
	ws, err := d.st.WindowState()
	if err != nil {
		return res, err
	}
	if ws.PendingID != id {
		ws.PendingID, ws.PendingAt, ws.DigestAppended, ws.Released = id, window, false, false
		if err := d.st.SetWindowState(ws); err != nil {
			return res, err
		}
	}
	s, err := imapwatch.Dial(ctx, d.IMAPOptions())
	if err != nil {
		return res, err
	}
	defer s.Close()
	held, err := d.listHeld(ctx, s)
	if err != nil {
		return res, err
	}
	res.Messages = len(held)
	if d.deliveryHasDigest() && !ws.DigestAppended && len(held) > 0 {
		raw, err := d.appendDigest(ctx, s, window, id, held)
		if err != nil {
			return res, err
		}
		res.Digest, res.DigestRaw = raw != nil, raw
	}
	ws.DigestAppended = true
	if err := d.st.SetWindowState(ws); err != nil {
		return res, err
	}
	if d.deliveryReleases() && len(held) > 0 {
		n, err := d.release(ctx, s, held)
		if err != nil {
			return res, err
		}
		res.Released = n
	}
	now := d.clock.Now()
	err = d.st.Update(func(tx *store.Tx) error {
		if len(held) > 0 {
			last := held[len(held)-1]
			if err := tx.SetHighWater(d.cfg.IMAP.HoldFolder, last.validity, last.f.UID); err != nil {
				return err
			}
		}
		for _, h := range held {
			action := "digest"
			if d.deliveryReleases() {
				action = "released"
			}
			if err := tx.RecordWindowDelivery(h.id, id, action, now); err != nil {
				return err
			}
		}
		if _, err := tx.AppendAudit(store.AuditEntry{Time: now, Kind: store.AuditWindow, Window: id, Count: len(held)}); err != nil {
			return err
		}
		return tx.SetWindowState(store.WindowRecord{LastDelivered: window, LastID: id})
	})
	return res, err
}

type heldMessage struct {
	f        imapwatch.Fetched
	msg      *classify.Message
	res      *classify.Result
	id       string
	validity uint32
}

// listHeld reads what is in the hold folder and not yet in a digest (above
// the folder's high-water mark), oldest first, without attachments.
func (d *Daemon) listHeld(ctx context.Context, s *imapwatch.Session) ([]heldMessage, error) {
	folder := d.cfg.IMAP.HoldFolder
	if err := s.EnsureMailbox(ctx, folder); err != nil {
		return nil, err
	}
	sel, err := s.Select(ctx, folder)
	if err != nil {
		return nil, err
	}
	validity, hwm, ok, err := d.st.HighWater(folder)
	if err != nil {
		return nil, err
	}
	if !ok || validity != sel.UIDValidity {
		hwm = 0
	}
	uids, err := s.UIDsAfter(ctx, hwm)
	if err != nil {
		return nil, err
	}
	var out []heldMessage
	for len(uids) > 0 {
		n := min(d.opts.BatchSize, len(uids))
		fs, err := s.Fetch(ctx, uids[:n])
		if err != nil {
			return nil, err
		}
		uids = uids[n:]
		for _, f := range fs {
			msg := classify.Assemble(f.Header, f.Parts)
			msg.Errors = append(msg.Errors, f.Errors...)
			out = append(out, heldMessage{f: f, msg: msg, res: d.cl.Classify(msg), id: Identity(msg.MessageID, f.Header), validity: sel.UIDValidity})
		}
	}
	return out, nil
}

// appendDigest returns the digest appended, or nil when none was needed.
func (d *Daemon) appendDigest(ctx context.Context, s *imapwatch.Session, window time.Time, id string, held []heldMessage) ([]byte, error) {
	done, err := d.digestDelivered(ctx, s, id)
	if err != nil {
		return nil, err
	}
	if done {
		d.log.Info("digest already in the inbox; not appending it again", "window", id)
		return nil, nil
	}
	entries := make([]digest.Entry, 0, len(held))
	for _, h := range concernsFirst(held) {
		e := digest.Entry{
			FromName: h.res.FromName, From: h.res.From, Subject: h.res.Subject,
			Received: receivedAt(h.f, h.msg), Snippet: h.res.Snippet,
			Attachments: h.res.Attachments, Error: h.res.Error,
		}
		for _, sp := range h.res.Suppressed {
			// Quoted history, signatures, mailing lists and idioms are not a
			// signal about the patient now: listing them would bury the real
			// near-misses.
			if !sp.Reason.Concern() {
				continue
			}
			e.NearMiss = append(e.NearMiss, fmt.Sprintf("%s (%s)", sp.Rule, sp.Reason))
		}
		entries = append(entries, e)
	}
	addr := d.cfg.IMAP.Username
	if d.cfg.SMTP != nil && d.cfg.SMTP.From != "" {
		addr = d.cfg.SMTP.From
	}
	raw, err := digest.Build(digest.Options{
		Lang: string(d.cfg.Language), Location: d.windows.Location(), Window: window, WindowID: id,
		From: addr, To: addr, HoldFolder: d.cfg.IMAP.HoldFolder, Released: d.deliveryReleases(), Now: d.clock.Now(),
		Key: d.secret,
	}, entries)
	if errors.Is(err, digest.ErrEmpty) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("building the digest: %w", err)
	}
	if err := d.appendOwn(ctx, s, id, raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// release moves the held messages back to the inbox, a batch at a time.
// Each batch is first marked released in the store, so that when it
// reappears in the inbox the watcher knows it must never be held again;
// then it is moved. A crash in between leaves marked messages in the hold
// folder, which the completed delivery releases (the hold folder's
// high-water mark moves only once everything is back). Batches keep the
// inbox pass close behind: a page arriving mid-release waits behind one
// batch of released mail, not the whole release.
func (d *Daemon) release(ctx context.Context, s *imapwatch.Session, held []heldMessage) (int, error) {
	done, total := 0, len(held)
	for len(held) > 0 {
		n := min(d.opts.BatchSize, len(held))
		uids, err := d.markReleased(held[:n])
		if err != nil {
			return done, err
		}
		err = s.MoveBack(ctx, d.cfg.IMAP.HoldFolder, d.cfg.IMAP.Inbox, uids)
		switch {
		case errors.Is(err, imapwatch.ErrGone):
			// Taken out of the hold folder by hand since the listing: not
			// ours to move any more, and never to be held again.
			d.log.Warn("held messages left the hold folder before their release", "count", n)
		case err != nil:
			return done, fmt.Errorf("releasing held mail: %w", err)
		default:
			done += n
		}
		held = held[n:]
		if d.releaseHook != nil {
			d.releaseHook(total-len(held), total)
		}
	}
	return done, nil
}

// markReleased records that held messages are about to be moved back: a
// state decision, under d.mu, so it never interleaves with the inbox pass
// deciding about or confirming the same messages. It returns their UIDs.
func (d *Daemon) markReleased(held []heldMessage) ([]uint32, error) {
	now := d.clock.Now()
	uids := make([]uint32, 0, len(held))
	err := d.locked(func() error {
		return d.st.Update(func(tx *store.Tx) error {
			for _, h := range held {
				rec, ok, err := tx.Handled(h.id)
				if err != nil {
					return err
				}
				if !ok {
					rec = store.Record{ID: h.id, Action: store.ActionHeld, At: now}
				}
				// A hold still in flight is done: the message is in the hold
				// folder, and this release settles it.
				rec.InFlight = false
				rec.Released, rec.ReleasedAt = true, now
				if err := tx.MarkHandled(rec); err != nil {
					return err
				}
				uids = append(uids, h.f.UID)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("recording the release: %w", err)
	}
	return uids, nil
}
