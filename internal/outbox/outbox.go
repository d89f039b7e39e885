package outbox

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
)

// KindEvidence is the kind of an item holding one controlplane.Evidence.
const KindEvidence = "evidence"

// KindConfigReport is the kind of an item holding one config report (package agentremote).
const KindConfigReport = "config-report"

// KnownKind reports whether this argus knows how to deliver items of kind. An item of another
// kind (written by a newer argus, or damaged) is never sent: Deliver marks it rejected, so that
// it is listed and can be dropped instead of being retried forever.
func KnownKind(kind string) bool {
	switch kind {
	case KindEvidence, KindConfigReport, KindPluginEvidence, KindRiskTemplates, KindSubjectTemplates:
		return true
	}
	return false
}

// The kinds of a Compliance Framework plugin's own documents, each delivered as stored: its
// evidence (to /api/evidence, with the plugin's stream UUID) and its protocol-2 template
// batches (to the API's batch routes).
const (
	KindPluginEvidence   = "plugin-evidence"
	KindRiskTemplates    = "risk-templates"
	KindSubjectTemplates = "subject-templates"
)

// Item is one undelivered result.
type Item struct {
	// ID is the item's run-scoped UUID: its file name and the Idempotency-Key it is sent with.
	ID      string          `json:"id"`
	Created time.Time       `json:"created"`
	Kind    string          `json:"kind"`
	Payload json.RawMessage `json:"payload"`
	// ControlPlane is the control plane the item is for (its normalised base URL): a
	// configuration of another control plane sharing the state directory never sends it.
	// Empty in items written before it was recorded, which any control plane may send.
	ControlPlane string `json:"control_plane,omitempty"`

	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	// Permanent is set when the control plane rejected the item for good: Deliver skips it
	// unless forced.
	Permanent bool `json:"permanent"`
}

// Sender delivers one item. An error with a `Permanent() bool` method returning true marks the
// item permanent; any other error leaves it for the next attempt.
type Sender interface {
	Send(ctx context.Context, item Item) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, item Item) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, item Item) error { return f(ctx, item) }

// DefaultConcurrency is how many items Deliver sends at once by default.
const DefaultConcurrency = 4

// Outbox is a directory of items. Methods are safe for concurrent use within one process;
// across processes, hold the state lock.
type Outbox struct {
	dir     string
	now     func() time.Time
	flushes atomic.Int64 // see Flushes

	mu    sync.Mutex
	fresh []string // IDs stored by this Outbox and not yet handed to Deliver, in order
}

// Open returns the outbox in dir, creating the directory if needed.
//
// Temporary files left by a write that was interrupted before its rename (argus was killed) are
// removed here, once: the rename never happened, so they were never items. Only here, because
// the outbox is opened under the state lock before anything of this process writes to it;
// removing them while listing would race this process's own writes in progress (a delivery
// recording an attempt while the backlog is listed).
func Open(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox directory %q: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read outbox directory %q: %w", dir, err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && isTemp(e.Name()) {
			_ = os.Remove(filepath.Join(dir, e.Name())) // best effort: a leftover is skipped by every listing anyway
		}
	}
	return &Outbox{dir: dir, now: time.Now}, nil
}

// isTemp reports whether name is a temporary file of an item write (atomicfile's, or
// PutAll's): ".<id>.json.tmp-<random>".
func isTemp(name string) bool { return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") }

// Dir is the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

func (o *Outbox) path(id string) string { return filepath.Join(o.dir, id+".json") }

// Put stores item durably. ID defaults to a new UUID and Created to now; Kind and Payload are
// required. It returns the item as stored.
func (o *Outbox) Put(item Item) (Item, error) {
	item, err := o.normalise(item)
	if err != nil {
		return Item{}, err
	}
	if err := o.write(item); err != nil {
		return Item{}, err
	}
	o.remember(item.ID)
	return item, nil
}

// remember queues id for the next Deliver, ahead of the backlog.
func (o *Outbox) remember(ids ...string) {
	o.mu.Lock()
	o.fresh = append(o.fresh, ids...)
	o.mu.Unlock()
}

// normalise checks a new item and fills its defaults, as Put documents.
func (o *Outbox) normalise(item Item) (Item, error) {
	if item.ID == "" {
		item.ID = uuid.NewString()
	}
	if err := uuid.Validate(item.ID); err != nil {
		return Item{}, fmt.Errorf("put outbox item: id %q is not a UUID: %w", item.ID, err)
	}
	if item.Kind == "" || len(item.Payload) == 0 || !json.Valid(item.Payload) {
		return Item{}, fmt.Errorf("put outbox item %s: kind and a JSON payload are required", item.ID)
	}
	if !KnownKind(item.Kind) {
		return Item{}, fmt.Errorf("put outbox item %s: unknown kind %q", item.ID, item.Kind)
	}
	if item.Created.IsZero() {
		item.Created = o.now()
	}
	item.Created = item.Created.UTC()
	return item, nil
}

func (o *Outbox) write(item Item) error {
	data, err := json.Marshal(item) // compact: indenting would reformat the payload
	if err != nil {
		return fmt.Errorf("encode outbox item %s: %w", item.ID, err)
	}
	o.flushes.Add(1)
	if err := atomicfile.WriteFile(o.path(item.ID), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write outbox item %s: %w", item.ID, err)
	}
	return nil
}

// CorruptError is an item file that cannot be read as an item. It is reported, never deleted:
// it may be the only copy of a result. `argus outbox drop ID` removes it once inspected.
type CorruptError struct {
	// ID is the file name without ".json": what "argus outbox drop" takes to remove it.
	ID   string
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("outbox item %q is corrupt: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// NotFoundError is a Drop of IDs that are not in the outbox (or are not item IDs at all).
// Nothing else about the Drop failed: the other IDs were dropped.
type NotFoundError struct{ IDs []string }

func (e *NotFoundError) Error() string {
	return "drop: no outbox item " + strings.Join(e.IDs, ", ")
}

// Listing is the content of the outbox: the items that can be read, oldest first, and the
// files that cannot (kept, never deleted: each may be the only copy of a result).
type Listing struct {
	Items   []Item
	Corrupt []*CorruptError
}

// Scan reads the outbox. One unreadable file never hides the others: it goes into Corrupt
// and the scan goes on. The error is for a directory that cannot be read at all. Temporary
// files left by an interrupted write are removed: the rename never happened, so they were
// never items.
func (o *Outbox) Scan() (Listing, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return Listing{}, fmt.Errorf("read outbox directory %q: %w", o.dir, err)
	}
	var l Listing
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		if isTemp(name) {
			continue // a write in progress (stale ones are removed by Open)
		}
		id, ok := strings.CutSuffix(name, ".json")
		if !ok {
			continue
		}
		item, err := readItem(filepath.Join(o.dir, name))
		if err == nil && item.ID != id {
			err = fmt.Errorf("id %q does not match the file name", item.ID)
		}
		if err != nil {
			l.Corrupt = append(l.Corrupt, &CorruptError{ID: id, Path: filepath.Join(o.dir, name), Err: err})
			continue
		}
		l.Items = append(l.Items, item)
	}
	slices.SortFunc(l.Items, func(a, b Item) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return l, nil
}

// List returns every readable item, oldest first (by Created, then ID), and the corrupt files
// found (as *CorruptError, joined). The items are returned even when the error is not nil:
// use Scan to tell corrupt files from an unreadable directory.
func (o *Outbox) List() ([]Item, error) {
	l, err := o.Scan()
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(l.Corrupt))
	for i, c := range l.Corrupt {
		errs[i] = c
	}
	return l.Items, errors.Join(errs...)
}

func readItem(path string) (Item, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: an item file listed from the outbox's own directory
	if err != nil {
		return Item{}, err
	}
	return decodeItem(data)
}

// decodeItem decodes an item file's content.
func decodeItem(data []byte) (Item, error) {
	var item Item
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&item); err != nil {
		return Item{}, fmt.Errorf("decode: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Item{}, errors.New("trailing data after the item")
	}
	if item.ID == "" || item.Kind == "" || len(item.Payload) == 0 {
		return Item{}, errors.New("id, kind or payload missing")
	}
	return item, nil
}

// Drop removes the items with the given IDs (corrupt files included). Unknown IDs are an error
// naming them; the known ones are still removed.
func (o *Outbox) Drop(ids ...string) error {
	var missing []string
	for _, id := range ids {
		// A corrupt file is dropped by its file name, which need not be a UUID; anything that
		// is not a plain name in the outbox directory is not an item.
		if id == "" || strings.HasPrefix(id, ".") || filepath.Base(id) != id || strings.ContainsAny(id, `/\`) {
			missing = append(missing, id)
			continue
		}
		if err := os.Remove(o.path(id)); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, id)
		} else if err != nil {
			return fmt.Errorf("drop outbox item %s: %w", id, err)
		}
	}
	if err := atomicfile.SyncDir(o.dir); err != nil {
		return err
	}
	if len(missing) > 0 {
		return &NotFoundError{IDs: missing}
	}
	return nil
}

// DropAll removes every item, corrupt ones included, and returns how many files it removed.
func (o *Outbox) DropAll() (int, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return 0, fmt.Errorf("read outbox directory %q: %w", o.dir, err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") && !strings.Contains(e.Name(), ".tmp-") {
			continue
		}
		if err := os.Remove(filepath.Join(o.dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, fmt.Errorf("drop outbox item %q: %w", e.Name(), err)
		}
		if strings.HasSuffix(e.Name(), ".json") {
			n++
		}
	}
	return n, atomicfile.SyncDir(o.dir)
}

// DeliverOptions tune Deliver; nil means defaults.
type DeliverOptions struct {
	// Concurrency is how many items are sent at once; DefaultConcurrency when zero.
	Concurrency int
	// Force retries items marked permanent too (`argus outbox flush --force`).
	Force bool
	// ControlPlane, when set, is the control plane delivering: an item recorded for another
	// is not sent but reported as Foreign.
	ControlPlane string
}

// Report is what Deliver did.
type Report struct {
	Delivered int
	// Failed are the items that are still in the outbox after this delivery, with the error
	// recorded in them (an item of an unknown kind among them, marked permanent without being
	// sent); Skipped were permanent and not tried.
	Failed  []Item
	Skipped []Item
	// Corrupt are the files that could not be read as items: undeliverable until inspected
	// and dropped.
	Corrupt []*CorruptError
	// Foreign are items for another control plane (DeliverOptions.ControlPlane): left for the
	// configuration they belong to, and not counted as pending here.
	Foreign []Item
}

// Pending is how many results are still waiting after the delivery, corrupt files included:
// while it is not zero, something has not reached the control plane.
func (r Report) Pending() int { return len(r.Failed) + len(r.Skipped) + len(r.Corrupt) }

// Deliver sends every item with bounded concurrency: first the items this Outbox stored (a
// run's own results, in the order they were stored, sent without waiting for the backlog to be
// read), then the rest, oldest first. Only metadata is held for the backlog (see Index); each
// item's file is read in full when it is its turn, so memory does not grow with the backlog
// and the time is linear in it. An item is removed after its Sender returns nil; otherwise its
// attempts, error and time are recorded in its file. It stops starting new items when ctx is
// done. An item of a kind this argus does not know is not sent: it is marked permanent
// (rejected) with the reason. The error reports failures to read or update the outbox itself,
// not delivery failures or corrupt files (those are in the Report). The items in the Report
// carry no payload: it stays in their files.
func (o *Outbox) Deliver(ctx context.Context, s Sender, opts *DeliverOptions) (Report, error) {
	var opt DeliverOptions
	if opts != nil {
		opt = *opts
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = DefaultConcurrency
	}
	d := &delivery{o: o, s: s, opt: opt}
	d.g.SetLimit(opt.Concurrency)

	o.mu.Lock()
	fresh := o.fresh
	o.fresh = nil
	o.mu.Unlock()
	done := make(map[string]bool, len(fresh))
	for _, id := range fresh {
		done[id] = true
		d.start(ctx, id, nil)
	}
	// The backlog is listed once the run's own items are handed out, the last of them still on
	// their way.
	refs, corrupt, err := o.order()
	if err != nil {
		_ = d.g.Wait()
		return d.rep, errors.Join(err, errors.Join(d.errs...))
	}
	for _, c := range corrupt {
		if !done[c.ID] {
			d.add(func(r *Report) { r.Corrupt = append(r.Corrupt, c) }, nil)
		}
	}
	for _, r := range refs {
		if !done[r.id] {
			d.start(ctx, r.id, &r)
		}
	}
	_ = d.g.Wait()
	if d.rep.Delivered > 0 {
		if err := atomicfile.SyncDir(o.dir); err != nil {
			d.errs = append(d.errs, err)
		}
	}
	sortItems(d.rep.Failed)
	slices.SortFunc(d.rep.Corrupt, func(a, b *CorruptError) int { return strings.Compare(a.ID, b.ID) })
	return d.rep, errors.Join(d.errs...)
}

// foreign reports whether item was recorded for another control plane than the one
// delivering: it is left in place for that one's configuration, not sent here.
func (d *delivery) foreign(item Item) bool {
	return d.opt.ControlPlane != "" && item.ControlPlane != "" && item.ControlPlane != d.opt.ControlPlane
}

// delivery is one Deliver: the report and errors its goroutines add to, under mu.
type delivery struct {
	o    *Outbox
	s    Sender
	opt  DeliverOptions
	g    errgroup.Group // not WithContext: one item's failure must not stop the others
	mu   sync.Mutex
	rep  Report
	errs []error
}

func (d *delivery) add(f func(*Report), err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f != nil {
		f(&d.rep)
	}
	if err != nil {
		d.errs = append(d.errs, err)
	}
}

// start hands the item with the given ID to a sender goroutine. known, from the backlog's order,
// decides without reading the file whether the item is skipped; the goroutine reads the file in
// full just before sending it, so only the items in flight are in memory.
func (d *delivery) start(ctx context.Context, id string, known *ref) {
	if known != nil && (known.permanent && !d.opt.Force || ctx.Err() != nil) {
		// Not sent: reported with what its file says, payload left out.
		it, err := readMeta(d.o.path(id), id, nil)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			d.add(func(r *Report) { r.Corrupt = append(r.Corrupt, &CorruptError{ID: id, Path: d.o.path(id), Err: err}) }, nil)
		case d.foreign(it):
			d.add(func(r *Report) { r.Foreign = append(r.Foreign, it) }, nil)
		case it.Permanent && !d.opt.Force:
			d.add(func(r *Report) { r.Skipped = append(r.Skipped, it) }, nil)
		default:
			d.add(func(r *Report) { r.Failed = append(r.Failed, it) }, nil)
		}
		return
	}
	d.g.Go(func() error {
		path := d.o.path(id)
		item, err := readItem(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil // dropped or delivered since it was listed
		}
		if err == nil && item.ID != id {
			err = fmt.Errorf("id %q does not match the file name", item.ID)
		}
		if err != nil {
			d.add(func(r *Report) { r.Corrupt = append(r.Corrupt, &CorruptError{ID: id, Path: path, Err: err}) }, nil)
			return nil
		}
		if d.foreign(item) {
			item.Payload = nil
			d.add(func(r *Report) { r.Foreign = append(r.Foreign, item) }, nil)
			return nil
		}
		if item.Permanent && !d.opt.Force {
			item.Payload = nil
			d.add(func(r *Report) { r.Skipped = append(r.Skipped, item) }, nil)
			return nil
		}
		if ctx.Err() != nil {
			item.Payload = nil
			d.add(func(r *Report) { r.Failed = append(r.Failed, item) }, nil)
			return nil
		}
		var sendErr error
		if !KnownKind(item.Kind) {
			item.LastError = fmt.Sprintf("kind %q is unknown to this argus (written by a newer argus, or damaged): not sent; drop it, or deliver it with the argus that wrote it", item.Kind)
			item.LastAttempt = d.o.now().UTC()
			item.Permanent = true
		} else if sendErr = d.s.Send(ctx, item); sendErr == nil {
			var rerr error
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				rerr = fmt.Errorf("remove delivered outbox item %s (it will be sent again): %w", item.ID, err)
			}
			d.add(func(r *Report) { r.Delivered++ }, rerr)
			return nil
		} else {
			item.Attempts++
			item.LastError = sendErr.Error()
			item.LastAttempt = d.o.now().UTC()
			var p interface{ Permanent() bool }
			item.Permanent = errors.As(sendErr, &p) && p.Permanent()
		}
		werr := d.o.write(item)
		item.Payload = nil
		d.add(func(r *Report) { r.Failed = append(r.Failed, item) }, werr)
		return nil
	})
}
