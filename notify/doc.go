// Package notify sends emergency alerts (SMTP and webhook channels) through a
// durable outbox kept in the state store: an alert is written before any
// attempt, retried with backoff until each channel accepts it, and survives
// restarts without being sent twice to a channel (except the single alert in
// flight when the process died).
//
// An Alert has a Level (page or concern) and a Kind (emergency, concern,
// test); each channel takes the levels it was configured for. Channels sit
// in groups (GroupPrimary, GroupBackup, one CoverGroup per pause) and
// Enqueue names the groups an alert goes to: the dispatcher never decides
// who is told, only how. A repeat (Repeat > 0) has an outbox key of its own
// (Alert.DedupeKey), so queueing it twice still sends it once.
//
// A refusal for good (a webhook's 4xx other than 408/429, an SMTP 5xx) is
// not retried: the entry is recorded as failed on the message's history and
// dropped, the channel is marked broken (Dispatcher.Status, /healthz) until
// it accepts an alert again. Everything else is retried with backoff. Each
// channel sends first pages before repeats, summaries and notices, the
// oldest first, so one sender's flood never holds back another's first
// page.
package notify
