// Package store keeps boundaryd's durable state in a single bbolt file
// (state_dir/boundaryd.db): UID high-water marks, handled message identities,
// the audit log, auto-reply timestamps, reading-window progress and the alert
// outbox.
//
// Every write is one bbolt transaction, fsynced before it returns, so a kill -9
// leaves either all or none of it. The store does not order writes against the
// outside world: callers must act first (move, flag, send) and record second,
// so that a crash in between repeats an idempotent action instead of losing one.
// Use Update to write several records and a new high-water mark atomically.
package store
