package agentremote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
)

// ReportBackoff is how long reports are held back after the API answered 409 (instance cap):
// the API lets a new instance in only once an old one is stale (10 minutes by default).
const ReportBackoff = 10 * time.Minute

type queued struct {
	InstanceID uuid.UUID       `json:"instance_id"`
	Report     json.RawMessage `json:"report"`
}

// Enqueue makes the report durable in the outbox, so that it reaches the API after an outage.
// A report replaces the earlier ones for the same control plane still waiting: the API keeps
// only the latest, and sending a stale one after a newer one would misstate what runs.
func Enqueue(ob *outbox.Outbox, controlPlane string, instanceID uuid.UUID, r *Report) error {
	body, err := encodeReport(r)
	if err != nil {
		return fmt.Errorf("encode config report: %w", err)
	}
	payload, err := json.Marshal(queued{InstanceID: instanceID, Report: body})
	if err != nil {
		return fmt.Errorf("encode config report: %w", err)
	}
	items, err := ob.List()
	if err != nil {
		return err
	}
	var stale []string
	for _, it := range items {
		if it.Kind == outbox.KindConfigReport && it.ControlPlane == controlPlane {
			stale = append(stale, it.ID)
		}
	}
	if _, err := ob.Put(outbox.Item{Kind: outbox.KindConfigReport, Payload: payload, ControlPlane: controlPlane}); err != nil {
		return err
	}
	if len(stale) > 0 {
		return ob.Drop(stale...)
	}
	return nil
}

// ReportClient sends one config report.
type ReportClient interface {
	ConfigReport(ctx context.Context, instanceID uuid.UUID, report json.RawMessage) error
}

var _ ReportClient = (*controlplane.Client)(nil)

// Sender delivers config-report items with c and passes every other item to next. After a
// 409 it holds reports back for ReportBackoff (kept in the state directory, so later
// invocations honour it too); a report an API without remote configuration answers with 404
// is dropped, since no such API will ever take it.
func Sender(next outbox.Sender, c ReportClient, st Store, now func() time.Time) outbox.Sender {
	if now == nil {
		now = time.Now
	}
	return outbox.SenderFunc(func(ctx context.Context, it outbox.Item) error {
		if it.Kind != outbox.KindConfigReport {
			return next.Send(ctx, it)
		}
		var q queued
		if err := json.Unmarshal(it.Payload, &q); err != nil || q.InstanceID == uuid.Nil {
			return &controlplane.PermanentError{Method: http.MethodPut, Body: fmt.Sprintf("stored config report %s cannot be decoded, so it was not sent", it.ID)}
		}
		state, err := st.Load()
		if err == nil && now().Before(state.ReportBackoffUntil) {
			return fmt.Errorf("config report held back until %s: the control plane's instance cap was reached (409)", state.ReportBackoffUntil.Format(time.RFC3339))
		}
		err = c.ConfigReport(ctx, q.InstanceID, q.Report)
		var re *controlplane.ReportError
		switch {
		case err == nil:
			return nil
		case errors.Is(err, controlplane.ErrRemoteConfigUnsupported):
			return nil // an old API: there is nobody to report to
		case errors.As(err, &re) && re.Status == http.StatusConflict:
			if s, lerr := st.Load(); lerr == nil {
				s.ReportBackoffUntil = now().Add(ReportBackoff).UTC()
				_ = st.Save(s) // best effort: without it, the next run asks once more
			}
		}
		return err
	})
}
