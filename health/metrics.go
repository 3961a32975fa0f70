package health

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/notify"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "boundaryd"

// latencyBuckets span an alert accepted at once (a webhook, under a second)
// to one that needed retries across an outage (an hour).
var latencyBuckets = []float64{0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// Metrics holds the daemon's Prometheus metrics on a registry of its own, so
// that tests and several daemons in one process never collide. The methods
// are safe for concurrent use.
type Metrics struct {
	reg   *prometheus.Registry
	clock clock.Clock

	handled      *prometheus.CounterVec
	alerts       *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	reconnects   prometheus.Counter
	sessionUp    prometheus.Gauge
	sessionSince prometheus.Gauge
	held         prometheus.Gauge
	lastWindow   prometheus.Gauge
	windows      prometheus.Counter
	outbox       prometheus.Gauge
	alertFailing prometheus.Gauge
	broken       *prometheus.GaugeVec

	mu        sync.Mutex
	up        bool
	downSince time.Time
	signIn    string
	state     string

	hold holdTracker // hold.go
	net  netMetrics  // safetynet.go
}

// NewMetrics returns metrics with the Go runtime and process collectors
// registered. c is the clock (nil: clock.System()). The IMAP session counts as
// down from this moment until the first SessionUp(true), so that a daemon
// that never manages to log in turns unhealthy after the grace period.
func NewMetrics(c clock.Clock) *Metrics {
	if c == nil {
		c = clock.System()
	}
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		clock: c,
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "messages_handled_total",
			Help: "Messages classified and dealt with, by verdict (escalate, hold, pass, ...).",
		}, []string{"verdict"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "alerts_total",
			Help: "Alert delivery attempts by channel and result: delivered, failed (retried) or refused (for good, not retried).",
		}, []string{"channel", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "alert_latency_seconds",
			Help:    "Time from an alert being queued to a channel accepting it, retries included.",
			Buckets: latencyBuckets,
		}, []string{"channel"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "imap_reconnects_total",
			Help: "IMAP sessions re-established after the previous one was lost.",
		}),
		sessionUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "imap_session_up",
			Help: "1 while the IMAP session is logged in and watching, 0 otherwise.",
		}),
		sessionSince: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "imap_session_down_since_timestamp_seconds",
			Help: "Unix time since which the IMAP session has been down; 0 while it is up.",
		}),
		held: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "held_messages",
			Help: "Messages waiting in the hold folder for the next reading window.",
		}),
		lastWindow: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "last_window_timestamp_seconds",
			Help: "Unix time of the last reading window delivered; 0 before the first.",
		}),
		windows: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "windows_delivered_total",
			Help: "Reading windows delivered by this process.",
		}),
		outbox: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "outbox_depth",
			Help: "Alert deliveries queued and not yet accepted by their channel.",
		}),
		alertFailing: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "alert_failing_since_timestamp_seconds",
			Help: "Unix time since which the longest-failing alert channel has been failing; 0 when all deliver.",
		}),
		broken: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "alert_channel_broken",
			Help: "1 while a channel refuses alerts for good (since its last refusal, until it accepts one), 0 otherwise.",
		}, []string{"channel"}),
	}
	m.reg.MustRegister(
		// The Go collector's classic set (go_goroutines, go_memstats_*,
		// go_gc_duration_seconds...) without the runtime/metrics series it
		// adds by default: a daemon that idles for days keeps no
		// descriptions it is never asked for.
		collectors.NewGoCollector(collectors.WithoutGoCollectorRuntimeMetrics(regexp.MustCompile(".*"))),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.handled, m.alerts, m.latency, m.reconnects, m.sessionUp, m.sessionSince,
		m.held, m.lastWindow, m.windows, m.outbox, m.alertFailing, m.broken,
	)
	m.net.register(m.reg)
	m.downSince = c.Now()
	m.sessionSince.Set(unixSeconds(m.downSince))
	return m
}

// Registry is the private registry, for callers that add collectors of
// their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format. A
// collector that fails (the process collector when the sandbox hides part
// of /proc) drops its own series, never the whole scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // counts its own scrape errors
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		// Scraped over loopback or a LAN: gzip would cost a compressor's
		// allocations (some 600 KB) per scrape to save a few KB on the wire.
		DisableCompression: true,
		Timeout:            10 * time.Second,
	})
}

// MessageHandled counts one message dealt with under verdict.
func (m *Metrics) MessageHandled(verdict string) {
	m.handled.WithLabelValues(labelValue(verdict)).Inc()
}

// AlertResult counts one delivery attempt on channel. latency (queued to
// accepted) is recorded only for accepted attempts, since a failed attempt
// has no delivery time. (notify.DispatcherOptions.Observe takes ObserveAlert, which also counts refusals.) As a hook:
//
//	func(r notify.Result) { m.AlertResult(r.Channel, r.Err == nil, r.Latency) }
func (m *Metrics) AlertResult(channel string, ok bool, latency time.Duration) {
	o := AlertFailed
	if ok {
		o = AlertDelivered
	}
	m.AlertOutcome(channel, o, latency)
}

// AlertOutcome is what one delivery attempt came to: the result label of
// boundaryd_alerts_total.
type AlertOutcome string

// The alert outcomes.
const (
	AlertDelivered AlertOutcome = "delivered" // accepted
	AlertFailed    AlertOutcome = "failed"    // failed, retried later
	AlertRefused   AlertOutcome = "refused"   // refused for good, not retried
)

// AlertOutcome counts one delivery attempt on channel with its outcome,
// records the latency of an accepted one, and keeps the channel's broken
// gauge: set by a refusal, cleared by an acceptance. For
// notify.DispatcherOptions.Observe, see ObserveAlert.
func (m *Metrics) AlertOutcome(channel string, o AlertOutcome, latency time.Duration) {
	ch := labelValue(channel)
	switch o {
	case AlertDelivered:
		m.latency.WithLabelValues(ch).Observe(latency.Seconds())
		m.broken.WithLabelValues(ch).Set(0)
	case AlertRefused:
		m.broken.WithLabelValues(ch).Set(1)
	case AlertFailed: // retried: neither accepted nor refused
	}
	m.alerts.WithLabelValues(ch, string(o)).Inc()
}

// ObserveAlert counts a notify.Result: the Observe hook of the dispatcher.
func (m *Metrics) ObserveAlert(r notify.Result) {
	o := AlertFailed
	switch {
	case r.Err == nil:
		o = AlertDelivered
	case r.Permanent:
		o = AlertRefused
	}
	m.AlertOutcome(r.Channel, o, r.Latency)
}

// Reconnect counts an IMAP session established after a lost one.
func (m *Metrics) Reconnect() { m.reconnects.Inc() }

// SessionUp records the IMAP session state. Repeated calls with the same
// state keep the original down time, so a reconnect loop that reports
// "down" at each failed attempt does not reset the grace period.
func (m *Metrics) SessionUp(up bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case up:
		m.up, m.downSince = true, time.Time{}
	case m.up || m.downSince.IsZero():
		m.up, m.downSince = false, m.clock.Now()
	}
	m.sessionUp.Set(boolFloat(m.up))
	m.sessionSince.Set(unixSeconds(m.downSince))
}

// SetSignInProblem records why the IMAP login cannot work without the user
// (a fixed text: an OAuth2 sign-in revoked), or clears it with "".
// /healthz is unhealthy, with this reason, while it is set.
func (m *Metrics) SetSignInProblem(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.signIn = reason
}

// SetStateProblem records why the state cannot be written (a fixed text:
// a full disk), or clears it with "". /healthz is unhealthy, with this
// reason, while it is set.
func (m *Metrics) SetStateProblem(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = reason
}

// Session reports the IMAP session state as last recorded.
func (m *Metrics) Session() SessionState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return SessionState{Up: m.up, DownSince: m.downSince, SignIn: m.signIn, State: m.state}
}

// SetHeld sets the number of messages waiting in the hold folder.
func (m *Metrics) SetHeld(n int) { m.held.Set(float64(n)) }

// WindowDelivered records a reading window delivered at t.
func (m *Metrics) WindowDelivered(t time.Time) {
	m.lastWindow.Set(unixSeconds(t))
	m.windows.Inc()
}

// SetOutboxDepth sets the number of alert deliveries still queued.
func (m *Metrics) SetOutboxDepth(n int) { m.outbox.Set(float64(n)) }

// SetAlertFailingSince records since when the longest-failing alert channel
// has been failing; the zero time means every channel delivers.
func (m *Metrics) SetAlertFailingSince(t time.Time) { m.alertFailing.Set(unixSeconds(t)) }

// SetAlerts copies an alert state (as notify's Dispatcher.Health reports
// it) into the outbox and failing-since gauges. A negative depth (outbox
// unreadable) leaves the depth gauge as it was.
func (m *Metrics) SetAlerts(a AlertState) {
	if a.OutboxDepth >= 0 {
		m.SetOutboxDepth(a.OutboxDepth)
	}
	m.SetAlertFailingSince(a.FailingSince)
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// labelValue keeps label values short and in a plain alphabet. Verdicts and
// configured channel names pass unchanged; anything else (an '@', spaces,
// non-ASCII) is replaced, so a label never carries free text copied from
// somewhere it should not have come from.
func labelValue(s string) string {
	const maxLen = 48
	if s == "" {
		return "unknown"
	}
	if len(s) > maxLen {
		s = s[:maxLen]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.', r == ':':
			return r
		}
		return '_'
	}, s)
}
