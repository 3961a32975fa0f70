// Package health serves boundaryd's /healthz and /metrics endpoints: it
// keeps the Prometheus metrics the daemon updates, decides whether the
// daemon is healthy (IMAP session up, alerts getting through) and runs the
// small HTTP server that exposes both.
//
// No label or response ever carries patient data: labels are verdicts and
// configured channel names only, and the health report holds times, counts
// and fixed reason texts.
//
// Wiring, in outline:
//
//	m := health.NewMetrics(nil)
//	disp := notify.NewDispatcher(..., notify.DispatcherOptions{
//		Observe: m.ObserveAlert,
//	})
//	srv := &health.Server{Metrics: m, Checker: &health.Checker{Session: m.Session, Alerts: disp}}
//	go srv.Serve(ctx, cfg.HTTP.Listen)
//	// then m.SessionUp(true/false), m.Reconnect(), m.MessageHandled(verdict),
//	// m.SetHeld(n), m.WindowDelivered(t) as things happen.
package health
