package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The safety net's buckets, created on first write (a database from before
// them opens as it is).
var (
	bucketPages    = []byte("pages")
	bucketConcerns = []byte("concerns")
	// keyPageBudget, in bucketPages, holds the hour's page budget.
	keyPageBudget = []byte("\x00budget")
)

// Page is an emergency page waiting for its acknowledgement: what was
// escalated, where it is, and where its repeats stand. It holds no content.
type Page struct {
	// Key is the escalated message's identity (the alert's Key).
	Key string `json:"key"`
	// Token is the page's unguessable acknowledgement token (hex, 128 bits).
	Token       string `json:"token"`
	MessageID   string `json:"message_id,omitempty"`
	Mailbox     string `json:"mailbox"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
	// Sender is the sender's mailbox key (pages fold per sender).
	Sender    string    `json:"sender"`
	FirstSent time.Time `json:"first_sent"`
	// Repeats is how many repeats were queued; Backup that the backup
	// channels were told (after the last repeat).
	Repeats int  `json:"repeats,omitempty"`
	Backup  bool `json:"backup,omitempty"`
	// NextRepeat is when the next repeat (or the backup page) is due; zero
	// once nothing more will be sent.
	NextRepeat time.Time `json:"next_repeat,omitzero"`
	// Folded is how many later messages of the same sender were folded into
	// this page (within group_wait); FoldedSent how many of them a grouped
	// page has already announced.
	Folded     int `json:"folded,omitempty"`
	FoldedSent int `json:"folded_sent,omitempty"`
	// SeenFlagged: the message was seen \Flagged at least once, so that
	// losing the flag means the therapist removed it.
	SeenFlagged bool `json:"seen_flagged,omitempty"`
	// AckedAt and AckedBy ("read", "unflagged", "moved", "link") say when
	// and how the page was acknowledged.
	AckedAt time.Time `json:"acked_at,omitzero"`
	AckedBy string    `json:"acked_by,omitempty"`
	// Alert is the first page as queued (notify's encoding), to build the
	// repeats from.
	Alert json.RawMessage `json:"alert"`
}

// Open says the page still waits for its acknowledgement.
func (p Page) Open() bool { return p.AckedAt.IsZero() }

// PageBudget is the hour's record of pages sent, for max_pages_per_hour.
type PageBudget struct {
	// Sent lists the pages queued in the last hour (first and grouped
	// pages, summaries), with their sender.
	Sent []BudgetEntry `json:"sent,omitempty"`
	// Over counts the messages escalated without a page of their own since
	// the last summary; OverSince is when the first of them came.
	Over      int       `json:"over,omitempty"`
	OverSince time.Time `json:"over_since,omitzero"`
	// OverAlert is the first of them, as its page would have been
	// (notify's encoding): the summary page names it.
	OverAlert json.RawMessage `json:"over_alert,omitempty"`
}

// BudgetEntry is one page of the budget.
type BudgetEntry struct {
	At     time.Time `json:"at"`
	Sender string    `json:"sender"`
}

// Concern is a held message with a risk signal below a page, waiting for
// its early-look notice. It holds no content beyond the optional excerpt
// (include_excerpt).
type Concern struct {
	Key       string    `json:"key"`
	MessageID string    `json:"message_id,omitempty"`
	Sender    string    `json:"sender"`
	FromName  string    `json:"from_name,omitempty"`
	FromAddr  string    `json:"from"`
	Received  time.Time `json:"received"`
	Rules     []string  `json:"rules,omitempty"`
	Excerpt   string    `json:"excerpt,omitempty"`
	Recorded  time.Time `json:"recorded"`
	// NoticeAt is when its early-look notice was queued (zero: not yet).
	NoticeAt time.Time `json:"notice_at,omitzero"`
	// Token releases this concern's messages (POST /release/<token>); the
	// notice carries it.
	Token string `json:"token,omitempty"`
	// ReleasedAt is when the therapist asked for it early.
	ReleasedAt time.Time `json:"released_at,omitzero"`
}

func (tx *Tx) writable(name []byte) (*bolt.Bucket, error) {
	b, err := tx.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("store: bucket %s: %w", name, err)
	}
	return b, nil
}

// PutPage writes (creates or replaces) a page.
func (tx *Tx) PutPage(p Page) error {
	b, err := tx.writable(bucketPages)
	if err != nil {
		return err
	}
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("store: encode page: %w", err)
	}
	if err := b.Put([]byte(p.Key), v); err != nil {
		return fmt.Errorf("store: put page: %w", err)
	}
	return nil
}

// Page returns the page of message key.
func (tx *Tx) Page(key string) (Page, bool, error) {
	var p Page
	b := tx.bucket(bucketPages)
	if b == nil || key == "" || key[0] == 0 {
		return p, false, nil
	}
	v := b.Get([]byte(key))
	if v == nil {
		return p, false, nil
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return p, false, fmt.Errorf("store: decode page %q: %w", key, err)
	}
	return p, true, nil
}

// Pages returns every page, oldest first.
func (tx *Tx) Pages() ([]Page, error) {
	var out []Page
	b := tx.bucket(bucketPages)
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if len(k) > 0 && k[0] == 0 {
			return nil
		}
		var p Page
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("store: decode page %q: %w", k, err)
		}
		out = append(out, p)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstSent.Before(out[j].FirstSent) })
	return out, err
}

// OpenPages is Pages without the acknowledged ones.
func (tx *Tx) OpenPages() ([]Page, error) {
	pages, err := tx.Pages()
	return slices.DeleteFunc(pages, func(p Page) bool { return !p.Open() }), err
}

// PruneSafetyNet removes pages acknowledged or finished before cutoff and
// concerns noticed before it.
func (tx *Tx) PruneSafetyNet(cutoff time.Time) (int, error) {
	n := 0
	pages, err := tx.Pages()
	if err != nil {
		return 0, err
	}
	for _, p := range pages {
		done := !p.Open() && p.AckedAt.Before(cutoff) || p.Open() && p.NextRepeat.IsZero() && p.FirstSent.Before(cutoff)
		if done {
			if err := tx.bucket(bucketPages).Delete([]byte(p.Key)); err != nil {
				return n, fmt.Errorf("store: prune page: %w", err)
			}
			n++
		}
	}
	cs, err := tx.Concerns()
	if err != nil {
		return n, err
	}
	for _, c := range cs {
		if !c.NoticeAt.IsZero() && c.NoticeAt.Before(cutoff) {
			if err := tx.bucket(bucketConcerns).Delete([]byte(c.Key)); err != nil {
				return n, fmt.Errorf("store: prune concern: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// PageBudget returns the hour's page budget.
func (tx *Tx) PageBudget() (PageBudget, error) {
	var pb PageBudget
	b := tx.bucket(bucketPages)
	if b == nil {
		return pb, nil
	}
	v := b.Get(keyPageBudget)
	if v == nil {
		return pb, nil
	}
	if err := json.Unmarshal(v, &pb); err != nil {
		return pb, fmt.Errorf("store: decode page budget: %w", err)
	}
	return pb, nil
}

// SetPageBudget writes the hour's page budget.
func (tx *Tx) SetPageBudget(pb PageBudget) error {
	b, err := tx.writable(bucketPages)
	if err != nil {
		return err
	}
	v, err := json.Marshal(pb)
	if err != nil {
		return fmt.Errorf("store: encode page budget: %w", err)
	}
	if err := b.Put(keyPageBudget, v); err != nil {
		return fmt.Errorf("store: put page budget: %w", err)
	}
	return nil
}

// PutConcern writes (creates or replaces) a concern.
func (tx *Tx) PutConcern(c Concern) error {
	b, err := tx.writable(bucketConcerns)
	if err != nil {
		return err
	}
	v, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: encode concern: %w", err)
	}
	if err := b.Put([]byte(c.Key), v); err != nil {
		return fmt.Errorf("store: put concern: %w", err)
	}
	return nil
}

// Concern returns the concern of message key.
func (tx *Tx) Concern(key string) (Concern, bool, error) {
	var c Concern
	b := tx.bucket(bucketConcerns)
	if b == nil {
		return c, false, nil
	}
	v := b.Get([]byte(key))
	if v == nil {
		return c, false, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, false, fmt.Errorf("store: decode concern %q: %w", key, err)
	}
	return c, true, nil
}

// Concerns returns every concern, oldest first.
func (tx *Tx) Concerns() ([]Concern, error) {
	var out []Concern
	b := tx.bucket(bucketConcerns)
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var c Concern
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("store: decode concern %q: %w", k, err)
		}
		out = append(out, c)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Recorded.Before(out[j].Recorded) })
	return out, err
}
