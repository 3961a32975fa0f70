package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
)

// Format is the body a webhook posts.
type Format string

// The webhook body formats.
const (
	FormatJSON Format = "json" // the contract's JSON document
	FormatNtfy Format = "ntfy" // plain text with a Title header, for ntfy-style receivers
)

// WebhookConfig configures a webhook alert channel.
type WebhookConfig struct {
	Name   string // stable, e.g. "webhook:1"; used for de-duplication
	URL    string // https, or http to a loopback host only (netpolicy.CheckURL)
	Format Format // FormatJSON (default) or FormatNtfy
	// Headers are added to every request.
	Headers map[string]string
	// SecretHeaders are read at every send (e.g. "Authorization" from a
	// password source); their values are never logged.
	SecretHeaders map[string]func(context.Context) (string, error)
	Timeout       time.Duration // whole request; default 30s
	TLS           *tls.Config   // optional base (e.g. RootCAs); verification stays on
	Location      *time.Location
	// Levels are the levels the channel takes (default: LevelPage and
	// LevelConcern, a phone app rings for pages and shows concerns quietly).
	Levels []Level
	// Click is the link an ntfy notification opens (FormatNtfy only;
	// https).
	Click string
}

// Webhook is an alert channel that POSTs the alert over HTTP.
type Webhook struct {
	cfg    WebhookConfig
	url    *url.URL
	client *http.Client
}

// webhookBody is the JSON document of the contract.
type webhookBody struct {
	Kind       Kind     `json:"kind"`
	Level      Level    `json:"level"`
	Repeat     int      `json:"repeat"`
	Count      int      `json:"count,omitempty"`
	More       int      `json:"more,omitempty"`
	MessageID  string   `json:"message_id"`
	DedupKey   string   `json:"dedup_key"` // Alert.DeliveryID: the same on every send of this alert
	From       string   `json:"from"`
	FromName   string   `json:"from_name,omitempty"`
	Rules      []string `json:"rules"`
	Categories []string `json:"categories,omitempty"`
	Received   string   `json:"received"`
	Mailbox    string   `json:"mailbox"`
	Text       string   `json:"text"`
	Excerpt    string   `json:"excerpt,omitempty"`
	ActionURL  string   `json:"action_url,omitempty"`
}

// NewWebhook validates cfg and returns the channel.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Name == "" {
		return nil, errors.New("webhook: empty channel name")
	}
	switch cfg.Format {
	case "":
		cfg.Format = FormatJSON
	case FormatJSON, FormatNtfy:
	default:
		return nil, fmt.Errorf("webhook %s: unknown format %q (want json or ntfy)", cfg.Name, cfg.Format)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: bad URL: %w", cfg.Name, redactURLError(err))
	}
	if err := netpolicy.CheckURL(u); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", cfg.Name, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Levels, err = checkLevels(cfg.Levels, Levels()); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", cfg.Name, err)
	}
	if cfg.Click != "" {
		c, err := url.Parse(cfg.Click)
		if err != nil || c.Scheme != "https" || c.Host == "" || cfg.Format != FormatNtfy {
			return nil, fmt.Errorf("webhook %s: click must be an https link, on an ntfy channel", cfg.Name)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// "localhost" is dialed at a loopback address, never resolved, and
	// plain http never goes through a proxy: what crosses in clear stays on
	// this machine.
	dialer := &netpolicy.Dialer{Dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
	tr.DialContext = dialer.DialContext
	tr.Proxy = func(req *http.Request) (*url.URL, error) {
		if req.URL.Scheme != "https" {
			return nil, nil
		}
		return http.ProxyFromEnvironment(req)
	}
	if cfg.TLS != nil {
		tr.TLSClientConfig = cfg.TLS.Clone()
	} else {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.InsecureSkipVerify = false
	if tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
		tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	}
	client := &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return netpolicy.CheckURL(req.URL)
		},
	}
	return &Webhook{cfg: cfg, url: u, client: client}, nil
}

// Name is the channel's stable name.
func (w *Webhook) Name() string { return w.cfg.Name }

// Levels are the levels the channel takes.
func (w *Webhook) Levels() []Level { return w.cfg.Levels }

// Send POSTs the alert; any 2xx status means accepted. A 4xx answer other
// than 408 and 429 (a bad token, an unknown topic) is Permanent; 5xx,
// 408, 429, timeouts and connection errors are worth retrying.
func (w *Webhook) Send(ctx context.Context, a Alert) error {
	a = a.normal()
	text := a.Text(w.cfg.Location)
	var body []byte
	contentType := "application/json"
	if w.cfg.Format == FormatNtfy {
		body = []byte(text)
		contentType = "text/plain; charset=utf-8"
	} else {
		var err error
		body, err = json.Marshal(webhookBody{
			Kind:       a.Kind,
			Level:      a.Level,
			Repeat:     a.Repeat,
			Count:      folded(a.Count),
			More:       a.More,
			MessageID:  a.MessageID,
			DedupKey:   a.DeliveryID(),
			From:       a.FromAddr,
			FromName:   a.FromName,
			Rules:      nonNil(a.Rules),
			Categories: a.Categories,
			Received:   a.Received.UTC().Format(time.RFC3339),
			Mailbox:    a.Mailbox,
			Text:       text,
			Excerpt:    a.Excerpt,
			ActionURL:  a.ActionURL,
		})

		if err != nil {
			return fmt.Errorf("webhook %s: encode: %w", w.cfg.Name, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.cfg.Name, redactURLError(err))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "boundaryd")
	// The same on every send of this alert (a retry, a resend after a
	// restart), so a receiver can drop a second copy.
	req.Header.Set("Idempotency-Key", a.DeliveryID())
	if w.cfg.Format == FormatNtfy {
		req.Header.Set("Title", headerText(a.Title()))
		req.Header.Set("Priority", ntfyPriority(a.Level))
		req.Header.Set("Tags", ntfyTags(a))
		if w.cfg.Click != "" {
			req.Header.Set("Click", w.cfg.Click)
		}
		if act := ntfyAction(a); act != "" {
			req.Header.Set("Actions", act)
		}
	}
	for k, v := range w.cfg.Headers {
		req.Header.Set(k, v)
	}
	for k, f := range w.cfg.SecretHeaders {
		v, err := f(ctx)
		if err != nil {
			return fmt.Errorf("webhook %s: read secret for header %s: %w", w.cfg.Name, k, err)
		}
		req.Header.Set(k, v)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.cfg.Name, redactURLError(err))
	}
	// Drain a little so the connection can be reused; the body may echo the
	// alert, so it is never put in an error.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := fmt.Errorf("webhook %s: HTTP %s", w.cfg.Name, resp.Status)
		if permanentStatus(resp.StatusCode) {
			return Permanent(err)
		}
		return err
	}
	return nil
}

// folded is the count field: present only when messages were folded.
func folded(n int) int {
	if n > 1 {
		return n
	}
	return 0
}

// permanentStatus is Alertmanager's line between a refusal and a hiccup:
// a 4xx will be refused again, except 408 (timeout) and 429 (slow down).
func permanentStatus(code int) bool {
	return code >= 400 && code <= 499 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
}

// ntfyPriority: a page rings through (urgent, ntfy's max), a concern
// arrives without a sound (low).
func ntfyPriority(l Level) string {
	if l == LevelConcern {
		return "low"
	}
	return "urgent"
}

// ntfyAction is the ntfy "Actions" header for an alert with an ActionURL:
// one HTTP POST button ("Acknowledge" a page, "Release to inbox" a concern
// notice), cleared once tapped. Test pages get none.
func ntfyAction(a Alert) string {
	if a.ActionURL == "" || strings.ContainsAny(a.ActionURL, ",;\r\n") {
		return ""
	}
	var label string
	switch a.Kind {
	case KindEmergency:
		label = locale.Pick(locale.Of(a.Lang), "Acknowledge", "J'ai vu")
	case KindConcern:
		label = locale.Pick(locale.Of(a.Lang), "Release to inbox", "Remettre dans la boîte")
	case KindTest, KindNotice:
		return ""
	}
	return "http, " + label + ", " + a.ActionURL + ", method=POST, clear=true"
}

// ntfyTags are ntfy's emoji tags: the siren for a page, an eye for a
// concern, plus "repeat" and "test" where they apply.
func ntfyTags(a Alert) string {
	tags := []string{"rotating_light"}
	if a.Level == LevelConcern {
		tags = []string{"eyes"}
	}
	if a.Repeat > 0 {
		tags = append(tags, "repeat")
	}
	switch a.Kind {
	case KindTest:
		tags = append(tags, "test_tube")
	case KindNotice:
		tags = []string{"warning"}
	case KindEmergency, KindConcern:
	}
	return strings.Join(tags, ",")
}

// checkLevels returns levels (def when empty) or an error naming an
// unknown one.
func checkLevels(levels, def []Level) ([]Level, error) {
	if len(levels) == 0 {
		return def, nil
	}
	for _, l := range levels {
		if !slices.Contains(Levels(), l) {
			return nil, fmt.Errorf("unknown level %q (want page or concern)", l)
		}
	}
	return slices.Clone(levels), nil
}

// headerText makes a header value safe: one line, RFC 2047-encoded when not
// ASCII (ntfy decodes it).
func headerText(s string) string {
	s = oneLine(s)
	for _, r := range s {
		if r > 0x7e {
			return mime.BEncoding.Encode("UTF-8", s)
		}
	}
	return s
}

// redactURLError drops the URL from net/url and net/http errors: a webhook
// URL often carries a token.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
