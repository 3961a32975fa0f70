package imapwatch

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// fuzzPhases are the moments of a session where FuzzSession's bytes reach
// the daemon, in order; the input's segments, split on NUL, go to them.
var fuzzPhases = []string{"select", "structure", "header", "text", "idle", "sizes"}

// FuzzSession: the fuzzer's bytes are what the server sends during one
// daemon session (select, search, the fetches, idle): segment i, cut at NUL
// bytes, is sent at fuzzPhases[i], "$TAG" standing for the command's tag.
// A segment that answers the command itself (it holds "$TAG") replaces the
// server's honest answer; any other is sent ahead of it. However broken or
// huge the data, the session ends with an error or with what was asked,
// within bounds, and never takes the process with it.
func FuzzSession(f *testing.F) {
	// More seeds, one per kind of trouble, are in testdata/fuzz/FuzzSession.
	for _, seed := range [][]string{
		{},
		{"", "", "* 1 FETCH (UID 1 BODY[HEADER]<0> {20}\r\nSubject: no end\r\n)\r\n$TAG OK\r\n"},
		{"", "", "", "* 1 FETCH (UID 1 BODY[1]<0> NIL)\r\n$TAG OK\r\n"},
		{"", "* BYE going away\r\n"},
		{"", "\x00\xff(((\"{5}\r\n"},
	} {
		f.Add([]byte(strings.Join(seed, "\x00")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		segs := bytes.SplitN(data, []byte{0}, len(fuzzPhases))
		seg := func(phase string) []byte {
			for i, p := range fuzzPhases {
				if p == phase && i < len(segs) {
					return segs[i]
				}
			}
			return nil
		}
		srv := startScripted(t, 3, nil)
		srv.silence = 300 * time.Millisecond
		srv.fetch = func(w io.Writer, tag, line string) error {
			if b := seg(fetchPhase(line)); len(b) > 0 {
				if _, err := w.Write(bytes.ReplaceAll(b, []byte("$TAG"), []byte(tag))); err != nil {
					return err
				}
				if bytes.Contains(b, []byte("$TAG")) {
					return nil
				}
			}
			return srv.honestFetch(w, tag, line)
		}
		srv.beforeSelectOK = seg("select")
		srv.idle = func(w io.Writer) error {
			_, err := w.Write(seg("idle"))
			return err
		}

		opts := srv.options(t)
		opts.CommandTimeout = 2 * time.Second
		opts.IdleRefresh = 50 * time.Millisecond
		opts.MaxHeaderBytes = 1 << 10
		opts.MaxTextBytes = 1 << 10
		start := time.Now()
		err := fuzzSession(t, opts)
		t.Logf("session: %v", err)
		if d := time.Since(start); d > 8*time.Second {
			t.Fatalf("session took %v (%v)", d, err)
		}
		if err != nil && len(err.Error()) > 600 {
			t.Fatalf("error text of %d bytes", len(err.Error()))
		}
	})
}

// fuzzSession is one daemon session; what Fetch returns must be within
// what was asked.
func fuzzSession(t *testing.T, opts Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, opts)
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
	got, err := s.Fetch(ctx, uids)
	if err != nil {
		return err
	}
	asked := map[uint32]bool{}
	for _, u := range uids {
		asked[u] = true
	}
	for _, f := range got {
		if !asked[f.UID] {
			t.Fatalf("uid %d returned, not asked (%v)", f.UID, uids)
		}
		if int64(len(f.Header)) > opts.MaxHeaderBytes {
			t.Fatalf("uid %d: header of %d bytes", f.UID, len(f.Header))
		}
		if len(f.Parts) > maxPartsPerMessage {
			t.Fatalf("uid %d: %d parts", f.UID, len(f.Parts))
		}
		for _, p := range f.Parts {
			if int64(len(p.Body)) > opts.MaxTextBytes {
				t.Fatalf("uid %d part %s: %d bytes", f.UID, p.Path, len(p.Body))
			}
		}
	}
	_, err = s.Wait(ctx)
	return err
}
