package imapwatch

import (
	"testing"
	"time"
)

func TestWaitWakesOnDelivery(t *testing.T) {
	for _, b := range backends {
		for _, p := range []struct {
			name  string
			prof  profile
			bound time.Duration
		}{{"idle", full, 2 * time.Second}, {"poll", noIdle, time.Second + 2*time.Second}} {
			t.Run(b.name+"/"+p.name, func(t *testing.T) {
				srv := b.start(t, p.prof)
				s := dialSelected(t, srv)
				if got := s.Caps().IDLE; got != (p.prof == full) {
					t.Fatalf("IDLE cap = %v", got)
				}
				type result struct {
					ev  Event
					err error
					at  time.Time
				}
				done := make(chan result, 1)
				ctx := testCtx(t, 15*time.Second)
				go func() {
					for {
						ev, err := s.Wait(ctx)
						if err != nil || ev.Kind == EventNewMail {
							done <- result{ev, err, time.Now()}
							return
						}
						// A refresh with nothing new: keep waiting, as Run does.
					}
				}()
				// Let the watcher enter IDLE (or its poll sleep) first.
				time.Sleep(300 * time.Millisecond)
				sent := time.Now()
				srv.Deliver("INBOX", plainMessage("new", "mail"))
				delivered := time.Now()
				r := <-done
				if r.err != nil {
					t.Fatal(r.err)
				}
				// Measured from the end of delivery: doveadm itself can be
				// slow on a loaded machine, and that is not the watcher's delay.
				lat := max(r.at.Sub(delivered), 0)
				t.Logf("woke %v after delivery ended (%v after it began) (%s)", lat.Round(time.Millisecond), r.at.Sub(sent).Round(time.Millisecond), p.name)
				if lat > p.bound {
					t.Errorf("woke after %v, want within %v", lat, p.bound)
				}
				uids, err := s.UIDsAfter(testCtx(t, 5*time.Second), 0)
				if err != nil || len(uids) != 1 {
					t.Fatalf("UIDsAfter = %v, %v", uids, err)
				}
			})
		}
	}
}

func TestWaitRefreshesIdle(t *testing.T) {
	srv := memServer{mustMem(t)}
	opts := optionsFor(t, srv)
	opts.IdleRefresh = 200 * time.Millisecond
	s := dial(t, opts)
	if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		ev, err := s.Wait(testCtx(t, 5*time.Second))
		if err != nil || ev.Kind != EventRefresh {
			t.Fatalf("Wait = %v, %v; want refresh", ev, err)
		}
	}
}
