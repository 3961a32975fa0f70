package digest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/classify"
)

// view is everything the two renderers show, already cleaned and localized: the templates only lay it out.
type view struct {
	Lang      string
	Title     string // "Reading window"
	Window    string // "Tuesday 3 March at 18:00"
	Counts    string
	Where     string // released / stays in folder
	CheckHead string
	CheckWhy  string
	NearLabel string
	Attach    string
	Footer    string
	Checks    []check
	Groups    []group
}

type check struct {
	Who, When string
	Rules     string
	Anchor    string
}

type group struct {
	Name, Addr string
	Count      string
	Items      []item
}

type item struct {
	Anchor      string
	Subject     string
	When        string
	Lines       []string
	Attachments []string
	NearMiss    string
	Error       string
}

// grouped orders entries oldest first and groups them by sender address (case-insensitive), the groups in the
// order of each sender's oldest message. Entries without a date sort first, keeping their input order.
func grouped(entries []Entry) [][]Entry {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		return entries[idx[a]].Received.Before(entries[idx[b]].Received)
	})
	pos := map[string]int{}
	var out [][]Entry
	for _, i := range idx {
		e := entries[i]
		key := strings.ToLower(strings.TrimSpace(e.From))
		if key == "" {
			key = "\x00" + strings.TrimSpace(e.FromName)
		}
		g, ok := pos[key]
		if !ok {
			g = len(out)
			pos[key] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], e)
	}
	return out
}

func buildView(o Options, w *words, loc *time.Location, entries []Entry) *view {
	groups := grouped(entries)
	v := &view{
		Lang:      w.lang.String(),
		Title:     w.title,
		Counts:    w.counts(len(entries), len(groups)),
		CheckHead: w.checkFirst,
		CheckWhy:  w.checkFirstWhy,
		NearLabel: w.nearMiss,
		Attach:    w.attachments,
		Footer:    w.footer,
	}
	if !o.Window.IsZero() {
		v.Window = windowText(o.Window, loc, w.lang.String())
	}
	if o.Released {
		v.Where = w.released
	} else if f := clean(o.HoldFolder, 200); f != "" {
		v.Where = w.stays(f)
	}
	n := 0
	for _, ge := range groups {
		first := ge[0]
		g := group{Name: clean(first.FromName, maxNameRunes), Addr: clean(first.From, maxAddrRunes), Count: w.messagesOf(len(ge))}
		if g.Name == "" && g.Addr == "" {
			g.Name = w.unknownSender
		}
		for _, e := range ge {
			n++
			it := item{
				Anchor:  "m" + strconv.Itoa(n),
				Subject: clean(e.Subject, maxSubjectRunes),
				When:    w.when(e.Received, loc, o.Now),
				Lines:   cleanLines(e.Snippet, maxSnippetLines, maxSnippetRunes),
			}
			if it.Subject == "" {
				it.Subject = w.noSubject
			}
			for i, a := range e.Attachments {
				if i == maxAttachments {
					it.Attachments = append(it.Attachments, "…")
					break
				}
				it.Attachments = append(it.Attachments, attachmentText(w, a))
			}
			if len(e.NearMiss) > 0 {
				it.NearMiss = nearMissText(e.NearMiss)
				who := g.Name
				if who == "" {
					who = g.Addr
				}
				v.Checks = append(v.Checks, check{Who: who, When: it.When, Rules: it.NearMiss, Anchor: it.Anchor})
			}
			if strings.TrimSpace(e.Error) != "" {
				it.Error = w.unreadable + " (" + clean(e.Error, maxErrorRunes) + ")"
			}
			g.Items = append(g.Items, it)
		}
		v.Groups = append(v.Groups, g)
	}
	return v
}

func nearMissText(nm []string) string {
	var parts []string
	for i, s := range nm {
		if i == maxNearMiss {
			parts = append(parts, "…")
			break
		}
		if s = clean(s, 80); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func attachmentText(w *words, a classify.Attachment) string {
	name := clean(a.Filename, 100)
	if name == "" {
		name = w.unnamed
		if mt := clean(a.MediaType, 60); mt != "" {
			name += " " + mt
		}
	}
	if s := w.size(a.Size); s != "" {
		name += " (" + s + ")"
	}
	return name
}
