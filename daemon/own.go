package daemon

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/boundaryd/boundaryd/digest"
	"github.com/boundaryd/boundaryd/imapwatch"
	"github.com/boundaryd/boundaryd/store"
)

// The daemon knows its own messages (digests) by what the state recorded
// when it appended them, never by headers: a From of the therapist's
// address, an X-Boundary-Kind header or a digest's Message-ID can be written
// by anyone who sends mail (issue 13, items 1 and 2). Before each APPEND the
// keyed hash of the message's header is recorded (so the inbox pass, which
// may see the message before the APPEND is answered, already knows it);
// after it, its UID where the server reports one (UIDPLUS).

// ownHash is the keyed hash (HMAC-SHA256 under the state's secret) of a
// message header, exactly as the server returns it: servers keep headers
// byte for byte (Identity relies on it too).
func ownHash(key, header []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("boundaryd own message\x00"))
	mac.Write(header)
	return hex.EncodeToString(mac.Sum(nil))
}

// headerOf is the header of raw, the blank line included, as an IMAP
// server returns BODY[HEADER].
func headerOf(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+4]
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[:i+2]
	}
	return raw
}

// isOwn reports whether the fetched inbox message is one the daemon put
// there itself, by the state's records.
func (d *Daemon) isOwn(f imapwatch.Fetched, validity uint32) (bool, error) {
	own, err := d.st.IsOwn(ownHash(d.secret, f.Header), d.cfg.IMAP.Inbox, validity, f.UID)
	if err != nil {
		return false, imapwatch.Permanent(fmt.Errorf("reading state: %w", err))
	}
	return own, nil
}

// digestMessageID is the Message-ID of window id's digest, keyed with the
// state's secret.
func (d *Daemon) digestMessageID(id string) string { return digest.MessageID(d.secret, id) }

// digestDelivered tells whether window id's digest is already in the inbox,
// by the state: appended and recorded, or recorded as about to be appended
// (a crash between the APPEND and its record) and found in the inbox by its
// keyed, unguessable Message-ID.
func (d *Daemon) digestDelivered(ctx context.Context, s *imapwatch.Session, id string) (bool, error) {
	m, ok, err := d.st.OwnDigest(id)
	if err != nil || !ok {
		return false, err
	}
	if m.Appended {
		return true, nil
	}
	found, err := s.FindByMessageID(ctx, d.cfg.IMAP.Inbox, d.digestMessageID(id))
	if err != nil {
		return false, err
	}
	return len(found) > 0, nil
}

// appendOwn appends raw (a digest of window id) to the inbox, recorded as
// the daemon's own before and after.
func (d *Daemon) appendOwn(ctx context.Context, s *imapwatch.Session, id string, raw []byte) error {
	inbox := d.cfg.IMAP.Inbox
	m := store.OwnMessage{Kind: digest.Kind, Window: id, Hash: ownHash(d.secret, headerOf(raw)), Mailbox: inbox, At: d.clock.Now()}
	if err := d.st.RecordOwn(m); err != nil {
		return fmt.Errorf("recording the digest: %w", err)
	}
	uid, err := s.Append(ctx, inbox, nil, d.clock.Now(), raw)
	if err != nil {
		return fmt.Errorf("appending the digest: %w", err)
	}
	m.Appended, m.UID = true, uid
	if uid != 0 {
		st, err := s.Status(ctx, inbox)
		if err != nil {
			return err
		}
		m.UIDValidity = st.UIDValidity
	}
	if err := d.st.RecordOwn(m); err != nil {
		return fmt.Errorf("recording the digest: %w", err)
	}
	return nil
}
