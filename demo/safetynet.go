package demo

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// narrateReview tells an emergency.review time: the daemon says how many
// early-look notices it queued; each is told as it reaches the therapist.
func (r *runner) narrateReview(ctx context.Context) error {
	select {
	case n := <-r.reviews:
		if n == 0 {
			return nil
		}
		r.say("%s  Early-look time: a held message shows a worrying sign, below an emergency.", r.stamp())
		for range n {
			if err := r.waitMail(ctx, "alert"); err != nil {
				return err
			}
		}
		r.say("           → the message stays held for the reading window; she may read it now if she wishes.")
		return nil
	case <-bound():
		return fmt.Errorf("the review time was not handled within %s", waitLimit)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readOnPhone plays the therapist opening the escalated message on her
// phone (another IMAP client sets \Seen), then waits for the daemon to take
// it as the page's acknowledgement.
func (r *runner) readOnPhone(ctx context.Context, messageID string) error {
	c, err := imapclient.DialInsecure(r.addr, nil)
	if err != nil {
		return fmt.Errorf("the phone's mail client: %w", err)
	}
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return err
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		return err
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: messageID}}}, nil).Wait()
	if err != nil {
		return err
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return fmt.Errorf("the escalated message %s is not in the inbox", messageID)
	}
	var set imap.UIDSet
	set.AddNum(uids...)
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		return err
	}
	_ = c.Logout().Wait()
	select {
	case p := <-r.acks:
		r.mu.Lock()
		r.outcome.PagesRead++
		r.mu.Unlock()
		r.say("           → Dr Agostini opens the message on her phone: the alert is acknowledged (%s), so it is not sent again.", p.AckedBy)
		return nil
	case <-bound():
		return fmt.Errorf("the daemon did not see the message read within %s", waitLimit)
	case <-ctx.Done():
		return ctx.Err()
	}
}
