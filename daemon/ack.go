package daemon

import (
	"context"
	"net/mail"
	"time"

	"github.com/boundaryd/boundaryd/autoreply"
	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/boundaryd/boundaryd/schedule"
)

// ackMaxAge: mail older than this when boundaryd first sees it gets no
// acknowledgement.
const ackMaxAge = 24 * time.Hour

// Acknowledgements go out one at a time, after the alerts: at most one SMTP
// session of the therapist's account is spent on courtesy, and a queue of
// ackQueueLen waits behind it (beyond that, the courtesy is dropped, logged).
const (
	ackQueueLen = 64
	// ackYield is how long an acknowledgement waits for pending alerts
	// to go first before it is sent anyway.
	ackYield = 30 * time.Second
)

// ackJob is one acknowledgement ready to send.
type ackJob struct {
	envelope, to string
	raw          []byte
}

// acker sends acknowledgements in the background.
type acker struct {
	limit *autoreply.Limiter
	queue chan ackJob
}

func newAcker() *acker {
	return &acker{limit: autoreply.NewLimiter(autoreply.Limits{}), queue: make(chan ackJob, ackQueueLen)}
}

// maybeAck queues the patient's acknowledgement when the configuration asks
// for one, the message is not from a robot, a list or ourselves (RFC 3834),
// the limits allow it (autoreply.Limits: per hour, per domain, and none to a
// domain whose mail arrives faster than a person writes), and this mailbox
// (autoreply.MailboxKey: +tags stripped) got none within auto_reply.once_per.
// The once-per record is written before sending, so a crash or a failing
// relay can never make boundaryd reply twice: at most once is the right
// failure for a courtesy. It reports whether a reply is on its way.
func (d *Daemon) maybeAck(msg *classify.Message, received time.Time, escalated bool) bool {
	ar := d.cfg.AutoReply
	if !ar.Enabled || d.cfg.SMTP == nil {
		return false
	}
	now := d.clock.Now()
	if !received.IsZero() && clock.Since(d.clock, received) > ackMaxAge {
		// Old mail sorted at a first start (backlog: all) or after a
		// rescan: a patient is not answered days later.
		return false
	}
	d.acker.limit.Arrived(msg.From, now)
	dec := autoreply.Decide(msg, escalated, d.self, ar.ReplyToEscalated)
	if !dec.Reply {
		d.log.Debug("no acknowledgement", "reason", dec.Reason)
		return false
	}
	key := autoreply.MailboxKey(msg.From)
	last, ok, err := d.st.LastReply(key)
	if err != nil {
		d.log.Error("acknowledgement: reading state", "err", err)
		return false
	}
	if ok && now.Sub(last) < ar.OncePer.D() && !now.Before(last) {
		d.log.Debug("no acknowledgement: one was sent recently", "once_per", ar.OncePer.D())
		return false
	}
	if ok, why := d.acker.limit.Allow(msg.From, now); !ok {
		d.log.Warn("no acknowledgement", "reason", why)
		return false
	}
	if err := d.st.SetLastReply(key, now); err != nil {
		d.log.Error("acknowledgement: writing state", "err", err)
		return false
	}
	next := d.windows.Next(now)
	from := d.cfg.SMTP.From
	raw, to, err := autoreply.Build(autoreply.Options{
		From: from, SubjectTemplate: ar.Subject, BodyTemplate: ar.Body, Lang: string(d.cfg.Language), Now: now,
	}, msg, autoreply.Data{
		NextWindow: schedule.FormatWindow(next, d.windows.Location(), string(d.cfg.Language)),
		SenderName: msg.FromName,
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
	select {
	case d.acker.queue <- ackJob{envelope: envelope, to: to, raw: raw}:
		return true
	default:
		d.log.Warn("acknowledgement dropped: too many waiting", "queue", ackQueueLen)
		return false
	}
}

// sendAcks sends queued acknowledgements one at a time until ctx ends.
// Before each, it lets pending alerts go first (up to ackYield): an
// emergency must never wait behind a courtesy on the same account.
func (d *Daemon) sendAcks(ctx context.Context) {
	for {
		var job ackJob
		select {
		case <-ctx.Done():
			if n := len(d.acker.queue); n > 0 {
				d.log.Info("stopping: acknowledgements not sent", "count", n)
			}
			return
		case job = <-d.acker.queue:
		}
		d.alertsFirst(ctx)
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := notify.SendMail(sctx, d.smtpConfig(), job.envelope, []string{job.to}, job.raw)
		cancel()
		if err != nil {
			d.log.Warn("acknowledgement not sent", "err", err)
			continue
		}
		d.log.Info("acknowledgement sent")
	}
}

// alertsFirst waits while the alert outbox holds entries, up to ackYield.
func (d *Daemon) alertsFirst(ctx context.Context) {
	deadline := d.clock.Now().Add(ackYield)
	for d.clock.Now().Before(deadline) {
		if _, depth := d.disp.Health(); depth <= 0 {
			return
		}
		if clock.Sleep(ctx, d.clock, 200*time.Millisecond) != nil {
			return
		}
	}
}
