package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// backlogTool is one tool's result on the backlog job.
type backlogTool struct {
	Skipped   string  `json:"skipped,omitempty"`
	Error     string  `json:"error,omitempty"`
	WallS     float64 `json:"wall_s"`
	Handled   int     `json:"handled"`
	Complete  bool    `json:"complete"`
	MsgsPerS  float64 `json:"msgs_per_s"`
	PeakRSSKB int64   `json:"peak_rss_kb"`
	// EndAnonKB and EndFileKB split the RSS when the last message was
	// handled: heap and stacks versus mapped files (the binary, the state
	// database's mmap). boundaryd only.
	EndAnonKB   int64 `json:"end_rss_anon_kb,omitempty"`
	EndFileKB   int64 `json:"end_rss_file_kb,omitempty"`
	BytesFromIM int64 `json:"bytes_fetched"`
	BytesToIM   int64 `json:"bytes_sent"`
	InboxLeft   int   `json:"inbox_after"`
	// Commands counts the IMAP commands sent, by name (boundaryd only).
	Commands map[string]int `json:"imap_commands,omitempty"`
	Flagged  int            `json:"inbox_flagged_after"`
	Held     int            `json:"held_after"`
	Alerts   int            `json:"alerts_smtp,omitempty"`
	// LimitS is how long the tool was given (imapfilter: derived from
	// boundaryd's wall time on the same backlog).
	LimitS float64 `json:"limit_s,omitempty"`
	// Unfinished says why the outcome is incomplete where the tool was
	// stopped at its limit (imapfilter only).
	Unfinished string `json:"unfinished,omitempty"`
}

type backlogResult struct {
	Messages       int         `json:"messages"`
	Emergencies    int         `json:"emergencies"`
	WithAttachment int         `json:"with_attachment"`
	MailboxBytes   int64       `json:"mailbox_bytes"`
	AttachBytes    int64       `json:"attachment_part_bytes"`
	LargestBytes   int64       `json:"largest_message_bytes"`
	GenerateS      float64     `json:"generate_and_check_s"`
	WriteS         float64     `json:"maildir_write_s"`
	ResyncS        float64     `json:"force_resync_s"`
	DoveadmSaveEst float64     `json:"doveadm_save_estimate_s"`
	Boundaryd      backlogTool `json:"boundaryd"`
	Imapfilter     backlogTool `json:"imapfilter"`
}

// writeMaildir puts raw straight into new/ of each user's INBOX (hard links:
// one copy on disk). Dovecot adopts such files at its next sync.
func (b *bench) writeMaildir(users []string, seq int, raw []byte) error {
	name := strconv.FormatInt(b.gen.now.Unix(), 10) + ".M" + strconv.Itoa(seq) + "P" + strconv.Itoa(os.Getpid()) + ".bench"
	var first string
	uid, gid := b.dc.srv.Owner()
	for i, u := range users {
		p := filepath.Join(b.dc.maildir(u), "new", name)
		if i == 0 {
			if err := os.WriteFile(p, raw, 0o600); err != nil {
				return err
			}
			if err := os.Chown(p, uid, gid); err != nil && os.Geteuid() == 0 {
				return err
			}
			first = p
			continue
		}
		if err := os.Link(first, p); err != nil {
			return err
		}
	}
	return nil
}

// mailboxState counts what is where after a job, over IMAP.
func mailboxState(addr, user string) (inbox, flagged, held int, err error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return 0, 0, 0, err
	}
	st, err := c.Status("Held", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0, 0, 0, err
	}
	held = int(*st.NumMessages)
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return 0, 0, 0, err
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged}}, nil).Wait()
	if err != nil {
		return 0, 0, 0, err
	}
	return int(sel.NumMessages), len(data.AllUIDs()), held, nil
}

// runBacklog is the `backlog: all` job over a big inbox, boundaryd as a
// subprocess behind a counting proxy, then imapfilter on an identical copy.
func (b *bench) runBacklog(ctx context.Context) (backlogResult, error) {
	var res backlogResult
	users := []string{"bl-bd", "bl-imf"}
	plan := sizePlan{textLo: 700, textHi: 16000, attachRatio: 0.05, attachLo: 20 << 10, attachHi: b.sz.backlogAttachMax}
	big := sizePlan{textLo: 700, textHi: 4000, attachRatio: 1, attachLo: b.sz.backlogBigMin, attachHi: b.sz.backlogBigMax}
	n := b.sz.backlogN
	b.logf("backlog: generating %d messages into the maildirs of %v", n, users)
	start := time.Now()
	var genDur, writeDur time.Duration
	for i := range n {
		p := plan
		if i%max(1, n/max(1, b.sz.backlogBig)) == 7 {
			p = big
		}
		t0 := time.Now()
		m, err := b.check.make(b.gen, b.gen.r.IntN(20) == 0, p)
		if err != nil {
			return res, err
		}
		t1 := time.Now()
		if err := b.writeMaildir(users, m.Seq, m.Raw); err != nil {
			return res, fmt.Errorf("maildir: %w", err)
		}
		genDur += t1.Sub(t0)
		writeDur += time.Since(t1)
		res.Messages++
		res.MailboxBytes += int64(len(m.Raw))
		res.LargestBytes = max(res.LargestBytes, int64(len(m.Raw)))
		if m.Emergency {
			res.Emergencies++
		}
		if m.AttachSize > 0 {
			res.WithAttachment++
			res.AttachBytes += m.AttachSize * 4 / 3
		}
	}
	res.GenerateS, res.WriteS = genDur.Seconds(), writeDur.Seconds()
	t0 := time.Now()
	for _, u := range users {
		if err := b.dc.resync(ctx, u); err != nil {
			return res, err
		}
		if err := b.dc.createMailbox(ctx, u, "Held"); err != nil {
			return res, err
		}
	}
	res.ResyncS = time.Since(t0).Seconds() / float64(len(users))
	if s := distOf(b.saveTook); s.N > 0 {
		res.DoveadmSaveEst = s.Mean / 1000 * float64(n)
	}
	b.logf("backlog: %d messages (%d emergencies, %.0f MB) ready in %.1fs", n, res.Emergencies, float64(res.MailboxBytes)/1e6, time.Since(start).Seconds())

	res.Boundaryd = b.backlogBoundaryd(ctx, "bl-bd", n, res.Emergencies)
	if !haveImapfilter() {
		res.Imapfilter.Skipped = "imapfilter not installed (apt-get install imapfilter)"
		return res, nil
	}
	var bdWall time.Duration
	if res.Boundaryd.Complete {
		bdWall = time.Duration(res.Boundaryd.WallS * float64(time.Second))
	}
	limit, from := backlogPeerLimit(bdWall, b.sz.imfBacklogLimit)
	res.Imapfilter = b.backlogImapfilter(ctx, "bl-imf", n, limit, from)
	return res, nil
}

func (b *bench) backlogBoundaryd(ctx context.Context, user string, n, emergencies int) (out backlogTool) {
	b.logf("backlog: boundaryd run (subprocess), backlog: all over %d messages", n)
	fail := func(err error) backlogTool { out.Error = err.Error(); return out }
	dir := filepath.Join(b.work, user)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	proxy, err := startProxy(b.dc.addr())
	if err != nil {
		return fail(err)
	}
	defer proxy.close()
	sinks, err := startAlertSinks()
	if err != nil {
		return fail(err)
	}
	defer sinks.close()
	var env []string
	profDir := ""
	if b.opts.profile != "" {
		profDir = filepath.Join(b.opts.profile, "backlog")
		if err := os.MkdirAll(profDir, 0o755); err != nil {
			return fail(err)
		}
		_ = os.Remove(filepath.Join(profDir, "done"))
		env = append(env, "BOUNDARYD_PROFILE_DIR="+profDir)
	}
	sub, err := startSubprocess(ctx, b.bin, dir, sinks.config(proxy.port(), user, filepath.Join(dir, "state"), "all"), env...)
	if err != nil {
		return fail(err)
	}
	at, handled, err := sub.waitHandled(ctx, n, b.sz.backlogLimit)
	out.EndAnonKB, out.EndFileKB = rssParts(sub.pid())
	if profDir != "" {
		if perr := sub.writeProfiles(ctx, profDir); perr != nil {
			b.logf("backlog: %v", perr)
		} else {
			b.logf("backlog: profiles in %s (go tool pprof -top %s/boundaryd %s/cpu.pprof)", profDir, b.work, profDir)
		}
	}
	out.Commands = proxy.commands()
	_, hwm, _ := memKB(sub.pid())
	bytesFrom, bytesTo := proxy.fromServer.Load(), proxy.toServ.Load()
	out.Handled = handled
	if err == nil {
		out.Complete = true
		out.WallS = at.Sub(sub.started).Seconds()
		out.MsgsPerS = float64(n) / out.WallS
		// The alerts leave through the durable outbox; give it time.
		waitFor(ctx, 60*time.Second, func() bool { d, _ := sinks.smtp.got.count(); return d >= emergencies })
	} else {
		// Out of time: report the rate reached, not an error, so the
		// rest of the bench still runs within its budget.
		out.WallS = time.Since(sub.started).Seconds()
		out.MsgsPerS = float64(handled) / out.WallS
		if handled == 0 {
			out.Error = err.Error() + " (log: " + tail(filepath.Join(dir, "boundaryd.log")) + ")"
		}
	}
	sub.stop()
	out.PeakRSSKB = hwm
	out.BytesFromIM, out.BytesToIM = bytesFrom, bytesTo
	out.Alerts, _ = sinks.smtp.got.count()
	out.InboxLeft, out.Flagged, out.Held, err = mailboxState(b.dc.addr(), user)
	if err != nil && out.Error == "" {
		out.Error = err.Error()
	}
	return out
}

// backlogImapfilter runs imapfilter's one-shot filter over the backlog,
// stopped after limit (derived as from says).
func (b *bench) backlogImapfilter(ctx context.Context, user string, n int, limit time.Duration, from string) (out backlogTool) {
	b.logf("backlog: imapfilter one-shot over %d messages (limit %s)", n, limit)
	out.LimitS = limit.Seconds()
	dir := filepath.Join(b.work, user)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		out.Error = err.Error()
		return out
	}
	proxy, err := startProxy(b.dc.addr())
	if err != nil {
		out.Error = err.Error()
		return out
	}
	defer proxy.close()
	_, wall, rss, err := runImapfilterOnce(ctx, dir, imapfilterConfig(proxy.port(), user, false), limit)
	out.WallS = wall.Seconds()
	out.PeakRSSKB = rss
	out.BytesFromIM, out.BytesToIM = proxy.fromServer.Load(), proxy.toServ.Load()
	switch {
	case errors.Is(err, errNotFinished):
		out.Unfinished = err.Error() + " (limit: " + from + ")"
		b.logf("backlog: imapfilter stopped: %s", out.Unfinished)
	case err != nil:
		out.Error = err.Error()
	default:
		out.Complete, out.Handled = true, n
		out.MsgsPerS = float64(n) / out.WallS
	}
	var serr error
	out.InboxLeft, out.Flagged, out.Held, serr = mailboxState(b.dc.addr(), user)
	if serr != nil && out.Error == "" {
		out.Error = serr.Error()
	}
	return out
}
