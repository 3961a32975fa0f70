package config

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
)

// A choice is a configuration value taken from a fixed list (imap.security,
// log.level, ...). Each is a string type listing its values once, in
// Choices; the decoder parses the file's text into it, refusing anything
// else with "did you mean", so past Parse every such field holds one of its
// constants (or its default) and a switch over them names every case.
type choice interface {
	Choices() []string
}

// decodeChoice sets v, a string type implementing choice, from s.
func decodeChoice(v reflect.Value, path, s string) error {
	allowed := v.Interface().(choice).Choices()
	if !slices.Contains(allowed, s) {
		msg := fmt.Sprintf("%s: %q is not one of %s", path, s, strings.Join(allowed, ", "))
		if sug := suggest(s, allowed); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		}
		return fmt.Errorf("%s", msg)
	}
	v.SetString(s)
	return nil
}

// IMAPAuth is imap.auth: how boundaryd logs in.
type IMAPAuth string

// The imap.auth values.
const (
	// AuthPlain (the default) is SASL PLAIN (AUTHENTICATE PLAIN), or the
	// LOGIN command where the server does not offer AUTH=PLAIN.
	AuthPlain IMAPAuth = "plain"
	// AuthLogin is the IMAP LOGIN command, never AUTHENTICATE.
	AuthLogin IMAPAuth = "login"
	// AuthXOAuth2 is SASL XOAUTH2; the password source yields a token.
	AuthXOAuth2 IMAPAuth = "xoauth2"
	// AuthOAuthBearer is SASL OAUTHBEARER (RFC 7628) with a token.
	AuthOAuthBearer IMAPAuth = "oauthbearer"
	// AuthOAuth2 is boundaryd's own OAuth2 sign-in (imap.oauth2, `boundaryd
	// login`): the token comes from the saved sign-in, not a password source.
	AuthOAuth2 IMAPAuth = "oauth2"
)

// Choices lists the imap.auth values.
func (IMAPAuth) Choices() []string {
	return []string{string(AuthPlain), string(AuthLogin), string(AuthXOAuth2), string(AuthOAuthBearer), string(AuthOAuth2)}
}

// Backlog is imap.backlog: what the first start does with mail already there.
type Backlog string

// The imap.backlog values.
const (
	BacklogNew Backlog = "new" // leave existing mail alone
	BacklogAll Backlog = "all" // process it
)

// Choices lists the imap.backlog values.
func (Backlog) Choices() []string { return []string{string(BacklogNew), string(BacklogAll)} }

// Delivery is reading_windows.delivery: what a reading window does.
type Delivery string

// The reading_windows.delivery values.
const (
	DeliveryDigest           Delivery = "digest"
	DeliveryRelease          Delivery = "release"
	DeliveryDigestAndRelease Delivery = "digest_and_release"
)

// Choices lists the reading_windows.delivery values.
func (Delivery) Choices() []string {
	return []string{string(DeliveryDigest), string(DeliveryRelease), string(DeliveryDigestAndRelease)}
}

// AlertType is emergency.alerts[].type.
type AlertType string

// The alert channel types.
const (
	AlertSMTP    AlertType = "smtp"
	AlertWebhook AlertType = "webhook"
)

// Choices lists the alert types.
func (AlertType) Choices() []string { return []string{string(AlertSMTP), string(AlertWebhook)} }

// WebhookFormat is emergency.alerts[].format: the body a webhook posts.
type WebhookFormat string

// The webhook formats.
const (
	WebhookJSON WebhookFormat = "json"
	WebhookNtfy WebhookFormat = "ntfy"
)

// Choices lists the webhook formats.
func (WebhookFormat) Choices() []string { return []string{string(WebhookJSON), string(WebhookNtfy)} }

// Language is language: the words of digests, alerts and acknowledgements.
type Language string

// The languages.
const (
	English Language = "en"
	French  Language = "fr"
)

// Choices lists the languages.
func (Language) Choices() []string { return []string{string(English), string(French)} }

// LogLevel is log.level.
type LogLevel string

// The log levels.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// Choices lists the log levels.
func (LogLevel) Choices() []string {
	return []string{string(LogDebug), string(LogInfo), string(LogWarn), string(LogError)}
}

// Slog is the level as log/slog knows it.
func (l LogLevel) Slog() slog.Level {
	switch l {
	case LogDebug:
		return slog.LevelDebug
	case LogInfo:
		return slog.LevelInfo
	case LogWarn:
		return slog.LevelWarn
	case LogError:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// LogFormat is log.format.
type LogFormat string

// The log formats.
const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// Choices lists the log formats.
func (LogFormat) Choices() []string { return []string{string(LogText), string(LogJSON)} }

// AlertLevel is one value of emergency.alerts[].levels: which alerts a
// channel takes.
type AlertLevel string

// The alert levels.
const (
	// LevelPage is an emergency: call me now.
	LevelPage AlertLevel = "page"
	// LevelConcern is a risk signal below an emergency: an early-look notice.
	LevelConcern AlertLevel = "concern"
)

// Choices lists the alert levels.
func (AlertLevel) Choices() []string { return []string{string(LevelPage), string(LevelConcern)} }

// DefaultLevels are the levels a channel of type t takes when its levels
// key is left out: an SMS (smtp) only pages, a phone app (webhook) gets the
// early-look notices too.
func DefaultLevels(t AlertType) []AlertLevel {
	if t == AlertWebhook {
		return []AlertLevel{LevelPage, LevelConcern}
	}
	return []AlertLevel{LevelPage}
}
