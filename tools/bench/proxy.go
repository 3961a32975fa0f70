package main

import (
	"bytes"
	"maps"
	"net"
	"strings"
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

	mu   sync.Mutex
	cmds map[string]int // client commands by name ("UID FETCH", "IDLE", ...)
}

func startProxy(target string) (*countingProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &countingProxy{ln: ln, target: target, cmds: map[string]int{}}
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
		go p.pipe(c, s, &p.fromServer, nil)
		go p.pipe(s, c, &p.toServ, p.countCommands())
	}
}

// pipe copies src to dst, counting into n, and hands what it copies to
// see (when not nil).
func (p *countingProxy) pipe(dst, src net.Conn, n *atomic.Int64, see func([]byte)) {
	defer p.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			if see != nil {
				see(buf[:k])
			}
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

// countCommands returns a line splitter for one client connection that
// counts its commands by name: the word after the tag, two words for UID
// commands. A literal's bytes are not commands, but boundaryd sends none
// past LOGIN; "DONE" ends an IDLE and is counted as such.
func (p *countingProxy) countCommands() func([]byte) {
	var line []byte
	return func(b []byte) {
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				if len(line) < 256 {
					line = append(line, b[:min(len(b), 256-len(line))]...)
				}
				return
			}
			if len(line) < 256 {
				line = append(line, b[:min(i, 256-len(line))]...)
			}
			b = b[i+1:]
			if name := commandName(string(line)); name != "" {
				p.mu.Lock()
				p.cmds[name]++
				p.mu.Unlock()
			}
			line = line[:0]
		}
	}
}

func commandName(line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) == 1:
		return strings.ToUpper(f[0]) // DONE
	case len(f) >= 3 && strings.EqualFold(f[1], "UID"):
		return "UID " + strings.ToUpper(f[2])
	case len(f) >= 2:
		return strings.ToUpper(f[1])
	}
	return ""
}

// commands returns the counts so far.
func (p *countingProxy) commands() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.cmds)
}
