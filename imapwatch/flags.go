package imapwatch

import (
	"context"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// sleepOrWake is sleep that also ends, with woken true, when a value
// arrives on Options.Wake.
func (o Options) sleepOrWake(ctx context.Context, d time.Duration, closed <-chan struct{}) (isClosed, woken bool, err error) {
	if o.Wake == nil {
		isClosed, err = o.sleep(ctx, d, closed)
		return isClosed, false, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-o.Wake:
			woken = true
			cancel()
		case <-sctx.Done():
		}
	}()
	isClosed, err = o.sleep(sctx, d, closed)
	cancel()
	<-done
	if woken && ctx.Err() == nil {
		return false, true, nil
	}
	return isClosed, false, err
}

// Flags returns the flags of those of uids still in the selected mailbox
// (one UID FETCH FLAGS); a UID missing from the answer is gone (moved,
// expunged). The daemon reads its open pages' acknowledgements from it.
func (s *Session) Flags(ctx context.Context, uids []uint32) (map[uint32][]string, error) {
	out := map[uint32][]string{}
	if len(uids) == 0 {
		return out, nil
	}
	err := s.cmd(ctx, "imap uid fetch flags", func() error {
		s.limitReads("imap uid fetch flags", perUIDBudget(len(uids)))
		msgs, err := s.c.Fetch(uidSet(uids), &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.UID == 0 || !slices.Contains(uids, uint32(m.UID)) {
				continue
			}
			fl := make([]string, len(m.Flags))
			for i, f := range m.Flags {
				fl[i] = string(f)
			}
			out[uint32(m.UID)] = fl
		}
		return nil
	})
	return out, err
}
