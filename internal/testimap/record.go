package testimap

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
)

// Recorder is a TCP proxy on 127.0.0.1 in front of a server that keeps
// every byte the clients sent, to check on the wire what a client said
// (LOGIN or AUTHENTICATE PLAIN, say). It stops on t.Cleanup.
type Recorder struct {
	ln  net.Listener
	mu  sync.Mutex
	buf bytes.Buffer
}

// StartRecorder proxies connections to target ("host:port").
func StartRecorder(t testing.TB, target string) *Recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testimap: recorder listen: %v", err)
	}
	r := &Recorder{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
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

type recorderSink Recorder

func (s *recorderSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}
