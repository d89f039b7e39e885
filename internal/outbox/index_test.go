package outbox_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// TestIndexIsScanWithoutPayloads: the listing `argus outbox list` and Deliver use holds the same
// items in the same order, and the same corrupt files, as a full Scan; only the payloads are
// left in their files.
func TestIndexIsScanWithoutPayloads(t *testing.T) {
	o := open(t)
	t0 := time.Now().Add(-time.Hour)
	for i := range 20 {
		put(t, o, t0.Add(time.Duration(20-i)*time.Second), `{"n":1}`)
	}
	// Larger than Index's read buffer, with the payload neither first nor last.
	put(t, o, t0, `{"big":"`+strings.Repeat("x", 100<<10)+`"}`)
	for name, body := range map[string]string{
		uuid.NewString(): `{"id":"x"`,                                     // truncated
		uuid.NewString(): `{"id":"other","kind":"evidence","payload":{}}`, // id does not match
		uuid.NewString(): `{"kind":"evidence","payload":{}}`,              // no id
		uuid.NewString(): `{"id":"%s","kind":"evidence"}`,                 // no payload
		uuid.NewString(): `{"id":"y","kind":"evidence","payload":{]}`,     // payload not JSON
		uuid.NewString(): `{"id":"z","kind":"evidence","payload":{}} {}`,  // trailing data
	} {
		if err := os.WriteFile(filepath.Join(o.Dir(), name+".json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	full, err := o.Scan()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := o.Index()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]outbox.Item, len(full.Items))
	for i, it := range full.Items {
		it.Payload = nil
		want[i] = it
	}
	if diff := cmp.Diff(want, idx.Items); diff != "" {
		t.Errorf("Index items (-Scan without payloads +Index):\n%s", diff)
	}
	corruptIDs := func(l outbox.Listing) map[string]bool {
		m := map[string]bool{}
		for _, c := range l.Corrupt {
			m[c.ID] = true
		}
		return m
	}
	if diff := cmp.Diff(corruptIDs(full), corruptIDs(idx)); diff != "" || len(idx.Corrupt) != 6 {
		t.Errorf("Index corrupt files (-Scan +Index):\n%s", diff)
	}
	if n, err := o.Count(); err != nil || n != 27 {
		t.Errorf("Count = %d, %v; want 27 (21 items, 6 corrupt)", n, err)
	}
}

// TestDeliverSendsOwnResultsFirst: with a backlog older than anything this run stored, the run's
// own items go out first, in the order they were stored, and the backlog after them, oldest
// first; the report holds no payloads.
func TestDeliverSendsOwnResultsFirst(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	earlier, err := outbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-24 * time.Hour)
	var backlog []string
	for i := range 30 {
		backlog = append(backlog, put(t, earlier, t0.Add(time.Duration(i)*time.Minute), `{"old":true}`).ID)
	}
	run, err := outbox.Open(dir) // the next invocation
	if err != nil {
		t.Fatal(err)
	}
	var own []string
	for i := range 5 {
		// Created before the backlog's: the order is the run's, not the clock's.
		own = append(own, put(t, run, t0.Add(-time.Duration(5-i)*time.Hour), `{"own":true}`).ID)
	}
	stored, err := run.PutAll([]outbox.Item{{Kind: outbox.KindEvidence, Payload: json.RawMessage(`{"own":true}`)}})
	if err != nil {
		t.Fatal(err)
	}
	own = append(own, stored[0].ID)

	var mu sync.Mutex
	var sent []string
	rep, err := run.Deliver(t.Context(), outbox.SenderFunc(func(_ context.Context, it outbox.Item) error {
		mu.Lock()
		sent = append(sent, it.ID)
		mu.Unlock()
		if len(it.Payload) == 0 {
			t.Errorf("item %s sent without its payload", it.ID)
		}
		if it.ID == backlog[3] {
			return permanent{"400"}
		}
		return nil
	}), &outbox.DeliverOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(append(append([]string{}, own...), backlog...), sent); diff != "" {
		t.Errorf("send order (-want +got):\n%s", diff)
	}
	if rep.Delivered != 35 || len(rep.Failed) != 1 || rep.Failed[0].ID != backlog[3] || rep.Failed[0].Payload != nil {
		t.Errorf("Deliver = %+v; want 35 delivered and the rejected one reported without its payload", rep)
	}
	// The rejected item keeps its payload on disk.
	items, err := run.List()
	if err != nil || len(items) != 1 || string(items[0].Payload) != `{"old":true}` || !items[0].Permanent {
		t.Errorf("List after Deliver = %+v, %v", items, err)
	}
}
