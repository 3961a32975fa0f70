// Package testnet has network helpers for tests that are about no one
// protocol: a recording TCP proxy to see on the wire what a client said, or
// that it never connected at all.
package testnet

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
)

// Recorder is a TCP proxy on 127.0.0.1 in front of a server that counts
// connections and keeps every byte the clients sent, to check on the wire
// what a client said (LOGIN or AUTHENTICATE PLAIN, say) or that it never
// came. It stops on t.Cleanup.
type Recorder struct {
	ln    net.Listener
	mu    sync.Mutex
	buf   bytes.Buffer
	conns int
	open  []net.Conn // closed at cleanup, so no copy outlives the test
}

// StartRecorder proxies connections to target ("host:port").
func StartRecorder(t testing.TB, target string) *Recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testnet: recorder listen: %v", err)
	}
	r := &Recorder{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.open {
			c.Close()
		}
		r.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			r.mu.Lock()
			r.conns++
			r.open = append(r.open, c)
			if err == nil {
				r.open = append(r.open, up)
			}
			r.mu.Unlock()
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(io.MultiWriter(up, (*recorderSink)(r)), c); up.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return r
}

// Port is the recorder's port on 127.0.0.1.
func (r *Recorder) Port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// Sent returns everything the clients sent so far.
func (r *Recorder) Sent() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// Conns is how many connections the recorder accepted so far.
func (r *Recorder) Conns() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

type recorderSink Recorder

func (s *recorderSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}
