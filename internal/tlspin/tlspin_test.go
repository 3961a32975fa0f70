package tlspin_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/tlscert"
	"github.com/boundaryd/boundaryd/internal/tlspin"
)

func TestParseAcceptsOpensslAndNormalises(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	want := tlspin.Pin(strings.TrimSuffix(strings.Repeat("AB:", 32), ":"))
	for _, in := range []string{
		"sha256 Fingerprint=" + string(want), // openssl 3
		"SHA256 Fingerprint=" + string(want), // openssl 1.1
		"SHA256:" + hex,
		hex,
		"  " + strings.ToLower(string(want)) + " ",
	} {
		got, err := tlspin.Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "AB:CD", "sha1 Fingerprint=" + string(want), strings.Repeat("zz", 32), hex + "ab"} {
		if _, err := tlspin.Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

// handshake serves one TLS connection with server and returns the client's
// handshake error under cfg.
func handshake(t *testing.T, server, cfg *tls.Config) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_ = c.(*tls.Conn).Handshake()
		c.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	herr := tls.Client(raw, cfg).HandshakeContext(ctx)
	raw.Close()
	<-done
	return herr
}

func TestPinnedHandshake(t *testing.T) {
	server, _, err := tlscert.New("bridge")
	if err != nil {
		t.Fatal(err)
	}
	pin := tlspin.Of(server.Certificates[0].Leaf)
	if _, err := tlspin.Parse(string(pin)); err != nil {
		t.Fatalf("Of gives an unparsable pin %q: %v", pin, err)
	}
	// No host name on purpose: a pin does not need one.
	if err := handshake(t, server, pin.Config(&tls.Config{ServerName: "bridge.invalid"})); err != nil {
		t.Errorf("right pin: %v", err)
	}
	wrong, _ := tlspin.Parse(strings.Repeat("00", 32))
	err = handshake(t, server, wrong.Config(nil))
	if !errors.Is(err, tlspin.ErrMismatch) || !strings.Contains(err.Error(), string(pin)) {
		t.Errorf("wrong pin: %v; want ErrMismatch naming the server's pin %s", err, pin)
	}
	var none tlspin.Pin
	if err := handshake(t, server, none.Config(&tls.Config{ServerName: "127.0.0.1"})); err == nil {
		t.Error("no pin and an untrusted self-signed certificate: handshake succeeded")
	}
}
