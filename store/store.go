package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/clock"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the database file inside the state directory.
const FileName = "boundaryd.db"

// pidFileName names the file where the lock holder writes its pid, so that a
// second instance can say who holds the lock.
const pidFileName = "boundaryd.pid"

// ErrLocked is returned (wrapped) by Open when another process holds the state.
var ErrLocked = errors.New("state is locked by another boundaryd")

// Bucket names. Kept short: they are stored in every page header path.
var (
	bucketHighWater  = []byte("highwater")
	bucketHandled    = []byte("handled")
	bucketAudit      = []byte("audit")
	bucketAuditIndex = []byte("audit_by_key")
	bucketReplies    = []byte("replies")
	bucketMeta       = []byte("meta")
	bucketOutbox     = []byte("outbox")
	bucketOutboxKeys = []byte("outbox_keys")
	bucketOwn        = []byte("own")
)

var allBuckets = [][]byte{
	bucketHighWater, bucketHandled, bucketAudit, bucketAuditIndex,
	bucketReplies, bucketMeta, bucketOutbox, bucketOutboxKeys, bucketOwn,
}

// Options tune Open. The zero value is usable.
type Options struct {
	// LockTimeout bounds the wait for the file lock (default 1s): a second
	// instance fails fast instead of hanging.
	LockTimeout time.Duration
	// AuditRetention is how long audit entries are kept (default 400 days).
	AuditRetention time.Duration
	// DeliveredRetention is how long delivered outbox keys are remembered for
	// de-duplication (default 90 days).
	DeliveredRetention time.Duration
	// ReadOnly opens the database with a shared lock; writes fail.
	ReadOnly bool
	// Clock stamps records and outbox entries (default clock.System()).
	Clock clock.Clock
}

func (o Options) withDefaults() Options {
	if o.LockTimeout <= 0 {
		o.LockTimeout = time.Second
	}
	if o.AuditRetention <= 0 {
		o.AuditRetention = 400 * 24 * time.Hour
	}
	if o.DeliveredRetention <= 0 {
		o.DeliveredRetention = 90 * 24 * time.Hour
	}
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	return o
}

// Store is the open state database. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	dir  string
	opts Options
}

// Open opens (creating when missing) the state database in dir. The directory
// is created with mode 0700 and the file with 0600: the state names patients.
// When another process holds the database, Open returns an error wrapping
// ErrLocked after opts.LockTimeout.
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if dir == "" {
		return nil, errors.New("store: empty state directory")
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create state directory: %w", err)
		}
		// Tighten a pre-existing directory (e.g. created 0755 by a package
		// manager); failure is not fatal when we do not own it.
		if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(dir, 0o700)
		}
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opts.LockTimeout,
		ReadOnly: opts.ReadOnly,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w (%s): %s", ErrLocked, lockHolder(dir), path)
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, dir: dir, opts: opts}
	if opts.ReadOnly {
		return s, nil
	}
	if err := createBuckets(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	// Neither the pid file (it only names the lock holder to a second
	// instance) nor the prune (the daemon prunes daily) may keep the state
	// from opening on a full disk: the daemon must start and alert from
	// memory (issue 14).
	_ = os.WriteFile(filepath.Join(dir, pidFileName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	_, _ = s.Prune()
	return s, nil
}

// createBuckets creates the buckets missing from db. It writes only when
// one is missing: an open must not need room on the disk (a state on a full
// disk opens, and the daemon alerts from memory: issue 14).
func createBuckets(db *bolt.DB) error {
	missing := false
	_ = db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			missing = missing || tx.Bucket(b) == nil
		}
		return nil
	})
	if !missing {
		return nil
	}
	return db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
}

// lockHolder describes the process named in the pid file, if any.
func lockHolder(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, pidFileName))
	if err != nil {
		return "pid unknown"
	}
	pid := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(pid); err != nil {
		return "pid unknown"
	}
	return "pid " + pid
}

// Path is the database file path.
func (s *Store) Path() string { return s.db.Path() }

// Close releases the lock and closes the file. Pending transactions finish first.
func (s *Store) Close() error {
	if !s.opts.ReadOnly {
		pidPath := filepath.Join(s.dir, pidFileName)
		if b, err := os.ReadFile(pidPath); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
			_ = os.Remove(pidPath)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Tx is one read or read-write transaction. It is valid only inside the
// function given to Update or View.
type Tx struct {
	tx *bolt.Tx
	s  *Store
}

// Update runs fn in one read-write transaction, committed (and fsynced) only
// when fn returns nil. Use it to write a batch of records atomically.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, s: s}) })
}

// View runs fn in a read-only transaction that sees a consistent snapshot.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, s: s}) })
}

// Pruned counts what one Prune removed.
type Pruned struct {
	Audit     int // audit entries older than the audit retention
	Delivered int // delivered outbox keys older than the delivered retention
}

// Prune removes audit entries older than the audit retention and delivered
// outbox keys older than the delivered retention, and says how many. Open
// runs it once; a long-running daemon calls it daily (daemon's maintenance).
func (s *Store) Prune() (Pruned, error) {
	now := s.opts.Clock.Now()
	var p Pruned
	err := s.Update(func(tx *Tx) error {
		var err error
		if p.Audit, err = tx.pruneAudit(now.Add(-s.opts.AuditRetention)); err != nil {
			return err
		}
		p.Delivered, err = tx.pruneDelivered(now.Add(-s.opts.DeliveredRetention))
		return err
	})
	if err != nil {
		return Pruned{}, err
	}
	return p, nil
}

func (tx *Tx) bucket(name []byte) *bolt.Bucket {
	b := tx.tx.Bucket(name)
	if b != nil && bytes.Equal(name, bucketAudit) {
		// Keys grow with time: pages split at the default 50 % leave every
		// page but the last half empty, doubling the file and the pages a
		// backlog maps. (FillPercent lives on the transaction's Bucket.)
		b.FillPercent = appendFillPercent
	}
	return b
}

// appendFillPercent is how full a split leaves the pages of an append-only
// bucket.
const appendFillPercent = 0.9
