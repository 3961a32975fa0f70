package imapwatch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileSend is how much a hostile script sends at most before it just
// holds the connection: enough to prove the client stops reading long
// before (an unbounded client would hold it all in memory), little enough
// that a regression does not take the machine down.
const hostileSend = 256 << 20

// hostileMemoryBound is what one hostile session may cost the process, peak.
const hostileMemoryBound = 64 << 20

// deepStructure is a BODYSTRUCTURE depth multipart levels deep.
func deepStructure(depth int) string {
	return strings.Repeat("(", depth) + `("text" "plain" NIL NIL NIL "7bit" 10 1)` + strings.Repeat(` "mixed")`, depth)
}

// hostileScripts answer one of the daemon's UID FETCHes (phase: sizes,
// structure, header or text) the way an attacker would; the others are answered
// honestly.
var hostileScripts = []struct {
	name  string
	phase string
	send  func(w io.Writer, tag string) error
	want  func(err error) bool
	claim int64 // the RFC822.SIZE claimed for every message (0: 40 bytes)
}{
	{"2 GB literal for a header", "header", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "* 1 FETCH (UID 1 BODY[HEADER]<0> {2147483648}\r\n", "a", hostileSend))
	}, isTooMuch, 0},
	{"2 GB literal for a text part", "text", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "* 1 FETCH (UID 1 BODY[1]<0> {2147483648}\r\n", "a", hostileSend))
	}, isTooMuch, 0},
	{"100000-deep BODYSTRUCTURE", "structure", func(w io.Writer, tag string) error {
		_, err := fmt.Fprintf(w, "* 1 FETCH (UID 1 BODYSTRUCTURE %s)\r\n%s OK done\r\n", deepStructure(100000), tag)
		return err
	}, isTooDeep, 0},
	{"10000000-deep BODYSTRUCTURE", "structure", func(w io.Writer, tag string) error {
		// Past the budget before the end: the depth limit must hold on
		// the way there (a few MB of "(" overflowed the stack).
		return holdAfter(stream(w, "* 1 FETCH (UID 1 BODYSTRUCTURE ", "(", 10000000))
	}, isTooDeep, 0},
	{"BODYSTRUCTURE of a million parts", "structure", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "* 1 FETCH (UID 1 BODYSTRUCTURE (", `("text" "plain" NIL NIL NIL "7bit" 10 1)`, hostileSend))
	}, isTooMuch, 0},
	{"BODYSTRUCTURE of a million parts, messages claimed huge", "structure", func(w io.Writer, tag string) error {
		// The largest structure budget there is (maxStructureBytes).
		return holdAfter(stream(w, "* 1 FETCH (UID 1 BODYSTRUCTURE (", `("text" "plain" NIL NIL NIL "7bit" 10 1)`, hostileSend))
	}, isTooMuch, 1 << 30},
	{"BODYSTRUCTURE of 30000 parts, within the budget", "structure", func(w io.Writer, tag string) error {
		leaf := `("text" "plain" NIL NIL NIL "7bit" 10 1)`
		if err := stream(w, "* 1 FETCH (UID 1 BODYSTRUCTURE (", leaf, int64(len(leaf))*30000); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, " \"mixed\"))\r\n%s OK done\r\n", tag)
		return err
	}, func(err error) bool { return err == nil }, 0},
	{"endless line", "header", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "* OK ", "x", hostileSend))
	}, isTooMuch, 0},
	{"endless flag list", "sizes", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "* 1 FETCH (UID 1 FLAGS (", "$k ", hostileSend))
	}, isTooMuch, 0},
	{"endless quoted string", "structure", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, `* 1 FETCH (UID 1 FLAGS (\Seen) INTERNALDATE "`, "7", hostileSend))
	}, isTooMuch, 0},
	{"flood of small answers", "text", func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "", "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n", hostileSend))
	}, isTooMuch, 0},
	{"garbage", "header", func(w io.Writer, tag string) error {
		rng := rand.New(rand.NewPCG(1, 2))
		junk := make([]byte, 1<<20)
		for i := range junk {
			junk[i] = byte(rng.Uint32())
		}
		for sent := 0; sent < hostileSend; sent += len(junk) {
			if _, err := w.Write(junk); err != nil {
				return err
			}
		}
		return holdAfter(nil)
	}, func(err error) bool { return err != nil && !errors.Is(err, ErrTimeout) }, 0},
}

// startHostile starts a server that answers the script's phase with it.
func startHostile(t *testing.T, phase string, send func(w io.Writer, tag string) error) *scriptedServer {
	srv := startScripted(t, fetchBatch, nil)
	srv.fetch = func(w io.Writer, tag, line string) error {
		if fetchPhase(line) == phase {
			return send(w, tag)
		}
		return srv.honestFetch(w, tag, line)
	}
	return srv
}

// holdAfter keeps the connection open after a script has sent its worst
// (the server then reads until the client hangs up): the client, not the
// server closing, must end the session.
func holdAfter(err error) error {
	if err != nil {
		return err
	}
	return errHold
}

func isTooMuch(err error) bool { return errors.Is(err, ErrTooMuchData) }

func isTooDeep(err error) bool {
	return err != nil && strings.Contains(err.Error(), "exceeded max depth")
}

// One session against each hostile script: it ends with a clear error, in
// bounded time and memory, and the process lives on.
func TestHostileServerEndsSessionNotProcess(t *testing.T) {
	for _, sc := range hostileScripts {
		t.Run(sc.name, func(t *testing.T) {
			srv := startHostile(t, sc.phase, sc.send)
			srv.claimedSize = sc.claim
			var err error
			var elapsed time.Duration
			peakHeap, peakRSS := peakMemoryDuring(t, func() {
				start := time.Now()
				err = hostileSession(t, srv)
				elapsed = time.Since(start)
			})
			t.Logf("%s: %v after %v; peak heap +%d MiB, peak RSS +%d MiB", sc.name, err, elapsed.Round(time.Millisecond), peakHeap>>20, peakRSS>>20)
			if !sc.want(err) {
				t.Errorf("session error = %v, want a clear error naming what the server did", err)
			}
			if err != nil && len(err.Error()) > 600 {
				t.Errorf("error text of %d bytes: a log line, not a dump", len(err.Error()))
			}
			if errors.Is(err, ErrTimeout) || elapsed > 4*time.Second {
				t.Errorf("session took %v (err %v): it must end on the data, not on a timeout", elapsed, err)
			}
			if peakHeap > hostileMemoryBound || peakRSS > hostileMemoryBound {
				t.Errorf("peak heap +%d MiB, peak RSS +%d MiB: over the %d MiB bound", peakHeap>>20, peakRSS>>20, hostileMemoryBound>>20)
			}
		})
	}
}

// hostileSession runs what the daemon's handler does: select, search, fetch.
func hostileSession(t *testing.T, srv *scriptedServer) error {
	ctx := testCtx(t, 20*time.Second)
	s, err := Dial(ctx, srv.options(t))
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.SelectInbox(ctx); err != nil {
		return err
	}
	uids, err := s.UIDsAfter(ctx, 0)
	if err != nil {
		return err
	}
	_, err = s.Fetch(ctx, uids)
	return err
}

// peakMemoryDuring runs fn and returns how far the Go heap (sampled) and the
// process's resident size (the kernel's high-water mark, where it can be
// reset) rose above where they were.
func peakMemoryDuring(t *testing.T, fn func()) (heap, rss int64) {
	runtime.GC()
	debug.FreeOSMemory()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	heapBase := int64(sample[0].Value.Uint64())
	var peak int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
			metrics.Read(s)
			peak = max(peak, int64(s[0].Value.Uint64()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	rssBase, rssOK := int64(0), os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	if rssOK {
		rssBase = procStatus(t, "VmRSS")
	}
	fn()
	close(stop)
	wg.Wait()
	if rssOK {
		rss = procStatus(t, "VmHWM") - rssBase
	}
	return max(peak-heapBase, 0), max(rss, 0)
}

// procStatus reads one size field (kB) of /proc/self/status, in bytes.
func procStatus(t *testing.T, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		return kb << 10
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// News during IDLE counts against the IDLE's budget: a flood of EXISTS ends
// the wait with ErrTooMuchData, not a bare "connection closed".
func TestHostileFloodDuringIdle(t *testing.T) {
	srv := startScripted(t, 1, nil)
	srv.idle = func(w io.Writer) error {
		return holdAfter(stream(w, "* 1 EXISTS\r\n* OK ", "x", hostileSend))
	}
	ctx := testCtx(t, 20*time.Second)
	s, err := Dial(ctx, srv.options(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SelectInbox(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = s.Wait(ctx)
	if err == nil {
		// The EXISTS may end the IDLE before the flood: the flood then
		// answers DONE's wait.
		_, err = s.Wait(ctx)
	}
	if !errors.Is(err, ErrTooMuchData) {
		t.Fatalf("Wait = %v, want ErrTooMuchData", err)
	}
}

// Run survives every hostile session and reconnects with a growing delay.
func TestRunReconnectsAfterHostileServer(t *testing.T) {
	srv := startHostile(t, hostileScripts[0].phase, hostileScripts[0].send)
	opts := srv.options(t)
	const sessions = 4
	errs := make(chan error, 16)
	opts.OnDisconnect = func(err error) { errs <- err }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, opts, func(ctx context.Context, s *Session) error {
			uids, err := s.UIDsAfter(ctx, 0)
			if err != nil {
				return err
			}
			_, err = s.Fetch(ctx, uids)
			return err
		})
	}()
	var accepted []time.Time
	for len(accepted) < sessions {
		select {
		case at := <-srv.accepts:
			accepted = append(accepted, at)
		case <-ctx.Done():
			t.Fatalf("only %d connections before the deadline", len(accepted))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	close(errs)
	n := 0
	for err := range errs {
		n++
		if !errors.Is(err, ErrTooMuchData) {
			t.Errorf("session %d ended with %v, want ErrTooMuchData", n, err)
		}
	}
	if n < sessions-1 {
		t.Errorf("%d sessions ended, want at least %d", n, sessions-1)
	}
	// Delay k is in [d/2, d] with d = MinBackoff doubling: the gaps grow.
	for k := 1; k < len(accepted); k++ {
		gap := accepted[k].Sub(accepted[k-1])
		floor := opts.MinBackoff << (k - 1) / 2
		if gap < floor {
			t.Errorf("reconnection %d after %v, want at least %v (backoff)", k, gap, floor)
		}
	}
}

// A server claiming 4 billion messages gets a SEARCH budget of
// maxSearchBytes, not 44 GB: its flood of scattered UIDs ends the session
// within the memory bound.
func TestHostileSearchFlood(t *testing.T) {
	srv := startScripted(t, 1, nil)
	srv.claimedExists = 4294967295
	srv.search = func(w io.Writer, tag string) error {
		return holdAfter(stream(w, "* SEARCH", " 4000000001 4000000003 4000000005", hostileSend))
	}
	var err error
	heap, rss := peakMemoryDuring(t, func() { err = hostileSession(t, srv) })
	t.Logf("%v; peak heap +%d MiB, peak RSS +%d MiB", err, heap>>20, rss>>20)
	if !errors.Is(err, ErrTooMuchData) || !strings.Contains(err.Error(), "16 MiB") {
		t.Errorf("session error = %v, want ErrTooMuchData at 16 MiB", err)
	}
	if heap > hostileMemoryBound || rss > hostileMemoryBound {
		t.Errorf("peak heap +%d MiB, peak RSS +%d MiB: over the %d MiB bound", heap>>20, rss>>20, hostileMemoryBound>>20)
	}
}
