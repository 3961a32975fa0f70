package daemon

import (
	"context"
	"net/mail"
	"time"

	"github.com/boundaryd/boundaryd/autoreply"
	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/schedule"
	"github.com/boundaryd/boundaryd/store"
)

// ackMaxAge: mail older than this when boundaryd first sees it gets no
// acknowledgement.
const ackMaxAge = 24 * time.Hour

// maybeAck sends the patient's acknowledgement when the configuration asks
// for one, the message is not from a robot, a list or ourselves (RFC 3834),
// and this sender got none within auto_reply.once_per. The once-per record
// is written before sending, so a crash or a failing relay can never make
// boundaryd reply twice: at most once is the right failure for a courtesy.
// It reports whether a reply is on its way.
func (d *Daemon) maybeAck(ctx context.Context, msg *classify.Message, received time.Time, escalated bool) bool {
	ar := d.cfg.AutoReply
	if !ar.Enabled || d.cfg.SMTP == nil {
		return false
	}
	if !received.IsZero() && time.Since(received) > ackMaxAge {
		// Old mail sorted at a first start (backlog: all) or after a
		// rescan: a patient is not answered days later.
		return false
	}
	dec := autoreply.Decide(msg, escalated, d.self, ar.ReplyToEscalated)
	if !dec.Reply {
		d.log.Debug("no acknowledgement", "reason", dec.Reason)
		return false
	}
	now := d.clock.Now()
	send := false
	err := d.st.Update(func(tx *store.Tx) error {
		if last, ok := tx.LastReply(msg.From); ok && now.Sub(last) < ar.OncePer.D() && !now.Before(last) {
			return nil
		}
		send = true
		return tx.SetLastReply(msg.From, now)
	})
	if err != nil {
		d.log.Error("acknowledgement: writing state", "err", err)
		return false
	}
	if !send {
		d.log.Debug("no acknowledgement: one was sent recently", "once_per", ar.OncePer.D())
		return false
	}
	next := d.windows.Next(now)
	name := msg.FromName
	if name == "" {
		name = msg.From
	}
	from := d.cfg.SMTP.From
	raw, to, err := autoreply.Build(autoreply.Options{
		From: from, SubjectTemplate: ar.Subject, BodyTemplate: ar.Body, Lang: string(d.cfg.Language), Now: now,
	}, msg, autoreply.Data{
		NextWindow: schedule.FormatWindow(next, d.windows.Location(), string(d.cfg.Language)),
		SenderName: name,
		Subject:    msg.Subject,
	})
	if err != nil {
		d.log.Error("acknowledgement: building it", "err", err)
		return false
	}
	envelope := from
	if a, err := mail.ParseAddress(from); err == nil {
		envelope = a.Address
	}
	d.acks.Add(1)
	go func() {
		defer d.acks.Done()
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := notify.SendMail(ctx, d.smtpConfig(), envelope, []string{to}, raw); err != nil {
			d.log.Warn("acknowledgement not sent", "to", to, "err", err)
			return
		}
		d.log.Info("acknowledgement sent", "to", to)
	}()
	return true
}
