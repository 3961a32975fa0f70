package classify

import (
	"fmt"
	"strings"
)

// Sender kinds returned by Route and written in Result.Sender.
const (
	SenderAllowed = "allowed"
	SenderPatient = "patient"
	SenderOther   = "other"
)

// senderPattern is a parsed sender pattern: everyone, a whole domain, or one address.
type senderPattern struct {
	any    bool
	domain string // set for "*@domain"
	addr   string // set for an exact address
}

func parseSenderPattern(p string) (senderPattern, error) {
	s := strings.ToLower(strings.TrimSpace(p))
	if s == "*" {
		return senderPattern{any: true}, nil
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || domain == "" || local == "" {
		return senderPattern{}, fmt.Errorf("sender pattern %q: want name@domain, *@domain or *", p)
	}
	if strings.ContainsAny(domain, "@ *<>,;\"") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") {
		return senderPattern{}, fmt.Errorf("sender pattern %q: malformed domain %q", p, domain)
	}
	if local == "*" {
		return senderPattern{domain: domain}, nil
	}
	if strings.ContainsAny(local, " *<>,;\"") {
		return senderPattern{}, fmt.Errorf("sender pattern %q: malformed address", p)
	}
	return senderPattern{addr: s}, nil
}

func (sp senderPattern) match(addr string) bool {
	switch {
	case sp.any:
		return true
	case sp.domain != "":
		_, d, ok := strings.Cut(addr, "@")
		return ok && d == sp.domain
	default:
		return addr == sp.addr
	}
}

func compileSenders(ps []string, what string) ([]senderPattern, error) {
	out := make([]senderPattern, 0, len(ps))
	for _, p := range ps {
		sp, err := parseSenderPattern(p)
		if err != nil {
			return nil, fmt.Errorf("senders.%s: %w", what, err)
		}
		out = append(out, sp)
	}
	return out, nil
}

// Route says how a sender address is treated: "allowed" (never held, never classified), "patient" (held and
// classified) or "other". Allowed wins over patient. Matching is case-insensitive.
func (c *Classifier) Route(addr string) string {
	a := strings.ToLower(strings.TrimSpace(addr))
	a = strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">")
	for _, p := range c.allow {
		if a != "" && p.match(a) {
			return SenderAllowed
		}
	}
	return c.routeNotAllowed(a)
}

// routeNotAllowed routes addr by the patients list alone.
func (c *Classifier) routeNotAllowed(addr string) string {
	a := strings.ToLower(strings.TrimSpace(addr))
	a = strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">")
	for _, p := range c.patients {
		if p.any || (a != "" && p.match(a)) {
			return SenderPatient
		}
	}
	return SenderOther
}
