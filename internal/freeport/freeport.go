// Package freeport finds a free TCP port on 127.0.0.1, for a server that is
// told its port in a configuration file rather than handed a listener
// (Dovecot in internal/dovecotd, a `boundaryd run` subprocess in the bench).
// The port is free when returned; another process may take it before the
// server binds it, so where a server accepts a net.Listener, pass one
// instead.
package freeport

import (
	"fmt"
	"net"
)

// Loopback returns a TCP port on 127.0.0.1 that nothing listened on a moment
// ago.
func Loopback() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("freeport: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
