package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
)

// Product is the IMAP server software or service a session talks to, as
// recognised from its greeting, its ID response (RFC 2971) and its host.
type Product string

// The products boundaryd recognises. ProductUnknown is any other server.
const (
	ProductUnknown      Product = ""
	ProductDovecot      Product = "Dovecot"
	ProductCyrus        Product = "Cyrus IMAP"
	ProductFastmail     Product = "Fastmail (Cyrus IMAP)"
	ProductCourier      Product = "Courier-IMAP"
	ProductGmail        Product = "Gmail"
	ProductMicrosoft    Product = "Microsoft Exchange / 365"
	ProductICloud       Product = "iCloud Mail"
	ProductProtonBridge Product = "Proton Mail Bridge"
	ProductGoIMAP       Product = "go-imap"
)

// ServerInfo is what a logged-in session learned about its server.
type ServerInfo struct {
	Product Product
	// Greeting is the server's first line, without "* OK" (may be empty).
	Greeting string
	// ID is the server's answer to ID (nil when the server offers no ID or
	// refused it).
	ID *imap.IDData
	// Caps are the capabilities after login (Keywords after SelectInbox).
	Caps Capabilities
	// Namespace is true when the server answered NAMESPACE; Personal is the
	// personal namespace's prefix ("" or e.g. "INBOX.") and Delim its
	// hierarchy delimiter.
	Namespace bool
	Personal  string
	Delim     rune
}

// ServerInfo asks the server for its ID (when offered) and recognises it.
func (s *Session) ServerInfo(ctx context.Context) (ServerInfo, error) {
	info := ServerInfo{Caps: s.Caps()}
	if s.greet != nil {
		info.Greeting = s.greet.text()
	}
	s.mu.Lock()
	info.Personal, info.Delim = s.personal, s.delim
	s.mu.Unlock()
	info.Namespace = s.c.Caps().Has(imap.CapNamespace)
	if s.c.Caps().Has(imap.CapID) {
		err := s.cmd(ctx, "imap id", func() error {
			data, err := s.c.ID(&imap.IDData{Name: "boundaryd"}).Wait()
			if err != nil {
				var ie *imap.Error
				if errors.As(err, &ie) {
					return nil // a refusal leaves the ID unknown
				}
				return err
			}
			info.ID = data
			return nil
		})
		if err != nil {
			return info, fmt.Errorf("server id: %w", err)
		}
	}
	info.Product = Recognise(s.opts.Host, info.Greeting, info.ID)
	return info, nil
}

// Recognise names the server from its host, greeting and ID response.
func Recognise(host, greeting string, id *imap.IDData) Product {
	var name, vendor, version string
	if id != nil {
		name, vendor, version = strings.ToLower(id.Name), strings.ToLower(id.Vendor), strings.ToLower(id.Version)
	}
	g := strings.ToLower(greeting)
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	all := name + " " + vendor + " " + version + " " + g
	hostIs := func(domains ...string) bool {
		for _, d := range domains {
			if h == d || strings.HasSuffix(h, "."+d) {
				return true
			}
		}
		return false
	}
	switch {
	case strings.Contains(all, "proton"):
		return ProductProtonBridge
	case name == "gimap" || strings.Contains(g, "gimap") || hostIs("gmail.com", "googlemail.com"):
		return ProductGmail
	case strings.Contains(all, "microsoft") || strings.Contains(all, "exchange") ||
		hostIs("office365.com", "outlook.com", "hotmail.com", "live.com"):
		return ProductMicrosoft
	case strings.Contains(all, "icloud") || hostIs("mail.me.com", "icloud.com"):
		return ProductICloud
	case strings.Contains(all, "fastmail") || hostIs("fastmail.com", "messagingengine.com"):
		return ProductFastmail
	case strings.Contains(all, "dovecot"):
		return ProductDovecot
	case strings.Contains(all, "cyrus"):
		return ProductCyrus
	case strings.Contains(all, "courier"):
		return ProductCourier
	case strings.Contains(name, "go-imap"):
		return ProductGoIMAP
	}
	return ProductUnknown
}

// maxGreeting bounds the recorded greeting.
const maxGreeting = 512

// greetingRecorder keeps the first line the server sends (its greeting).
type greetingRecorder struct {
	mu   sync.Mutex
	buf  []byte
	done bool
}

func (r *greetingRecorder) add(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		p, r.done = p[:i], true
	}
	if room := maxGreeting - len(r.buf); len(p) > room {
		p, r.done = p[:room], true
	}
	r.buf = append(r.buf, p...)
}

// text is the greeting without "* OK", "* PREAUTH" nor a leading response
// code such as [CAPABILITY ...].
func (r *greetingRecorder) text() string {
	r.mu.Lock()
	line := strings.TrimSpace(string(r.buf))
	r.mu.Unlock()
	for _, p := range []string{"* OK", "* PREAUTH"} {
		if rest, ok := strings.CutPrefix(line, p); ok {
			line = strings.TrimSpace(rest)
			break
		}
	}
	if strings.HasPrefix(line, "[") {
		if i := strings.IndexByte(line, ']'); i >= 0 {
			line = strings.TrimSpace(line[i+1:])
		}
	}
	return line
}

// wrap returns conn recording what is read from it until the greeting ends.
func (r *greetingRecorder) wrap(conn net.Conn) net.Conn { return &greetingConn{Conn: conn, rec: r} }

type greetingConn struct {
	net.Conn
	rec *greetingRecorder
}

func (c *greetingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rec.add(p[:n])
	return n, err
}
