package oauth_test

import (
	"golang.org/x/oauth2"

	"github.com/boundaryd/boundaryd/internal/oauth/oauthtest"
)

func oauthEndpoint(s *oauthtest.Server) oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), DeviceAuthURL: s.DeviceURL(), AuthStyle: oauth2.AuthStyleInParams}
}
