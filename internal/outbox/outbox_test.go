package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	if !errors.As(err, &ce) || rep.Delivered != 1 {
		t.Fatalf("Deliver = %+v, %v; want the good item delivered and the corrupt one reported", rep, err)
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
