package testimap

import (
	"bytes"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"

	"github.com/boundaryd/boundaryd/internal/memimap"
)

// SetOAuthToken replaces the bearer token XOAUTH2 and OAUTHBEARER accept,
// as a token rotation would.
func (m *Mem) SetOAuthToken(token string) {
	m.mu.Lock()
	m.oauthToken = token
	m.mu.Unlock()
}

func (m *Mem) currentToken() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.oauthToken
}

// memSASLSession adds PLAIN, XOAUTH2 and OAUTHBEARER to a memimap.Session.
type memSASLSession struct {
	*memimap.Session
	mem *Mem
}

var errBadToken = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid token"}

func (s *memSASLSession) AuthenticateMechanisms() []string {
	return []string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}
}

// loginWithToken logs the inner session in once the token checked out.
func (s *memSASLSession) loginWithToken(user, token string) error {
	tok := s.mem.currentToken()
	if tok == "" || token != tok || user != s.mem.opts.User {
		return errBadToken
	}
	return s.Login(user, s.mem.opts.Password)
}

func (s *memSASLSession) Authenticate(mech string) (sasl.Server, error) {
	switch strings.ToUpper(mech) {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return errBadToken
			}
			return s.Login(username, password)
		}), nil
	case "OAUTHBEARER":
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if err := s.loginWithToken(o.Username, o.Token); err != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{check: s.loginWithToken}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

var _ imapserver.SessionSASL = (*memSASLSession)(nil)

// xoauth2Server is the server half of XOAUTH2: one initial response
// "user=U\x01auth=Bearer T\x01\x01"; on failure a JSON challenge, to which
// the client answers with an empty response before the final NO.
type xoauth2Server struct {
	check  func(user, token string) error
	failed error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed != nil {
		return nil, true, x.failed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range bytes.Split(resp, []byte{1}) {
		switch {
		case bytes.HasPrefix(f, []byte("user=")):
			user = string(f[5:])
		case bytes.HasPrefix(f, []byte("auth=Bearer ")):
			token = string(f[12:])
		}
	}
	if err := x.check(user, token); err != nil {
		x.failed = err
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, nil
}
