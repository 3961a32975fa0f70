package main

import (
	"net"
	"sync"
	"sync/atomic"
)

// countingProxy forwards TCP connections to target and counts the bytes in
// each direction: what the server sent is what the client fetched.
type countingProxy struct {
	ln                 net.Listener
	target             string
	fromServer, toServ atomic.Int64
	wg                 sync.WaitGroup
}

func startProxy(target string) (*countingProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &countingProxy{ln: ln, target: target}
	go p.accept()
	return p, nil
}

func (p *countingProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *countingProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go p.pipe(c, s, &p.fromServer)
		go p.pipe(s, c, &p.toServ)
	}
}

// pipe copies src to dst, counting into n.
func (p *countingProxy) pipe(dst, src net.Conn, n *atomic.Int64) {
	defer p.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			if _, werr := dst.Write(buf[:k]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = dst.Close()
	_ = src.Close()
}

func (p *countingProxy) close() { _ = p.ln.Close() }
