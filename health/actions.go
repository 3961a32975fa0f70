package health

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
)

// ErrUnknownToken is what Actions answer for a token they do not know
// (never issued, or its page or notice was pruned).
var ErrUnknownToken = errors.New("unknown or expired token")

// Actions are the safety net's one-click answers, reached through
// per-alert unguessable tokens (128 random bits, hex): POST /ack/<token>
// acknowledges a page (no more repeats, no backup), POST
// /release/<token> moves an early-look notice's held messages back to the
// inbox now. Only POST acts: a link preview fetching the URL with GET
// changes nothing.
type Actions interface {
	AcknowledgePage(token string) error
	ReleaseConcerns(ctx context.Context, token string) (int, error)
}

// tokenLen is the hex length of a token.
const tokenLen = 32

func validToken(t string) bool {
	if len(t) != tokenLen {
		return false
	}
	_, err := hex.DecodeString(t)
	return err == nil
}

// routeActions adds the action endpoints when s.Actions is set.
func (s *Server) routeActions(mux *http.ServeMux) {
	if s.Actions == nil {
		return
	}
	mux.HandleFunc("POST /ack/{token}", func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		if !validToken(token) {
			http.Error(w, "not a token", http.StatusBadRequest)
			return
		}
		s.actionResult(w, "page acknowledged: no more repeats", s.Actions.AcknowledgePage(token))
	})
	mux.HandleFunc("POST /release/{token}", func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		if !validToken(token) {
			http.Error(w, "not a token", http.StatusBadRequest)
			return
		}
		n, err := s.Actions.ReleaseConcerns(r.Context(), token)
		s.actionResult(w, fmt.Sprintf("%d held message(s) moved back to your inbox", n), err)
	})
}

func (s *Server) actionResult(w http.ResponseWriter, ok string, err error) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case errors.Is(err, ErrUnknownToken):
		http.Error(w, "unknown or expired link", http.StatusNotFound)
	case err != nil:
		s.logger().Error("safety net action failed", "err", err)
		http.Error(w, "failed; see the daemon's log", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintln(w, ok)
	}
}
