package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// bigOne is a daemon that handled one message only.
type bigOne struct {
	Error        string  `json:"error,omitempty"`
	MessageBytes int64   `json:"message_bytes"`
	PeakRSSKB    int64   `json:"peak_rss_kb"`
	BytesFetched int64   `json:"bytes_fetched"`
	HandleS      float64 `json:"start_to_handled_s"`
}

type bigResult struct {
	Big   bigOne `json:"big"`
	Small bigOne `json:"small"`
}

// runBigMessage compares the peak RSS of a daemon whose inbox holds one
// message with a big attachment against one whose message is small.
func (b *bench) runBigMessage(ctx context.Context) (bigResult, error) {
	var res bigResult
	for _, c := range []struct {
		user   string
		attach int64 // whole message size wanted
		dst    *bigOne
	}{{"small", b.sz.smallMsg, &res.Small}, {"big", b.sz.bigMsg, &res.Big}} {
		// base64 in 76-column lines: 78 bytes on the wire per 57 of data.
		attach := max(1024, (c.attach-4000)*57/78)
		m := b.gen.generate(mailSpec{Seq: b.gen.nextSeq(), TextBytes: 2000, AttachSize: attach})
		if !b.check.ok(m) {
			return res, fmt.Errorf("generated %s message is not held by boundaryd", c.user)
		}
		if err := b.writeMaildir([]string{c.user}, m.Seq, m.Raw); err != nil {
			return res, err
		}
		if err := b.dc.resync(ctx, c.user); err != nil {
			return res, err
		}
		if err := b.dc.createMailbox(ctx, c.user, "Held"); err != nil {
			return res, err
		}
		b.logf("memory: boundaryd over one %s message of %d KB", c.user, len(m.Raw)>>10)
		*c.dst = b.oneMessage(ctx, c.user)
		c.dst.MessageBytes = int64(len(m.Raw))
	}
	return res, nil
}

func (b *bench) oneMessage(ctx context.Context, user string) (out bigOne) {
	dir := filepath.Join(b.work, user)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return bigOne{Error: err.Error()}
	}
	proxy, err := startProxy(b.dc.addr())
	if err != nil {
		return bigOne{Error: err.Error()}
	}
	defer proxy.close()
	sinks, err := startAlertSinks()
	if err != nil {
		return bigOne{Error: err.Error()}
	}
	defer sinks.close()
	sub, err := startSubprocess(ctx, b.bin, dir, sinks.config(proxy.port(), user, filepath.Join(dir, "state"), "all"))
	if err != nil {
		return bigOne{Error: err.Error()}
	}
	at, _, err := sub.waitHandled(ctx, 1, 60*time.Second)
	_, hwm, _ := memKB(sub.pid())
	sub.stop()
	out.PeakRSSKB = hwm
	out.BytesFetched = proxy.fromServer.Load()
	if err != nil {
		out.Error = err.Error()
	} else {
		out.HandleS = at.Sub(sub.started).Seconds()
	}
	return out
}
