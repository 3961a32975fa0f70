// Package netpolicy is boundaryd's one rule for reaching a server: the
// transport security modes (tls, starttls, insecure), which hosts may be
// spoken to in clear, and a dialer that never asks a resolver where this
// machine is. Configuration checks, the IMAP session, the SMTP sender, the
// webhook channel and `check --connect` all use it, so what `check` accepts
// is exactly what `run` dials.
//
// The loopback rule: a loopback IP literal (127.0.0.0/8, ::1) or the exact
// name "localhost". Nothing else counts, not even names under ".localhost":
// a name is an answer from DNS, and DNS can be made to answer 10.x. And
// "localhost" itself is never resolved: the Dialer dials 127.0.0.1, then
// ::1, so a password sent in clear to "localhost" stays on this machine
// whatever /etc/hosts, nsswitch or a resolver say.
package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Security is how a connection to a mail server is protected.
type Security string

// The security modes.
const (
	// TLS is implicit TLS from the first byte (IMAP 993, SMTP 465).
	TLS Security = "tls"
	// StartTLS upgrades a plain connection before any credential is sent,
	// and fails when the server does not offer it (IMAP 143, SMTP 587).
	StartTLS Security = "starttls"
	// Insecure is plaintext: allowed towards this machine only.
	Insecure Security = "insecure"
)

// The defaults when a configuration names no security: implicit TLS for
// IMAP, STARTTLS on the submission port for SMTP, as mail providers
// document them.
const (
	DefaultIMAPSecurity = TLS
	DefaultSMTPSecurity = StartTLS
)

// Choices lists every mode, for parsing and messages.
func (Security) Choices() []string { return []string{string(TLS), string(StartTLS), string(Insecure)} }

// ParseSecurity reads a mode as written in the configuration.
func ParseSecurity(s string) (Security, error) {
	for _, c := range Security("").Choices() {
		if s == c {
			return Security(c), nil
		}
	}
	return "", fmt.Errorf("unknown security %q (want tls, starttls or insecure)", s)
}

// IMAPPort is the standard IMAP port for the mode.
func (s Security) IMAPPort() int {
	switch s {
	case TLS:
		return 993
	case StartTLS, Insecure:
		return 143
	}
	return 0
}

// SMTPPort is the standard SMTP port for the mode.
func (s Security) SMTPPort() int {
	switch s {
	case TLS:
		return 465
	case StartTLS:
		return 587
	case Insecure:
		return 25
	}
	return 0
}

// ErrPlaintext means a plaintext connection (credentials or alert content
// in clear) was asked for towards a host that is not this machine.
var ErrPlaintext = errors.New("plaintext is only allowed towards this machine (localhost, 127.0.0.1 or ::1)")

// IsLoopback reports whether host names this machine without asking any
// resolver: a loopback IP literal (127.0.0.0/8, ::1; brackets allowed) or
// the exact name "localhost" (any case). "x.localhost", "localhost." and
// names that resolve to 127.0.0.1 do not count.
func IsLoopback(host string) bool {
	h := unbracket(host)
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// Check reports whether a connection with mode s may be made to host: an
// unknown mode is an error, and Insecure wraps ErrPlaintext unless host is
// loopback.
func Check(s Security, host string) error {
	switch s {
	case TLS, StartTLS:
		return nil
	case Insecure:
		if IsLoopback(host) {
			return nil
		}
		return fmt.Errorf("security insecure sends the password in clear: %w, not %q", ErrPlaintext, host)
	}
	return fmt.Errorf("unknown security %q (want tls, starttls or insecure)", s)
}

// CheckURL reports whether an alert may be posted to u: https anywhere,
// plain http to a loopback host only. The error never contains the URL,
// which often carries a token.
func CheckURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("plain http: %w, not %q; use https", ErrPlaintext, u.Hostname())
	}
	return fmt.Errorf("unsupported URL scheme %q (want https, or http to this machine)", u.Scheme)
}

// Addr joins host (bracketed IPv6 allowed) and port.
func Addr(host string, port int) string {
	return net.JoinHostPort(unbracket(host), strconv.Itoa(port))
}

func unbracket(host string) string {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		return host[1 : len(host)-1]
	}
	return host
}

// Dialer is a net.Dialer that dials the name "localhost" at 127.0.0.1,
// then ::1, instead of resolving it; every other address is dialed as
// net.Dialer would.
type Dialer struct {
	net.Dialer
}

// DialContext connects to addr ("host:port") on network ("tcp", ...).
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	targets := dialTargets(addr)
	var errs []error
	for _, t := range targets {
		c, err := d.Dialer.DialContext(ctx, network, t)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, fmt.Errorf("dial %s: %w", addr, errors.Join(errs...))
}

// dialTargets is what net.Dialer is handed for addr: "localhost:P" becomes
// 127.0.0.1:P then [::1]:P; any other address stays as it is.
func dialTargets(addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !strings.EqualFold(host, "localhost") {
		return []string{addr}
	}
	return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("::1", port)}
}
