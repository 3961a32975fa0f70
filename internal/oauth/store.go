package oauth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TokenFileName is the saved sign-in's name in the state directory.
const TokenFileName = "oauth2-token.json"

// CredentialName is the systemd credential (LoadCredential=NAME:PATH or
// LoadCredentialEncrypted=) read while the state directory has no sign-in
// yet: the saved sign-in's JSON, or a bare refresh token.
const CredentialName = "boundaryd-oauth2-token"

// maxTokenFile bounds what is read from a token file.
const maxTokenFile = 64 << 10

// Saved is one sign-in as kept on disk. Times are by the injected clock.
type Saved struct {
	Provider     string    `json:"provider"`
	ClientID     string    `json:"client_id"`
	Username     string    `json:"username,omitempty"`
	RefreshToken string    `json:"refresh_token"`
	AccessToken  string    `json:"access_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"` // of the access token
	SignedIn     time.Time `json:"signed_in,omitzero"`
	Refreshed    time.Time `json:"refreshed,omitzero"`
	// Origin fingerprints the systemd credential this sign-in descends
	// from (empty when it came from `boundaryd login` into the state dir).
	Origin string `json:"origin,omitempty"`
}

// Store is where the sign-in is kept: Path (read and written), and an
// optional read-only systemd credential used while Path does not exist.
type Store struct {
	Path string
	// Credential is a file under $CREDENTIALS_DIRECTORY, or empty.
	Credential string
}

// StoreFor is the store in stateDir, with the systemd credential when
// credentialsDir (the service's $CREDENTIALS_DIRECTORY) is set.
func StoreFor(stateDir, credentialsDir string) Store {
	s := Store{Path: filepath.Join(stateDir, TokenFileName)}
	if credentialsDir != "" {
		s.Credential = filepath.Join(credentialsDir, CredentialName)
	}
	return s
}

// Load reads the saved sign-in. It returns an error wrapping
// ErrNotSignedIn when there is none, and refuses a file that other users
// can read or write: a refresh token is a password.
//
// With a systemd credential, the state file wins while it descends from
// that credential (it holds the rotated refresh token); a credential with
// another refresh token (a new `boundaryd login --token-file`) wins over
// it.
func (s Store) Load() (Saved, error) {
	sv, err := readTokenFile(s.Path)
	if s.Credential != "" {
		cred, cerr := readTokenFile(s.Credential)
		switch {
		case cerr == nil:
			origin := fingerprint(cred.RefreshToken)
			if err != nil || sv.Origin != origin {
				cred.Origin = origin
				return cred, nil
			}
		case !errors.Is(cerr, fs.ErrNotExist):
			return Saved{}, cerr
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return Saved{}, fmt.Errorf("%w: no saved sign-in in %s; run `boundaryd login --config FILE`", ErrNotSignedIn, s.Path)
	}
	if errors.Is(err, fs.ErrPermission) {
		return Saved{}, fmt.Errorf("%w (was `boundaryd login` run as another user? run it as the user the daemon runs as, or see the README's OAuth2 section for a systemd credential)", err)
	}
	return sv, err
}

// fingerprint names a refresh token without revealing it.
func fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

func readTokenFile(path string) (Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return Saved{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Saved{}, fmt.Errorf("token file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Saved{}, fmt.Errorf("token file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Saved{}, fmt.Errorf("token file %s is open to other users (mode %04o); refusing to use it: run chmod 600 %s, or `boundaryd login` again", path, perm, path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return Saved{}, fmt.Errorf("reading token file %s: %w", path, err)
	}
	if len(raw) > maxTokenFile {
		return Saved{}, fmt.Errorf("token file %s is larger than %d bytes", path, maxTokenFile)
	}
	data := strings.TrimSpace(string(raw))
	var sv Saved
	if strings.HasPrefix(data, "{") {
		if err := json.Unmarshal([]byte(data), &sv); err != nil {
			// The JSON error quotes no value, only a position.
			return Saved{}, fmt.Errorf("token file %s is damaged (%v); run `boundaryd login` again", path, err)
		}
	} else {
		sv.RefreshToken = data // a bare refresh token (a systemd credential)
	}
	if sv.RefreshToken == "" {
		return Saved{}, fmt.Errorf("token file %s holds no refresh token; run `boundaryd login` again", path)
	}
	return sv, nil
}

// Save writes sv to Path atomically (a 0600 temporary file in the same
// directory, synced, renamed over the old one, the directory synced): a
// crash leaves the old sign-in or the new one, never half of either.
func (s Store) Save(sv Saved) error {
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	data, err := json.MarshalIndent(sv, "", "  ")
	if err != nil {
		return fmt.Errorf("token file: encode: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+TokenFileName+".*")
	if err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("token file: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("token file: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("token file: close: %w", err)
	}
	if err := os.Rename(name, s.Path); err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
