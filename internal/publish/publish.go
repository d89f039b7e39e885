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
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// Publisher writes one outbox item per result that asserts something (skips assert nothing).
type Publisher struct {
	Outbox *outbox.Outbox   // required
	Now    func() time.Time // default time.Now
}

// Collect makes every result of j durable in the outbox. It returns once every item is written
// and on disk, so that a crash after Collect loses nothing; the job's items share one wait for
// the disk (outbox.PutAll) instead of one fsync each.
func (p *Publisher) Collect(run *result.Run, j result.Job) error {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	items := make([]outbox.Item, 0, len(j.Results)+len(j.Deliveries))
	for _, d := range j.Deliveries {
		items = append(items, outbox.Item{ID: uuid.NewString(), Kind: d.Kind, Payload: d.Payload})
	}
	for _, res := range j.Results {
		if j.OwnStreams && res.Status != sdk.StatusError {
			continue // delivered above, in the plugin's own stream
		}
		ev, ok := controlplane.NewEvidence(run, j, res, now())
		if !ok {
			continue
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode evidence of job %q: %w", j.Name, err)
		}
		// A fresh ID per result and run: the idempotency key of this one delivery, while the
		// evidence's own UUID names the stream it continues.
		items = append(items, outbox.Item{ID: uuid.NewString(), Kind: outbox.KindEvidence, Payload: payload})
	}
	if _, err := p.Outbox.PutAll(items); err != nil {
		return fmt.Errorf("keep results of job %q in the outbox: %w", j.Name, err)
	}
	return nil
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
