package schedule

import (
	"fmt"
	"strings"
	"time"
)

// WindowID names the window firing at t by its local wall clock in loc, e.g.
// "2026-10-25T0230-Europe.Paris". Both passes of an autumn repeated hour give
// the same id, so a window keyed by it is delivered once. Only [A-Za-z0-9.-]
// appear, so it fits inside a Message-ID and a file name. A nil loc uses t's.
func WindowID(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = t.Location()
	}
	l := t.In(loc)
	return fmt.Sprintf("%04d-%02d-%02dT%02d%02d-%s", l.Year(), int(l.Month()), l.Day(), l.Hour(), l.Minute(), zoneToken(loc.String()))
}

// zoneToken maps an IANA name onto [A-Za-z0-9.-]: "/" becomes ".", "_" becomes
// "-", "+" becomes "plus"; anything else (absent from real zone names) is hex.
func zoneToken(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		case c == '/':
			b.WriteByte('.')
		case c == '_':
			b.WriteByte('-')
		case c == '+':
			b.WriteString("plus")
		default:
			fmt.Fprintf(&b, "x%02X", c)
		}
	}
	if b.Len() == 0 {
		return "UTC"
	}
	return b.String()
}
