package imapwatch

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedServer speaks just enough IMAP on 127.0.0.1 for one session of
// the daemon: greeting, LOGIN, CAPABILITY, LIST, SELECT, UID SEARCH, NOOP,
// IDLE, LOGOUT, answered honestly, while UID FETCH and IDLE are answered by
// the test's script (a hostile server, or the fuzzer's bytes). Every
// connection runs the same script.
type scriptedServer struct {
	ln       net.Listener
	messages int // in INBOX, UIDs 1..messages
	// claimedSize is the RFC822.SIZE honestFetch announces (0: 40 bytes).
	claimedSize int64
	// claimedExists is the EXISTS of SELECT (0: messages).
	claimedExists uint32
	// search answers a UID SEARCH. nil: every UID.
	search func(w io.Writer, tag string) error

	// fetch answers a UID FETCH; the tagged completion is the script's to
	// send. nil: honestFetch.
	fetch func(w io.Writer, tag, line string) error
	// idle is sent after the continuation of an IDLE. nil: nothing.
	idle func(w io.Writer) error
	// beforeSelectOK is sent within the SELECT answer, before its
	// completion ("$TAG" standing for the tag).
	beforeSelectOK []byte

	// silence, when set, closes a connection whose client sent nothing
	// for that long (a client waiting for bytes a script never sends).
	silence time.Duration

	accepts chan time.Time // one per connection accepted

	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startScripted(t testing.TB, messages int, fetch func(w io.Writer, tag, line string) error) *scriptedServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedServer{ln: ln, messages: messages, fetch: fetch, accepts: make(chan time.Time, 64), conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *scriptedServer) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *scriptedServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		select {
		case s.accepts <- time.Now():
		default:
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				_ = c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			_ = s.session(c)
		}()
	}
}

// options are the daemon's options for this server.
func (s *scriptedServer) options(t testing.TB) Options {
	addr := s.ln.Addr().(*net.TCPAddr)
	return Options{
		Host:           "127.0.0.1",
		Port:           addr.Port,
		Security:       SecurityInsecure,
		Username:       "dr",
		Password:       func(context.Context) (string, error) { return "secret", nil },
		CommandTimeout: 5 * time.Second,
		MinBackoff:     100 * time.Millisecond,
		MaxBackoff:     2 * time.Second,
		Logger:         testLogger(t),
	}
}

const scriptedCaps = "IMAP4rev1 IDLE MOVE"

func (s *scriptedServer) session(c net.Conn) error {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	send := func(lines ...string) error {
		for _, l := range lines {
			if _, err := w.WriteString(l + "\r\n"); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	if err := send("* OK [CAPABILITY " + scriptedCaps + "] scripted server ready"); err != nil {
		return err
	}
	for {
		if s.silence > 0 {
			_ = c.SetReadDeadline(time.Now().Add(s.silence))
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		tag, rest, _ := strings.Cut(line, " ")
		verb, args, _ := strings.Cut(rest, " ")
		verb = strings.ToUpper(verb)
		if verb == "UID" {
			verb, args, _ = strings.Cut(args, " ")
			verb = "UID " + strings.ToUpper(verb)
		}
		switch verb {
		case "LOGIN":
			err = send(tag + " OK [CAPABILITY " + scriptedCaps + "] logged in")
		case "CAPABILITY":
			err = send("* CAPABILITY "+scriptedCaps, tag+" OK done")
		case "LIST":
			err = send(`* LIST (\Noselect) "/" ""`, tag+" OK done")
		case "SELECT", "EXAMINE":
			if len(s.beforeSelectOK) > 0 {
				if _, err = w.Write(bytes.ReplaceAll(s.beforeSelectOK, []byte("$TAG"), []byte(tag))); err != nil {
					return err
				}
			}
			err = send(fmt.Sprintf("* %d EXISTS", cmp.Or(s.claimedExists, uint32(s.messages))), "* OK [UIDVALIDITY 7] ok",
				fmt.Sprintf("* OK [UIDNEXT %d] ok", s.messages+1), "* FLAGS (\\Seen \\Flagged)",
				"* OK [PERMANENTFLAGS (\\Seen \\Flagged \\*)] ok", tag+" OK [READ-WRITE] selected")
		case "UID SEARCH":
			if s.search != nil {
				err = s.search(w, tag)
				if err == nil || errors.Is(err, errHold) {
					if ferr := w.Flush(); ferr != nil {
						return ferr
					}
				}
				break
			}
			uids := make([]string, s.messages)
			for i := range uids {
				uids[i] = strconv.Itoa(i + 1)
			}
			err = send("* SEARCH "+strings.Join(uids, " "), tag+" OK done")
		case "UID MOVE":
			// Every message moves, each announced by its EXPUNGE.
			for range s.messages {
				if _, err = w.WriteString("* 1 EXPUNGE\r\n"); err != nil {
					return err
				}
			}
			err = send(tag + " OK moved")
		case "UID FETCH":
			if s.fetch == nil {
				err = s.honestFetch(w, tag, args)
			} else {
				err = s.fetch(w, tag, args)
			}
			if err == nil || errors.Is(err, errHold) {
				if ferr := w.Flush(); ferr != nil {
					return ferr
				}
			}
		case "IDLE":
			if err = send("+ idling"); err != nil {
				return err
			}
			if s.idle != nil {
				err = s.idle(w)
				if err != nil && !errors.Is(err, errHold) {
					return err
				}
				if ferr := w.Flush(); ferr != nil {
					return ferr
				}
				if err != nil {
					break
				}
			}
			if _, err = r.ReadString('\n'); err != nil { // DONE
				return err
			}
			err = send(tag + " OK idle done")
		case "LOGOUT":
			_ = send("* BYE bye", tag+" OK bye")
			return nil
		default:
			err = send(tag + " OK done")
		}
		if errors.Is(err, errHold) {
			// Until the client hangs up (or the test ends).
			_, err = io.Copy(io.Discard, r)
			return err
		}
		if err != nil {
			return err
		}
	}
}

// errHold, from a script, means: send nothing more, keep the connection
// open until the client closes it.
var errHold = errors.New("hold the connection")

// fetchPhase tells which of the daemon's fetches a UID FETCH line is.
func fetchPhase(line string) string {
	switch {
	case strings.Contains(line, "BODYSTRUCTURE"):
		return "structure"
	case strings.Contains(line, "BODY.PEEK[HEADER]"):
		return "header"
	case strings.Contains(line, "RFC822.SIZE"):
		return "sizes"
	}
	return "text"
}

// honestFetch answers a UID FETCH as a server would for messages that are
// one short text/plain part each (the UID set is taken as 1:messages).
func (s *scriptedServer) honestFetch(w io.Writer, tag, line string) error {
	uids := []int{}
	set, _, _ := strings.Cut(line, " ")
	if n, err := strconv.Atoi(set); err == nil {
		uids = append(uids, n)
	} else {
		for i := 1; i <= s.messages; i++ {
			uids = append(uids, i)
		}
	}
	for _, u := range uids {
		var err error
		switch fetchPhase(line) {
		case "sizes":
			_, err = fmt.Fprintf(w, "* %d FETCH (UID %d FLAGS () INTERNALDATE \"01-Dec-2026 10:00:00 +0000\" RFC822.SIZE %d)\r\n", u, u, cmp.Or(s.claimedSize, 40))
		case "structure":
			_, err = fmt.Fprintf(w, "* %d FETCH (UID %d BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1))\r\n", u, u)
		case "header":
			h := fmt.Sprintf("Subject: m%d\r\n\r\n", u)
			_, err = fmt.Fprintf(w, "* %d FETCH (UID %d BODY[HEADER]<0> {%d}\r\n%s)\r\n", u, u, len(h), h)
		default:
			_, err = fmt.Fprintf(w, "* %d FETCH (UID %d BODY[1]<0> {10}\r\n0123456789)\r\n", u, u)
		}
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%s OK done\r\n", tag)
	return err
}

// stream writes prefix, then unit repeated until n bytes are sent (in
// blocks), or the client goes away.
func stream(w io.Writer, prefix, unit string, n int64) error {
	if _, err := io.WriteString(w, prefix); err != nil {
		return err
	}
	block := []byte(strings.Repeat(unit, max(1, (64<<10)/len(unit))))
	for n > 0 {
		k := min(n, int64(len(block)))
		if _, err := w.Write(block[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
