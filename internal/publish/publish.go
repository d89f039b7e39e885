// Package publish turns finished jobs into evidence for the control plane, kept durably in the
// outbox before anything is sent, and delivers the outbox through the control-plane client.
//
// It is not responsible for the wire format (package controlplane), the on-disk queue (package
// outbox) or local reports (package report).
package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// Publisher writes one outbox item per result that asserts something (skips assert nothing).
// One Publisher serves one run: it remembers which job's result each stream it has written
// belongs to.
type Publisher struct {
	Outbox *outbox.Outbox   // required
	Now    func() time.Time // default time.Now
	// ControlPlane is recorded in every item (outbox.Item.ControlPlane).
	ControlPlane string

	mu      sync.Mutex
	streams map[uuid.UUID]streamOwner
}

// streamOwner is the result a stream was first claimed for in this run.
type streamOwner struct{ job, title string }

// Collect makes every result of j durable in the outbox. It returns once every item is written
// and on disk, so that a crash after Collect loses nothing; the job's items share one wait for
// the disk (outbox.PutAll) instead of one fsync each.
//
// A result whose stream UUID is already the stream of another job's result (or another title's)
// in this run is not delivered: two checks would write into one stream. It comes back as an
// error result in the returned job, which is what the run records. This catches a provider that
// forges a title to land in another job's stream, and chance collisions of the API's seeded
// UUIDs, within one run; see "Stream identity" in docs/design-notes.md.
func (p *Publisher) Collect(run *result.Run, j result.Job) (result.Job, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	cloned := false
	items := make([]outbox.Item, 0, len(j.Results)+len(j.Deliveries))
	for _, d := range j.Deliveries {
		items = append(items, outbox.Item{ID: uuid.NewString(), Kind: d.Kind, Payload: d.Payload})
	}
	for i, res := range j.Results {
		if j.OwnStreams && res.Status != sdk.StatusError {
			continue // delivered above, in the plugin's own stream
		}
		ev, ok := controlplane.NewEvidence(run, j, res, now())
		if !ok {
			continue
		}
		if other, clash := p.claim(ev.UUID, streamOwner{job: j.Name, title: res.Title}); clash {
			if !cloned { // the runner's slice is not ours to change
				j.Results, cloned = slices.Clone(j.Results), true
			}
			j.Results[i] = collided(res, ev.UUID, other)
			continue
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return j, fmt.Errorf("encode evidence of job %q: %w", j.Name, err)
		}
		// A fresh ID per result and run: the idempotency key of this one delivery, while the
		// evidence's own UUID names the stream it continues.
		items = append(items, outbox.Item{ID: uuid.NewString(), Kind: outbox.KindEvidence, Payload: payload, ControlPlane: p.ControlPlane})
	}
	if _, err := p.Outbox.PutAll(items); err != nil {
		return j, fmt.Errorf("keep results of job %q in the outbox: %w", j.Name, err)
	}
	return j, nil
}

// claim records that stream belongs to owner, unless another owner has it already.
func (p *Publisher) claim(stream uuid.UUID, owner streamOwner) (other streamOwner, clash bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.streams == nil {
		p.streams = map[uuid.UUID]streamOwner{}
	}
	if prev, ok := p.streams[stream]; ok && prev != owner {
		return prev, true
	}
	p.streams[stream] = owner
	return owner, false
}

// collided is the error result that replaces a result whose stream another result has.
func collided(res sdk.Result, stream uuid.UUID, other streamOwner) sdk.Result {
	return sdk.Result{
		Title:   res.Title,
		Status:  sdk.StatusError,
		Reason:  fmt.Sprintf("not delivered: its control-plane stream %s is already the stream of result %q of job %q in this run (the API's stream UUIDs have few distinct values, and a result's title is part of the seed); rename one of them", stream, other.title, other.job),
		Remarks: fmt.Sprintf("the result as the provider returned it: status %s, reason %q", res.Status, res.Reason),
	}
}

// EvidenceSender sends one evidence document, or one document of a CCF plugin as it is.
type EvidenceSender interface {
	SendEvidenceJSON(ctx context.Context, idempotencyKey string, payload json.RawMessage) error
	PostJSON(ctx context.Context, route, idempotencyKey string, payload json.RawMessage) error
}

var _ EvidenceSender = (*controlplane.Client)(nil)

// Sender delivers outbox items with c.
func Sender(c EvidenceSender) outbox.Sender {
	return outbox.SenderFunc(func(ctx context.Context, it outbox.Item) error {
		switch it.Kind {
		case outbox.KindEvidence:
			return c.SendEvidenceJSON(ctx, it.ID, it.Payload)
		case outbox.KindPluginEvidence:
			return c.PostJSON(ctx, controlplane.RouteEvidence, it.ID, it.Payload)
		case outbox.KindRiskTemplates:
			return c.PostJSON(ctx, controlplane.RouteRiskTemplates, it.ID, it.Payload)
		case outbox.KindSubjectTemplates:
			return c.PostJSON(ctx, controlplane.RouteSubjectTemplates, it.ID, it.Payload)
		}
		return fmt.Errorf("outbox item %s has kind %q, which this argus does not know how to deliver", it.ID, it.Kind)
	})
}
