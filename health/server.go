package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server exposes /healthz and /metrics.
type Server struct {
	Metrics *Metrics     // required
	Checker *Checker     // required
	Logger  *slog.Logger // nil: slog.Default()
	// Actions, when set, serves POST /ack/<token> and /release/<token>
	// (actions.go).
	Actions Actions
}

// Bounded so that a stuck or malicious client cannot hold connections open
// on a Raspberry Pi; scrapes and probes are small and quick.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 3 * time.Second
	maxHeaderBytes    = 16 << 10
)

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Handler routes /healthz and /metrics; anything else is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.serveHealth)
	s.routeActions(mux)
	metrics := s.Metrics.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		s.refreshAlerts()
		metrics.ServeHTTP(w, r)
	})
	return mux
}

// refreshAlerts copies the dispatcher's state into the gauges at scrape
// time, so the daemon need not poll it.
func (s *Server) refreshAlerts() {
	if s.Checker == nil || s.Checker.Alerts == nil {
		return
	}
	s.Metrics.SetAlerts(s.Checker.alertState())
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	rep := s.Checker.Check()
	if s.Checker.Alerts != nil {
		s.Metrics.SetAlerts(rep.alertState())
	}
	body, err := json.Marshal(rep)
	if err != nil {
		http.Error(w, "encoding health report failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	code := http.StatusOK
	if !rep.Healthy() {
		code = http.StatusServiceUnavailable
	}
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// Listen opens the listening socket. Any address is allowed, but a
// non-loopback one gets a warning: /metrics reveals message and alert
// counts to whoever can reach it.
func (s *Server) Listen(ctx context.Context, listen string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("health: listen on %s: %w", listen, err)
	}
	if !isLoopback(ln.Addr()) {
		s.logger().Warn("health and metrics endpoint reachable beyond this machine; it reveals message and alert counts, prefer 127.0.0.1 or a firewall", "listen", ln.Addr().String())
	}
	return ln, nil
}

// Serve listens on listen (host:port) and serves until ctx ends, then shuts
// down gracefully. It returns nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, listen string) error {
	ln, err := s.Listen(ctx, listen)
	if err != nil {
		return err
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves on ln (which it closes) until ctx ends.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	if s.Metrics == nil || s.Checker == nil {
		_ = ln.Close()
		return errors.New("health: server needs Metrics and Checker")
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	s.logger().Info("health and metrics endpoint listening", "addr", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("health: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		<-errc
		return fmt.Errorf("health: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("health: serve: %w", err)
	}
	return nil
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
