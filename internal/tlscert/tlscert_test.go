package tlscert

import (
	"crypto/x509"
	"testing"
)

// TestNewVerifiesForLoopbackOnly: the certificate verifies against the
// client's pool for the loopback names and no other.
func TestNewVerifiesForLoopbackOnly(t *testing.T) {
	server, client, err := New("test")
	if err != nil {
		t.Fatal(err)
	}
	leaf := server.Certificates[0].Leaf
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: client.RootCAs}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "mail.example.org", Roots: client.RootCAs}); err == nil {
		t.Error("verified for mail.example.org")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost"}); err == nil {
		t.Error("verified without the client's pool")
	}
}
