package testimap

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
)

// capFilter forwards IMAP connections and removes one capability from the
// server's CAPABILITY lists, so a client sees a server without it. It
// follows IMAP literal framing so message bodies pass through untouched.
type capFilter struct {
	t      testing.TB
	ln     net.Listener
	target string
	hide   []byte
	// rewrite, when set, edits each server line (literals excluded); a nil
	// result drops the line.
	rewrite func(line []byte) []byte

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newCapFilter(t testing.TB, ln net.Listener, hide string) *capFilter {
	return &capFilter{t: t, ln: ln, hide: []byte(hide), conns: make(map[net.Conn]struct{})}
}

func (f *capFilter) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go f.handle(c)
	}
}

func (f *capFilter) track(c net.Conn, add bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if add {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *capFilter) handle(client net.Conn) {
	server, err := net.Dial("tcp", f.target)
	if err != nil {
		client.Close()
		return
	}
	f.track(client, true)
	f.track(server, true)
	defer func() {
		client.Close()
		server.Close()
		f.track(client, false)
		f.track(server, false)
	}()
	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	f.filter(client, server)
}

var literalSuffix = regexp.MustCompile(`\{(\d+)\+?\}\r\n$`)

func (f *capFilter) filter(dst io.Writer, src io.Reader) {
	r := bufio.NewReader(src)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if len(f.hide) > 0 && bytes.Contains(line, []byte("CAPABILITY ")) {
				line = removeCap(line, f.hide)
			}
			if f.rewrite != nil {
				line = f.rewrite(line)
			}
			if _, werr := dst.Write(line); werr != nil {
				return
			}
			if m := literalSuffix.FindSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(string(m[1]), 10, 64)
				if _, err := io.CopyN(dst, r, n); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// removeCap drops the token capName (and nothing that merely starts with
// it) from a CAPABILITY line.
func removeCap(line, capName []byte) []byte {
	fields := bytes.Split(line, []byte(" "))
	out := fields[:0]
	for _, f := range fields {
		trimmed := bytes.TrimRight(f, "]\r\n")
		if bytes.EqualFold(trimmed, capName) {
			if len(trimmed) < len(f) && len(out) > 0 {
				// Keep the closing "]" or CRLF that followed the token.
				out[len(out)-1] = append(append([]byte{}, out[len(out)-1]...), f[len(trimmed):]...)
			}
			continue
		}
		out = append(out, f)
	}
	return bytes.Join(out, []byte(" "))
}

var (
	selectUIDNext = regexp.MustCompile(`^\* OK \[UIDNEXT \d+\]`)
	statusUIDNext = regexp.MustCompile(` ?UIDNEXT \d+`)
)

// hideUIDNext returns a rewrite that removes UIDNEXT from SELECT answers
// (as Courier does) and, when alsoStatus, from STATUS answers too.
func hideUIDNext(alsoStatus bool) func([]byte) []byte {
	return func(line []byte) []byte {
		if selectUIDNext.Match(line) {
			return nil
		}
		if alsoStatus && bytes.HasPrefix(line, []byte("* STATUS ")) {
			line = statusUIDNext.ReplaceAll(line, nil)
			line = bytes.Replace(line, []byte("( "), []byte("("), 1)
		}
		return line
	}
}

func (f *capFilter) close() {
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
	}
}
