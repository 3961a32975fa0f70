package daemon

import (
	"github.com/boundaryd/boundaryd/internal/oauth"
	"github.com/boundaryd/boundaryd/notify"
)

// signInRefused sends one notice (notify.KindNotice) through the primary
// alert channels when the provider refuses the saved OAuth2 sign-in. The
// key is the refused token's fingerprint, so the outbox sends it once per
// revocation: a restart, which meets the same refusal, adds nothing, and a
// new sign-in refused later is a new notice. It goes to the primary group
// only: it is for the therapist, not for a pause's cover or the backup.
func (d *Daemon) signInRefused(re *oauth.RevokedError) {
	a := notify.Alert{
		Key:      "oauth-revoked:" + re.Fingerprint,
		Kind:     notify.KindNotice,
		Level:    notify.LevelConcern,
		Mailbox:  d.cfg.IMAP.Inbox,
		Lang:     string(d.cfg.Language),
		Received: d.clock.Now(),
	}
	n, err := d.disp.Enqueue(a, notify.GroupPrimary)
	if err != nil {
		// The state refuses the write: tell the channels from memory.
		d.log.Error("cannot queue the sign-in notice; sending it from memory", "err", err)
		n, err = d.disp.EnqueueMemory(a, notify.GroupPrimary)
		if err != nil {
			d.log.Error("cannot send the sign-in notice", "err", err)
			return
		}
	}
	if n > 0 {
		d.log.Warn("sign-in notice queued for the alert channels", "channels", n, "token", re.Fingerprint)
	}
}
