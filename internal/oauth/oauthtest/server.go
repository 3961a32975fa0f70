// Package oauthtest is a small OAuth2 authorization server for tests: an
// authorize endpoint that redirects back with a code (PKCE S256 required),
// a token endpoint (authorization code with verifier check, refresh with
// rotation, device code), and a device endpoint whose codes stay pending
// until the test approves them. Every access token it issues is reported
// to OnIssue, so an IMAP test server can accept exactly those.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Options configures Start.
type Options struct {
	ClientID     string // default "boundaryd-test"
	ClientSecret string // required when set
	// ExpiresIn is the access tokens' lifetime in seconds (default 3600).
	ExpiresIn int
	// NoRotate keeps the refresh token on refresh (Google); by default a
	// new one is issued each time (Microsoft).
	NoRotate bool
	// OnIssue is called with each access token issued.
	OnIssue func(accessToken string)
}

// Server is a running authorization server.
type Server struct {
	t    testing.TB
	opts Options
	srv  *httptest.Server

	mu        sync.Mutex
	codes     map[string]authCode
	devices   map[string]*device // by device code
	refresh   map[string]bool    // refresh token -> still valid
	access    []string
	refreshes int           // refresh grants answered (any outcome)
	pending   int           // authorization_pending answers
	polled    chan struct{} // closed at the first authorization_pending
	exchanges int           // authorization codes traded
}

type authCode struct {
	challenge, redirect string
	used                bool
}

type device struct {
	userCode string
	approved bool
	done     bool
}

// Start runs the server on 127.0.0.1 until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.ClientID == "" {
		o.ClientID = "boundaryd-test"
	}
	if o.ExpiresIn == 0 {
		o.ExpiresIn = 3600
	}
	s := &Server{t: t, opts: o, codes: map[string]authCode{}, devices: map[string]*device{}, refresh: map[string]bool{}, polled: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /device", s.deviceAuth)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base address.
func (s *Server) URL() string { return s.srv.URL }

// AuthURL, TokenURL and DeviceURL are the endpoints.
func (s *Server) AuthURL() string   { return s.srv.URL + "/authorize" }
func (s *Server) TokenURL() string  { return s.srv.URL + "/token" }
func (s *Server) DeviceURL() string { return s.srv.URL + "/device" }

// VerificationURI is the page the device grant tells the user to open.
func (s *Server) VerificationURI() string { return s.srv.URL + "/device/verify" }

// ClientID is the registered client.
func (s *Server) ClientID() string { return s.opts.ClientID }

// Approve approves the device sign-in showing userCode, as the user would
// in the browser. It reports whether such a pending code exists.
func (s *Server) Approve(userCode string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode && !d.done {
			d.approved = true
			return true
		}
	}
	return false
}

// Polled is closed once a device client has been told
// authorization_pending.
func (s *Server) Polled() <-chan struct{} { return s.polled }

// SignIn issues a sign-in directly, as a finished grant would: a new
// refresh token and access token (reported to OnIssue).
func (s *Server) SignIn() (refreshToken, accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	refreshToken, accessToken = "rt-"+random(), "at-"+random()
	s.refresh[refreshToken] = true
	s.access = append(s.access, accessToken)
	if s.opts.OnIssue != nil {
		s.opts.OnIssue(accessToken)
	}
	return refreshToken, accessToken
}

// Revoke invalidates every refresh token issued so far (the user removed
// the app's access, or changed the password).
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.refresh {
		s.refresh[k] = false
	}
}

// Issued lists the access tokens issued, oldest first.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.access...)
}

// Counts reports refresh grants answered, authorization_pending answers,
// and authorization codes traded.
func (s *Server) Counts() (refreshes, pending, exchanges int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes, s.pending, s.exchanges
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	switch {
	case q.Get("client_id") != s.opts.ClientID:
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	case err != nil || ru.Scheme != "http" || ru.Hostname() != "127.0.0.1":
		http.Error(w, "redirect_uri must be a loopback address", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE S256 required", http.StatusBadRequest)
		return
	}
	code := random()
	s.mu.Lock()
	s.codes[code] = authCode{challenge: q.Get("code_challenge"), redirect: redirect}
	s.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
}

func (s *Server) deviceAuth(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("client_id") != s.opts.ClientID {
		oauthError(w, "invalid_client")
		return
	}
	dc, uc := random(), strings.ToUpper(random()[:4]+"-"+random()[:4])
	s.mu.Lock()
	s.devices[dc] = &device{userCode: uc}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"device_code": dc, "user_code": uc, "verification_uri": s.VerificationURI(),
		"expires_in": 600, "interval": 1})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != s.opts.ClientID || (s.opts.ClientSecret != "" && f.Get("client_secret") != s.opts.ClientSecret) {
		oauthError(w, "invalid_client")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Get("grant_type") {
	case "authorization_code":
		c, ok := s.codes[f.Get("code")]
		if !ok || c.used || c.redirect != f.Get("redirect_uri") {
			oauthError(w, "invalid_grant")
			return
		}
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			oauthError(w, "invalid_grant") // PKCE verifier does not match
			return
		}
		c.used = true
		s.codes[f.Get("code")] = c
		s.exchanges++
		s.issue(w, "")
	case "refresh_token":
		s.refreshes++
		rt := f.Get("refresh_token")
		if !s.refresh[rt] {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`)
			return
		}
		if s.opts.NoRotate {
			s.issue(w, rt)
			return
		}
		s.refresh[rt] = false
		s.issue(w, "")
	case "urn:ietf:params:oauth:grant-type:device_code":
		d, ok := s.devices[f.Get("device_code")]
		switch {
		case !ok || d.done:
			oauthError(w, "invalid_grant")
		case !d.approved:
			s.pending++
			if s.pending == 1 {
				close(s.polled)
			}
			oauthError(w, "authorization_pending")
		default:
			d.done = true
			s.issue(w, "")
		}
	default:
		oauthError(w, "unsupported_grant_type")
	}
}

// issue answers with a new access token and keepRT, or a new refresh
// token when keepRT is empty. s.mu is held.
func (s *Server) issue(w http.ResponseWriter, keepRT string) {
	at, rt := "at-"+random(), keepRT
	if rt == "" {
		rt = "rt-" + random()
		s.refresh[rt] = true
	}
	s.access = append(s.access, at)
	if s.opts.OnIssue != nil {
		s.opts.OnIssue(at)
	}
	body := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": s.opts.ExpiresIn}
	if keepRT == "" {
		body["refresh_token"] = rt
	}
	writeJSON(w, body)
}

func oauthError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
