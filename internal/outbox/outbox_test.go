package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/retry"
	"github.com/compliance-framework/argus/sdk"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

type permanent struct{ msg string }

func (p permanent) Error() string   { return p.msg }
func (p permanent) Permanent() bool { return true }

func open(t *testing.T) *outbox.Outbox {
	t.Helper()
	o, err := outbox.Open(filepath.Join(t.TempDir(), "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func put(t *testing.T, o *outbox.Outbox, created time.Time, payload string) outbox.Item {
	t.Helper()
	it, err := o.Put(outbox.Item{Kind: outbox.KindEvidence, Created: created, Payload: json.RawMessage(payload)})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func ids(items []outbox.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestPutListOldestFirst(t *testing.T) {
	o := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := put(t, o, t0.Add(2*time.Hour), `{"n":3}`)
	a := put(t, o, t0, `{"n":1}`)
	b := put(t, o, t0.Add(time.Hour), `{"n":2}`)
	items, err := o.List()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{a.ID, b.ID, c.ID}, ids(items)); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
	if string(items[0].Payload) != `{"n":1}` || items[0].Kind != outbox.KindEvidence {
		t.Errorf("item = %+v", items[0])
	}
	if _, err := os.Stat(filepath.Join(o.Dir(), a.ID+".json")); err != nil {
		t.Errorf("item file: %v", err)
	}
}

func TestPutRejects(t *testing.T) {
	o := open(t)
	for _, it := range []outbox.Item{
		{Kind: "evidence"},
		{Kind: "evidence", Payload: json.RawMessage(`{`)},
		{Payload: json.RawMessage(`{}`)},
		{ID: "../escape", Kind: "evidence", Payload: json.RawMessage(`{}`)},
	} {
		if _, err := o.Put(it); err == nil {
			t.Errorf("Put(%+v) succeeded", it)
		}
	}
}

func TestDeliverRemovesKeepsAndSkips(t *testing.T) {
	o := open(t)
	t0 := time.Now().Add(-time.Hour)
	ok := put(t, o, t0, `{"r":"ok"}`)
	transient := put(t, o, t0.Add(time.Second), `{"r":"transient"}`)
	perm := put(t, o, t0.Add(2*time.Second), `{"r":"permanent"}`)
	var sent atomic.Int32
	send := outbox.SenderFunc(func(_ context.Context, it outbox.Item) error {
		sent.Add(1)
		switch string(it.Payload) {
		case `{"r":"transient"}`:
			return errors.New("control plane answered 503")
		case `{"r":"permanent"}`:
			return fmt.Errorf("send: %w", permanent{"control plane answered 400: bad shape"})
		}
		return nil
	})
	rep, err := o.Deliver(t.Context(), send, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 1 || len(rep.Failed) != 2 || len(rep.Skipped) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	items, err := o.List()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{transient.ID, perm.ID}, ids(items)); diff != "" {
		t.Fatalf("left (-want +got):\n%s", diff)
	}
	_ = ok
	if it := items[0]; it.Attempts != 1 || it.Permanent || it.LastError != "control plane answered 503" || it.LastAttempt.IsZero() {
		t.Errorf("transient item = %+v", it)
	}
	if it := items[1]; it.Attempts != 1 || !it.Permanent || !strings.Contains(it.LastError, "bad shape") {
		t.Errorf("permanent item = %+v", it)
	}

	// The next flush retries the transient one only.
	sent.Store(0)
	rep, err = o.Deliver(t.Context(), send, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Load() != 1 || len(rep.Skipped) != 1 || rep.Skipped[0].ID != perm.ID || rep.Pending() != 2 {
		t.Fatalf("second flush sent %d, report %+v", sent.Load(), rep)
	}
	items, _ = o.List()
	if items[0].Attempts != 2 {
		t.Errorf("attempts = %d, want 2", items[0].Attempts)
	}

	// Forced, the permanent one is tried again.
	sent.Store(0)
	if _, err := o.Deliver(t.Context(), send, &outbox.DeliverOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if sent.Load() != 2 {
		t.Errorf("forced flush sent %d, want 2", sent.Load())
	}
}

func TestDrop(t *testing.T) {
	o := open(t)
	a := put(t, o, time.Time{}, `{}`)
	b := put(t, o, time.Time{}, `{}`)
	missing := uuid.NewString()
	err := o.Drop(a.ID, missing)
	var nf *outbox.NotFoundError
	if !errors.As(err, &nf) || !slices.Equal(nf.IDs, []string{missing}) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Drop with an unknown id = %v, want a NotFoundError naming it", err)
	}
	items, _ := o.List()
	if diff := cmp.Diff([]string{b.ID}, ids(items)); diff != "" {
		t.Fatalf("left (-want +got):\n%s", diff)
	}
	put(t, o, time.Time{}, `{}`)
	if n, err := o.DropAll(); err != nil || n != 2 {
		t.Fatalf("DropAll = %d, %v; want 2", n, err)
	}
	if items, _ := o.List(); len(items) != 0 {
		t.Fatalf("left after DropAll: %v", ids(items))
	}
}

// A SIGKILL mid-write leaves atomicfile's temporary behind: it was never an item, so it is
// cleaned. A corrupt item file is reported and kept.
func TestCrashLeftovers(t *testing.T) {
	o := open(t)
	good := put(t, o, time.Time{}, `{"ok":true}`)
	tmp := filepath.Join(o.Dir(), "."+uuid.NewString()+".json.tmp-123456")
	if err := os.WriteFile(tmp, []byte(`{"id":"half`), 0o600); err != nil {
		t.Fatal(err)
	}
	corruptID := uuid.NewString()
	corrupt := filepath.Join(o.Dir(), corruptID+".json")
	if err := os.WriteFile(corrupt, []byte("{\"id\":\"x\""), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := o.List()
	var ce *outbox.CorruptError
	if !errors.As(err, &ce) || ce.Path != corrupt {
		t.Fatalf("List err = %v, want a CorruptError for %s", err, corrupt)
	}
	if diff := cmp.Diff([]string{good.ID}, ids(items)); diff != "" {
		t.Fatalf("items (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file still there: %v", err)
	}

	rep, err := o.Deliver(t.Context(), outbox.SenderFunc(func(context.Context, outbox.Item) error { return nil }), nil)
	if err != nil || rep.Delivered != 1 || len(rep.Corrupt) != 1 || rep.Corrupt[0].Path != corrupt || rep.Pending() != 1 {
		t.Fatalf("Deliver = %+v, %v; want the good item delivered and the corrupt one reported and pending", rep, err)
	}
	if _, err := os.Stat(corrupt); err != nil {
		t.Fatalf("corrupt file was removed: %v", err)
	}
	if err := o.Drop(corruptID); err != nil {
		t.Fatalf("Drop of the corrupt file: %v", err)
	}
}

func TestDeliverStopsOnCancel(t *testing.T) {
	o := open(t)
	for range 5 {
		put(t, o, time.Time{}, `{}`)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rep, err := o.Deliver(ctx, outbox.SenderFunc(func(context.Context, outbox.Item) error {
		t.Error("sent after cancellation")
		return nil
	}), nil)
	if err != nil || rep.Delivered != 0 || len(rep.Failed) != 5 {
		t.Fatalf("Deliver = %+v, %v", rep, err)
	}
	if items, _ := o.List(); len(items) != 5 {
		t.Fatalf("%d items left, want 5", len(items))
	}
}

func TestDeliverConcurrencyBound(t *testing.T) {
	o := open(t)
	for range 20 {
		put(t, o, time.Time{}, `{}`)
	}
	var cur, peak atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	send := outbox.SenderFunc(func(context.Context, outbox.Item) error {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == 3 {
			once.Do(func() { close(release) })
		}
		<-release
		cur.Add(-1)
		return nil
	})
	rep, err := o.Deliver(t.Context(), send, &outbox.DeliverOptions{Concurrency: 3})
	if err != nil || rep.Delivered != 20 {
		t.Fatalf("Deliver = %+v, %v", rep, err)
	}
	if peak.Load() != 3 {
		t.Errorf("peak concurrency %d, want 3", peak.Load())
	}
}

// End to end with the client and the fake: items written by earlier runs are delivered with
// their idempotency keys, a rejected one stays marked, a redelivery is deduplicated.
func TestDeliverThroughControlPlane(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	c, err := controlplane.New(controlplane.Config{BaseURL: srv.URL, Budget: retry.NewBudget(time.Minute),
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	send := outbox.SenderFunc(func(ctx context.Context, it outbox.Item) error {
		return c.SendEvidenceJSON(ctx, it.ID, it.Payload)
	})
	o := open(t)
	now := time.Now()
	run := &result.Run{ID: uuid.NewString()}
	job := result.Job{Name: "j", Provider: "builtin/file", Subject: sdk.Subject{Type: "inventory-item", Identifier: "h"},
		Start: now.Add(-time.Second), End: now}
	var want []string
	for i := range 8 {
		ev, _ := controlplane.NewEvidence(run, job, sdk.Result{Title: fmt.Sprintf("check %d", i), Status: sdk.StatusFail}, now)
		payload, _ := json.Marshal(ev)
		it := put(t, o, now.Add(time.Duration(i)*time.Millisecond), string(payload))
		want = append(want, it.ID)
	}
	bad := put(t, o, now, `{"title":"no uuid"}`)
	srv.SetSwitches(cptest.Switches{Fail500: 3, Path: "/api/evidence"})

	rep, err := o.Deliver(t.Context(), send, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 8 || len(rep.Failed) != 1 || rep.Failed[0].ID != bad.ID || !rep.Failed[0].Permanent {
		t.Fatalf("report = %+v", rep)
	}
	rec := srv.Recording()
	var got []string
	for _, e := range rec.Evidence {
		got = append(got, e.IdempotencyKey)
	}
	if len(got) != 8 || len(rec.Streams) != 8 {
		t.Fatalf("received %d evidence in %d streams, want 8 and 8", len(got), len(rec.Streams))
	}
	// Each item arrives once under its own ID as the idempotency key; arrival order depends on
	// the concurrent senders and the injected 500s, so the keys are compared as a set.
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("idempotency keys (-want +got):\n%s", diff)
	}
	left, _ := o.List()
	if diff := cmp.Diff([]string{bad.ID}, ids(left)); diff != "" {
		t.Fatalf("left (-want +got):\n%s", diff)
	}
	if !strings.Contains(left[0].LastError, "uuid is required") {
		t.Errorf("last error = %q, want the server's message", left[0].LastError)
	}
}

// Issue 15 item 15: corrupt files hid the good items from List's callers and were not counted
// by Deliver. Scan lists every readable item and counts every corrupt file; Deliver delivers the
// readable ones and counts the corrupt ones as pending; each corrupt file can be dropped by the
// name List shows, UUID or not.
func TestCorruptItemsCounted(t *testing.T) {
	o := open(t)
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	var good []string
	for i := range 3 {
		good = append(good, put(t, o, t0.Add(time.Duration(i)*time.Minute), `{"n":1}`).ID)
	}
	mismatch := uuid.NewString()
	corrupt := map[string]string{
		uuid.NewString(): `{"id":"trunc`,
		"garbage":        "\x00\x01 not json",
		mismatch:         fmt.Sprintf(`{"id":%q,"kind":"evidence","payload":{}}`, uuid.NewString()),
		uuid.NewString(): `{"id":"x","kind":"evidence"}`, // no payload
	}
	for id, content := range corrupt {
		if err := os.WriteFile(filepath.Join(o.Dir(), id+".json"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l, err := o.Scan()
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if diff := cmp.Diff(good, ids(l.Items)); diff != "" {
		t.Errorf("readable items (-want +got):\n%s", diff)
	}
	var gotCorrupt []string
	for _, c := range l.Corrupt {
		gotCorrupt = append(gotCorrupt, c.ID)
		if c.Path != filepath.Join(o.Dir(), c.ID+".json") || c.Err == nil {
			t.Errorf("corrupt %+v: want its path and the reason", c)
		}
	}
	slices.Sort(gotCorrupt)
	if diff := cmp.Diff(slices.Sorted(maps.Keys(corrupt)), gotCorrupt); diff != "" {
		t.Errorf("corrupt files (-want +got):\n%s", diff)
	}
	items, err := o.List()
	if len(items) != 3 || err == nil || strings.Count(err.Error(), "is corrupt") != 4 {
		t.Errorf("List = %d items, %v; want 3 items and 4 corrupt files reported", len(items), err)
	}

	var sent atomic.Int32
	rep, err := o.Deliver(t.Context(), outbox.SenderFunc(func(context.Context, outbox.Item) error {
		sent.Add(1)
		return errors.New("503")
	}), nil)
	if err != nil || sent.Load() != 3 || len(rep.Failed) != 3 || len(rep.Corrupt) != 4 || rep.Pending() != 7 {
		t.Fatalf("Deliver = %+v (sent %d), %v; want 3 failed + 4 corrupt pending", rep, sent.Load(), err)
	}
	rep, err = o.Deliver(t.Context(), outbox.SenderFunc(func(context.Context, outbox.Item) error { return nil }), nil)
	if err != nil || rep.Delivered != 3 || rep.Pending() != 4 {
		t.Fatalf("Deliver = %+v, %v; want 3 delivered, 4 corrupt still pending", rep, err)
	}
	if err := o.Drop(slices.Collect(maps.Keys(corrupt))...); err != nil {
		t.Fatalf("Drop of the corrupt files by name: %v", err)
	}
	if l, err := o.Scan(); err != nil || len(l.Items)+len(l.Corrupt) != 0 {
		t.Fatalf("after dropping: %+v, %v", l, err)
	}
	for _, bad := range []string{"../x", ".hidden", "a/b", ""} {
		if err := o.Drop(bad); err == nil || !strings.Contains(err.Error(), "no outbox item") {
			t.Errorf("Drop(%q) = %v, want no such item", bad, err)
		}
	}
}

// Issue 15 item 15: an item of a kind this argus cannot deliver was retried forever. It is
// marked rejected (permanent) without being sent, and then skipped like any rejected item.
func TestDeliverUnknownKind(t *testing.T) {
	o := open(t)
	known := put(t, o, time.Time{}, `{}`)
	unknown := uuid.NewString()
	item := fmt.Sprintf(`{"id":%q,"created":"2026-11-24T10:00:00Z","kind":"metrics","payload":{"v":1},"attempts":0,"permanent":false}`, unknown)
	if err := os.WriteFile(filepath.Join(o.Dir(), unknown+".json"), []byte(item), 0o600); err != nil {
		t.Fatal(err)
	}
	var sentIDs []string
	send := outbox.SenderFunc(func(_ context.Context, it outbox.Item) error {
		sentIDs = append(sentIDs, it.ID)
		return nil
	})
	rep, err := o.Deliver(t.Context(), send, &outbox.DeliverOptions{Concurrency: 1})
	if err != nil || rep.Delivered != 1 || len(rep.Failed) != 1 || rep.Pending() != 1 {
		t.Fatalf("Deliver = %+v, %v", rep, err)
	}
	if diff := cmp.Diff([]string{known.ID}, sentIDs); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	f := rep.Failed[0]
	if f.ID != unknown || !f.Permanent || !strings.Contains(f.LastError, `kind "metrics" is unknown`) {
		t.Errorf("failed item = %+v, want it marked permanent with the reason", f)
	}
	items, err := o.List()
	if err != nil || len(items) != 1 || !items[0].Permanent {
		t.Fatalf("List = %+v, %v; want the unknown item kept, marked rejected", items, err)
	}
	// Later deliveries skip it, forced ones do not send it either.
	for _, force := range []bool{false, true} {
		rep, err := o.Deliver(t.Context(), send, &outbox.DeliverOptions{Force: force})
		if err != nil || rep.Pending() != 1 || len(sentIDs) != 1 {
			t.Fatalf("Deliver(force=%v) = %+v, %v, sent %v", force, rep, err, sentIDs)
		}
	}
	if _, err := o.Put(outbox.Item{Kind: "metrics", Payload: json.RawMessage(`{}`)}); err == nil {
		t.Error("Put of an unknown kind succeeded")
	}
}

// Issue 15 item 12: one job's results were written with one fsync each (100,000 results, as
// many fsyncs). PutAll stores a batch with one wait for the disk, and every item is durable
// and listed when it returns.
func TestPutAllOneFlush(t *testing.T) {
	o := open(t)
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	batch := make([]outbox.Item, 50)
	for i := range batch {
		batch[i] = outbox.Item{Kind: outbox.KindEvidence, Created: t0.Add(time.Duration(i) * time.Second), Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
	}
	before := o.Flushes()
	stored, err := o.PutAll(batch)
	if err != nil {
		t.Fatalf("PutAll: %v", err)
	}
	if got := o.Flushes() - before; got != 1 {
		t.Errorf("PutAll of %d items waited for the disk %d times, want 1", len(batch), got)
	}
	items, err := o.List()
	if err != nil || len(items) != len(batch) {
		t.Fatalf("List = %d items, %v; want %d", len(items), err, len(batch))
	}
	if diff := cmp.Diff(ids(stored), ids(items)); diff != "" {
		t.Errorf("listed (-stored +listed):\n%s", diff)
	}
	for i, it := range items {
		if string(it.Payload) != fmt.Sprintf(`{"n":%d}`, i) || it.Kind != outbox.KindEvidence {
			t.Errorf("item %d = %+v", i, it)
		}
		fi, err := os.Stat(filepath.Join(o.Dir(), it.ID+".json"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("item file %s: %v, mode %v; want 0600", it.ID, err, fi.Mode())
		}
	}
	entries, _ := os.ReadDir(o.Dir())
	if len(entries) != len(batch) {
		t.Errorf("%d files in the outbox, want %d (no temporaries left)", len(entries), len(batch))
	}

	// A bad item refuses the whole batch before anything is written.
	o2 := open(t)
	_, err = o2.PutAll([]outbox.Item{{Kind: outbox.KindEvidence, Payload: json.RawMessage(`{}`)}, {Kind: outbox.KindEvidence, Payload: json.RawMessage(`{`)}})
	if err == nil {
		t.Fatal("PutAll with an invalid payload succeeded")
	}
	if entries, _ := os.ReadDir(o2.Dir()); len(entries) != 0 || o2.Flushes() != 0 {
		t.Errorf("after a refused batch: %d files, %d flushes; want none", len(entries), o2.Flushes())
	}
	if stored, err := o2.PutAll(nil); err != nil || stored != nil || o2.Flushes() != 0 {
		t.Errorf("PutAll(nil) = %v, %v, %d flushes", stored, err, o2.Flushes())
	}
	// A batch of one (fsync rather than syncfs) is durable and listed the same way.
	one, err := o2.PutAll([]outbox.Item{{Kind: outbox.KindEvidence, Payload: json.RawMessage(`{"one":1}`)}})
	if err != nil || len(one) != 1 || o2.Flushes() != 1 {
		t.Fatalf("PutAll of one = %v, %v, %d flushes", one, err, o2.Flushes())
	}
	if items, err := o2.List(); err != nil || len(items) != 1 || items[0].ID != one[0].ID {
		t.Errorf("List after a batch of one = %v, %v", items, err)
	}
}

// Issue 15 item 8: an item kept for one control plane is never sent by a configuration of
// another that shares the state directory; an item from before the record goes anywhere.
func TestDeliverLeavesOtherControlPlanesItems(t *testing.T) {
	o := open(t)
	mine, err := o.Put(outbox.Item{Kind: outbox.KindEvidence, Payload: json.RawMessage(`{"r":"mine"}`), ControlPlane: "https://a.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := o.Put(outbox.Item{Kind: outbox.KindEvidence, Payload: json.RawMessage(`{"r":"theirs"}`), ControlPlane: "https://b.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	legacy := put(t, o, time.Now(), `{"r":"legacy"}`)
	var sent []string
	var mu sync.Mutex
	send := outbox.SenderFunc(func(_ context.Context, it outbox.Item) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, it.ID)
		return nil
	})
	rep, err := o.Deliver(t.Context(), send, &outbox.DeliverOptions{ControlPlane: "https://a.example.com", Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(sent)
	want := []string{mine.ID, legacy.ID}
	slices.Sort(want)
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if len(rep.Foreign) != 1 || rep.Foreign[0].ID != theirs.ID || rep.Pending() != 0 {
		t.Errorf("report = %+v, want the other control plane's item as foreign and nothing pending", rep)
	}
	left, err := o.List()
	if err != nil || len(left) != 1 || left[0].ID != theirs.ID || left[0].ControlPlane != "https://b.example.com" {
		t.Errorf("left = %+v, %v; want the other control plane's item, still recorded for it", left, err)
	}
}
