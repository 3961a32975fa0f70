package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
)

// idPattern finds a generated message's token in its sender address.
var idPattern = regexp.MustCompile(`\.(b\d{6})@patients\.example`)

// arrivals records when each message token was first seen by a sink.
type arrivals struct {
	mu    sync.Mutex
	first map[string]time.Time
	total int
	ch    chan struct{} // poked on every arrival
}

func newArrivals() *arrivals {
	return &arrivals{first: map[string]time.Time{}, ch: make(chan struct{}, 1)}
}

func (a *arrivals) record(id string, at time.Time) {
	a.mu.Lock()
	a.total++
	if _, ok := a.first[id]; !ok && id != "" {
		a.first[id] = at
	}
	a.mu.Unlock()
	select {
	case a.ch <- struct{}{}:
	default:
	}
}

func (a *arrivals) get(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.first[id]
	return t, ok
}

func (a *arrivals) count() (distinct, total int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.first), a.total
}

// smtpSink is the shared SMTP sink (internal/smtpsink) on 127.0.0.1,
// noting when each alert was accepted: the end of DATA.
type smtpSink struct {
	sink *smtpsink.Sink
	port int
	got  *arrivals
}

func startSMTPSink() (*smtpSink, error) {
	got := newArrivals()
	s, err := smtpsink.Listen(smtpsink.Options{Timeout: 30 * time.Second,
		OnMessage: func(m smtpsink.Message) { got.record(alertID(m.Data), m.At) }})
	if err != nil {
		return nil, err
	}
	return &smtpSink{sink: s, port: s.Port(), got: got}, nil
}

func (s *smtpSink) close() { _ = s.sink.Close() }

// alertID finds the token of the message an alert is about: the alert names
// the sender, whose address carries it. The body is quoted-printable.
func alertID(b []byte) string {
	if m := idPattern.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		dec, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b[i+4:])))
		if m := idPattern.FindSubmatch(dec); m != nil {
			return string(m[1])
		}
	}
	return ""
}

// webhookSink is a real HTTP endpoint recording alert POSTs.
type webhookSink struct {
	srv *http.Server
	url string
	got *arrivals
}

func startWebhookSink() (*webhookSink, error) {
	w := &webhookSink{got: newArrivals()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body struct {
			From string `json:"from"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		w.got.record(alertID([]byte(body.From)), time.Now())
	})}
	go func() { _ = w.srv.Serve(ln) }()
	w.url = "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/alert"
	return w, nil
}

func (w *webhookSink) close() { _ = w.srv.Close() }
