package health

import "github.com/prometheus/client_golang/prometheus"

// netMetrics are the safety net's counters: levels, acknowledgements,
// repeats, escalations to backup, folded alerts.
type netMetrics struct {
	levels   *prometheus.CounterVec
	acks     *prometheus.CounterVec
	repeats  prometheus.Counter
	backup   prometheus.Counter
	folded   prometheus.Counter
	concerns prometheus.Counter
}

func (n *netMetrics) register(reg *prometheus.Registry) {
	n.levels = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "messages_by_level_total",
		Help: "Messages handled, by safety level: page, concern, none.",
	}, []string{"level"})
	n.acks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "pages_acknowledged_total",
		Help: "Pages acknowledged, by how: read, unflagged, moved, link.",
	}, []string{"how"})
	n.repeats = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "page_repeats_total",
		Help: "Pages sent again because nobody acknowledged them within repeat_after.",
	})
	n.backup = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "pages_to_backup_total",
		Help: "Pages sent to the backup channels after their last repeat.",
	})
	n.folded = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "alerts_folded_total",
		Help: "Escalated messages without a page of their own: grouped with their sender's page or counted in a summary page.",
	})
	n.concerns = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "concern_notices_total",
		Help: "Early-look notices queued for concerns.",
	})
	reg.MustRegister(n.levels, n.acks, n.repeats, n.backup, n.folded, n.concerns)
}

// MessageLevel counts a handled message's level (page, concern, none).
func (m *Metrics) MessageLevel(level string) { m.net.levels.WithLabelValues(level).Inc() }

// PageAcknowledged counts an acknowledgement by how it came.
func (m *Metrics) PageAcknowledged(how string) { m.net.acks.WithLabelValues(how).Inc() }

// PageRepeated counts one repeat.
func (m *Metrics) PageRepeated() { m.net.repeats.Inc() }

// PageToBackup counts one page sent to the backup channels.
func (m *Metrics) PageToBackup() { m.net.backup.Inc() }

// PagesFolded counts n messages folded into a grouped or summary page.
func (m *Metrics) PagesFolded(n int) {
	if n > 0 {
		m.net.folded.Add(float64(n))
	}
}

// ConcernNotice counts one early-look notice.
func (m *Metrics) ConcernNotice() { m.net.concerns.Inc() }
