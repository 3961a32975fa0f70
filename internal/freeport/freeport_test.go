package freeport

import (
	"net"
	"strconv"
	"testing"
)

// TestLoopbackCanBeBound checks the port returned is one a server can then
// listen on, and not zero.
func TestLoopbackCanBeBound(t *testing.T) {
	port, err := Loopback()
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("port %d", port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("listen on the returned port: %v", err)
	}
	ln.Close()
}
