package imapwatch

import (
	"errors"

	"github.com/emersion/go-sasl"
)

// xoauth2Client implements the XOAUTH2 SASL mechanism used by Gmail and
// Microsoft 365, which go-sasl lacks.
type xoauth2Client struct {
	username, token string
	failed          bool
}

func newXOAuth2Client(username, token string) sasl.Client {
	return &xoauth2Client{username: username, token: token}
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	ir := "user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"
	return "XOAUTH2", []byte(ir), nil
}

// Next answers the server's error challenge (a JSON status) with an empty
// response, as the mechanism requires, so that the server sends its final NO.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	if c.failed {
		return nil, errors.New("xoauth2: unexpected second challenge")
	}
	c.failed = true
	return []byte{}, nil
}
