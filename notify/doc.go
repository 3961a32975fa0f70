// Package notify sends emergency alerts (SMTP and webhook channels) through a
// durable outbox kept in the state store: an alert is written before any
// attempt, retried with backoff until each channel accepts it, and survives
// restarts without being sent twice to a channel (except the single alert in
// flight when the process died).
package notify
