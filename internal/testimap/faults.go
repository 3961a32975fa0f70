package testimap

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a server, able to cut every
// connection on demand or at random byte counts.
type Proxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	// cutAfter, when > 0, cuts each connection once it has carried a
	// random number of bytes in [1, cutAfter] (server to client).
	cutAfter atomic.Int64
	cuts     atomic.Int64
	accepted atomic.Int64

	mu     sync.Mutex
	pairs  map[*proxyPair]struct{}
	closed bool
}

type proxyPair struct {
	client, server net.Conn
	frozen         atomic.Bool
}

func (p *proxyPair) close() {
	p.client.Close()
	p.server.Close()
}

// StartProxy forwards 127.0.0.1:free-port to target (host:port).
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testimap: proxy listen: %v", err)
	}
	p := &Proxy{t: t, ln: ln, target: target, pairs: make(map[*proxyPair]struct{})}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// CutAll closes every open connection now (both sides), as a network
// failure would. New connections are still accepted.
func (p *Proxy) CutAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for pair := range p.pairs {
		pair.close()
		delete(p.pairs, pair)
		n++
	}
	p.cuts.Add(int64(n))
	return n
}

// Freeze makes every open connection a black hole: it stays open but no
// byte passes in either direction any more, like a silently dropped link.
// New connections work normally.
func (p *Proxy) Freeze() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pair := range p.pairs {
		pair.frozen.Store(true)
	}
	return len(p.pairs)
}

// CutRandomly makes every connection (open or new) die after a random
// number of bytes in [1, maxBytes] flowing from the server; 0 turns it off.
func (p *Proxy) CutRandomly(maxBytes int64) { p.cutAfter.Store(maxBytes) }

// Cuts counts the connections cut so far.
func (p *Proxy) Cuts() int64 { return p.cuts.Load() }

// Accepted counts the connections accepted so far.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.CutAll()
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		go p.handle(c)
	}
}

func (p *Proxy) handle(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	pair := &proxyPair{client: client, server: server}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		pair.close()
		return
	}
	p.pairs[pair] = struct{}{}
	p.mu.Unlock()

	drop := func() {
		p.mu.Lock()
		_, open := p.pairs[pair]
		delete(p.pairs, pair)
		p.mu.Unlock()
		if open {
			pair.close()
		}
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := client.Read(buf)
			if n > 0 && !pair.frozen.Load() {
				if _, werr := server.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		drop()
	}()
	buf := make([]byte, 4096)
	var carried, limit int64
	for {
		if max := p.cutAfter.Load(); max > 0 && limit == 0 {
			limit = carried + 1 + rand.Int64N(max)
		}
		n, err := server.Read(buf)
		if n > 0 && pair.frozen.Load() {
			n = 0
		}
		if n > 0 {
			chunk := buf[:n]
			if limit > 0 && carried+int64(n) >= limit {
				_, _ = client.Write(chunk[:limit-carried])
				p.cuts.Add(1)
				drop()
				return
			}
			carried += int64(n)
			if _, werr := client.Write(chunk); werr != nil {
				drop()
				return
			}
		}
		if err != nil {
			drop()
			return
		}
	}
}

// Silent is a server that accepts, greets "* OK" and then never answers,
// like a stalled server or a black-holed connection.
type Silent struct {
	ln       net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	greeting bool
}

// StartSilent starts a silent server. With greet false it does not even
// send the greeting.
func StartSilent(t testing.TB, greet bool) *Silent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testimap: silent listen: %v", err)
	}
	s := &Silent{ln: ln, greeting: greet}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			if s.greeting {
				_, _ = c.Write([]byte("* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] silent server ready\r\n"))
			}
			// Swallow whatever the client sends and never reply.
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Addr is the server's host:port.
func (s *Silent) Addr() string { return s.ln.Addr().String() }

// Port is the server's port.
func (s *Silent) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops the server and its connections.
func (s *Silent) Close() {
	s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}
