package autoreply

import (
	"strings"

	"github.com/boundaryd/boundaryd/classify"
)

// Decision is Decide's answer; Reason says why in a few words that carry no patient text (fit for logs).
type Decision struct {
	Reply  bool
	Reason string
}

// Decide says whether a held (or escalated) message may be acknowledged. Any sign that the message was sent by
// a program, a list, a bounce, the therapist or a boundaryd instance (this one or another: X-Boundary-Kind)
// means no reply, so that two auto-responders can never answer each other in a loop. self holds the therapist's
// own addresses (compared case-insensitively). Escalated messages get a reply only with replyToEscalated.
func Decide(m *classify.Message, escalated bool, self map[string]bool, replyToEscalated bool) Decision {
	no := func(reason string) Decision { return Decision{Reason: reason} }
	if m == nil {
		return no("no message")
	}
	h := &m.Header
	if h.Has("X-Boundary-Kind") {
		return no("sent by boundaryd (X-Boundary-Kind)")
	}
	if v := h.Get("Auto-Submitted"); h.Has("Auto-Submitted") && headerToken(v) != "no" {
		return no("Auto-Submitted: " + safeToken(v))
	}
	switch p := headerToken(h.Get("Precedence")); p {
	case "bulk", "list", "junk", "auto_reply":
		return no("Precedence: " + p)
	}
	for _, k := range []string{"List-Id", "List-Unsubscribe", "List-Post"} {
		if h.Has(k) {
			return no("mailing list (" + k + ")")
		}
	}
	// Other responders' markers: Exchange asks not to be answered, vacation programs label their replies.
	if v := headerToken(h.Get("X-Auto-Response-Suppress")); v != "" && v != "none" {
		return no("X-Auto-Response-Suppress")
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if h.Has(k) {
			return no("auto-responder (" + k + ")")
		}
	}
	// A responder that answers our acknowledgement (a help desk opening a
	// ticket, from a fresh address each time) is not answered again. The
	// header could be forged, but only to suppress a courtesy.
	for _, k := range []string{"In-Reply-To", "References"} {
		for _, id := range msgIDs(h.Get(k)) {
			if isAckID(id) {
				return no("a reply to an acknowledgement (" + k + ")")
			}
		}
	}
	if ct, _, _ := h.ContentType(); strings.EqualFold(ct, "multipart/report") {
		return no("delivery or read report")
	}
	if h.Has("Return-Path") {
		rp := strings.TrimSpace(h.Get("Return-Path"))
		if rp == "" || strings.ReplaceAll(rp, " ", "") == "<>" {
			return no("empty Return-Path (a bounce)")
		}
		if r := robot(bareAddress(rp)); r != "" {
			return no("Return-Path is " + r)
		}
	}
	from := strings.ToLower(strings.TrimSpace(m.From))
	if from == "" || !strings.Contains(from, "@") {
		return no("no usable From address")
	}
	if r := robot(from); r != "" {
		return no("From is " + r)
	}
	if isSelf(from, self) {
		return no("from the therapist's own address")
	}
	if escalated && !replyToEscalated {
		return no("escalated message")
	}
	return Decision{Reply: true, Reason: "acknowledgement allowed"}
}

// headerToken is the first word of a structured field, lower case: "auto-replied; x=y" -> "auto-replied".
func headerToken(v string) string {
	v, _, _ = strings.Cut(v, ";")
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	return strings.ToLower(strings.TrimSpace(v))
}

// safeToken names a known Auto-Submitted value; anything else is not echoed (reasons go to logs).
func safeToken(v string) string {
	switch t := headerToken(v); t {
	case "auto-generated", "auto-replied", "auto-notified":
		return t
	}
	return "(not \"no\")"
}

// robot names the kind of machine address addr is ("MAILER-DAEMON", "a no-reply address"...), or "".
func robot(addr string) string {
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(addr)), "@")
	if local == "" {
		return ""
	}
	local, _, _ = strings.Cut(local, "+") // sub-addressing: noreply+tag
	switch {
	case local == "mailer-daemon" || local == "postmaster":
		return "MAILER-DAEMON/postmaster"
	case strings.HasPrefix(local, "owner-") || strings.HasSuffix(local, "-request") || strings.HasSuffix(local, "-owner") ||
		strings.HasSuffix(local, "-bounces") || local == "bounce" || local == "bounces":
		return "a list or bounce address"
	}
	squashed := strings.NewReplacer(".", "", "_", "", "-", "").Replace(local)
	if strings.Contains(squashed, "noreply") || strings.Contains(squashed, "donotreply") || strings.Contains(squashed, "dontreply") {
		return "a no-reply address"
	}
	return ""
}

// bareAddress extracts addr from "<addr>" or "Name <addr>".
func bareAddress(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '>'); j >= 0 {
			s = s[:j]
		}
	}
	return strings.TrimSpace(s)
}

func isSelf(addr string, self map[string]bool) bool {
	if self[addr] {
		return true
	}
	for a, ok := range self {
		if ok && strings.EqualFold(strings.TrimSpace(bareAddress(a)), addr) {
			return true
		}
	}
	return false
}
