package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/schedule"
	"github.com/boundaryd/boundaryd/store"
)

// The running daemon holds the state database's lock, so commands such as
// `digest --now` and `history` ask it over a unix socket in state_dir
// (mode 0600: only the daemon's user may talk to it) instead of opening
// the database themselves.

// ControlSocket is the socket's path for a state directory.
func ControlSocket(stateDir string) string { return filepath.Join(stateDir, "control.sock") }

// ControlRequest is one line sent to the socket.
type ControlRequest struct {
	Cmd   string    `json:"cmd"` // "digest-now" | "history"
	Since time.Time `json:"since,omitzero"`
}

// ControlResponse is the one line answered.
type ControlResponse struct {
	OK      bool               `json:"ok"`
	Error   string             `json:"error,omitempty"`
	Window  *WindowResult      `json:"window,omitempty"`
	History []store.AuditEntry `json:"history,omitempty"`
}

// serveControl answers control requests until ctx ends.
func (d *Daemon) serveControl(ctx context.Context) error {
	path := ControlSocket(d.cfg.StateDir)
	_ = os.Remove(path) // a stale socket from a killed daemon; the store lock proves we are the only one
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("control socket: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer os.Remove(path)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("control socket: %w", err)
		}
		go d.answer(ctx, c)
	}
}

func (d *Daemon) answer(ctx context.Context, c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(clock.NetDeadline(10 * time.Minute))
	var req ControlRequest
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	resp := ControlResponse{}
	if err == nil {
		resp = d.Control(ctx, req)
	} else {
		resp.Error = "bad request: " + err.Error()
	}
	_ = json.NewEncoder(c).Encode(resp)
}

// Control runs one request, in-process or for the socket.
func (d *Daemon) Control(ctx context.Context, req ControlRequest) ControlResponse {
	switch req.Cmd {
	case "digest-now":
		now := d.clock.Now().Truncate(time.Minute)
		res, err := d.DeliverWindow(ctx, now, "now-"+schedule.WindowID(now, d.windows.Location()))
		if err != nil {
			return ControlResponse{Error: err.Error()}
		}
		return ControlResponse{OK: true, Window: &res}
	case "history":
		h, err := d.st.Audit(req.Since)
		if err != nil {
			return ControlResponse{Error: err.Error()}
		}
		return ControlResponse{OK: true, History: h}
	}
	return ControlResponse{Error: fmt.Sprintf("unknown command %q", req.Cmd)}
}

// ErrNoDaemon means no daemon answers on the control socket.
var ErrNoDaemon = errors.New("no running boundaryd")

// AskDaemon sends one request to a running daemon.
func AskDaemon(ctx context.Context, stateDir string, req ControlRequest) (ControlResponse, error) {
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, "unix", ControlSocket(stateDir))
	if err != nil {
		return ControlResponse{}, fmt.Errorf("%w: %v", ErrNoDaemon, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return ControlResponse{}, err
	}
	var resp ControlResponse
	if err := json.NewDecoder(c).Decode(&resp); err != nil {
		return ControlResponse{}, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	return resp, nil
}
