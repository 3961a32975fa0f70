package netpolicy

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIsLoopback(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"} {
		if !IsLoopback(h) {
			t.Errorf("IsLoopback(%q) = false, want true", h)
		}
	}
	// Names are answers from DNS: none of these is this machine for sure.
	for _, h := range []string{"x.localhost", "localhost.", "localhost.example.org", "127.0.0.1.nip.io",
		"127.1", "0x7f000001", "10.0.0.1", "::", "0.0.0.0", "fe80::1%lo", "[x.localhost]", "", "example.org"} {
		if IsLoopback(h) {
			t.Errorf("IsLoopback(%q) = true, want false", h)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, s := range []Security{TLS, StartTLS} {
		if err := Check(s, "imap.example.org"); err != nil {
			t.Errorf("Check(%s, remote) = %v", s, err)
		}
	}
	if err := Check(Insecure, "localhost"); err != nil {
		t.Errorf("Check(insecure, localhost) = %v", err)
	}
	if err := Check(Insecure, "x.localhost"); !errors.Is(err, ErrPlaintext) {
		t.Errorf("Check(insecure, x.localhost) = %v, want ErrPlaintext", err)
	}
	if err := Check("ssl", "localhost"); err == nil || errors.Is(err, ErrPlaintext) {
		t.Errorf("Check(ssl) = %v, want an unknown-mode error", err)
	}
}

func TestParseSecurityAndPorts(t *testing.T) {
	want := map[Security][2]int{TLS: {993, 465}, StartTLS: {143, 587}, Insecure: {143, 25}}
	for _, c := range Security("").Choices() {
		s, err := ParseSecurity(c)
		if err != nil {
			t.Fatalf("ParseSecurity(%q): %v", c, err)
		}
		if got := [2]int{s.IMAPPort(), s.SMTPPort()}; got != want[s] {
			t.Errorf("%s ports = %v, want %v", s, got, want[s])
		}
	}
	if len(want) != len(Security("").Choices()) {
		t.Errorf("Choices() = %v: every mode must be listed once", Security("").Choices())
	}
	if _, err := ParseSecurity("TLS"); err == nil {
		t.Error("ParseSecurity accepted TLS in capitals (the configuration's choices are exact)")
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://ntfy.example.net/topic":   true,
		"http://127.0.0.1:8080/hook":       true,
		"http://localhost/hook":            true,
		"http://[::1]:80/hook":             true,
		"http://x.localhost/hook":          false,
		"http://user:tok@10.0.0.1/hook":    false,
		"ftp://localhost/hook":             false,
		"javascript://localhost/%0aalert1": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckURL(u)
		if (err == nil) != ok {
			t.Errorf("CheckURL(%s) = %v, want ok=%v", raw, err, ok)
		}
		if err != nil && (strings.Contains(err.Error(), "tok") || strings.Contains(err.Error(), "/hook")) {
			t.Errorf("CheckURL(%s) error shows the URL: %v", raw, err)
		}
	}
}

// "localhost" is handed to net.Dialer as loopback IP literals, so no
// resolver (DNS, nsswitch, /etc/hosts) is ever asked where it is.
func TestDialTargets(t *testing.T) {
	for addr, want := range map[string][]string{
		"localhost:143":    {"127.0.0.1:143", "[::1]:143"},
		"LOCALHOST:25":     {"127.0.0.1:25", "[::1]:25"},
		"x.localhost:25":   {"x.localhost:25"},
		"127.0.0.1:25":     {"127.0.0.1:25"},
		"imap.example:993": {"imap.example:993"},
		"localhost.:25":    {"localhost.:25"},
	} {
		if got := dialTargets(addr); !slices.Equal(got, want) {
			t.Errorf("dialTargets(%q) = %q, want %q", addr, got, want)
		}
	}
}

// The Dialer reaches a listener on 127.0.0.1 through the name "localhost"
// with a resolver that fails every query.
func TestDialerDialsLocalhost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			close(accepted)
		}
	}()
	asked := make(chan string, 8)
	d := &Dialer{Dialer: net.Dialer{Timeout: 5 * time.Second, Resolver: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			asked <- address
			return nil, errors.New("no resolver in this test")
		},
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("dial localhost: %v", err)
	}
	c.Close()
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatal("the listener on 127.0.0.1 saw no connection")
	}
	select {
	case a := <-asked:
		t.Fatalf("a resolver was asked (%s)", a)
	default:
	}
	if got := Addr("[::1]", 25); got != "[::1]:25" {
		t.Errorf("Addr([::1], 25) = %q", got)
	}
}
