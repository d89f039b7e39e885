package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Heartbeat tells the control plane that the runtime runtimeID is alive at at. The API answers
// 201; any 2xx is accepted.
func (c *Client) Heartbeat(ctx context.Context, runtimeID uuid.UUID, at time.Time) error {
	return c.HeartbeatConfig(ctx, runtimeID, at, nil, "")
}

// HeartbeatConfig is Heartbeat with the configuration this runtime runs: its applied revision
// (nil when none) and the digest of its redacted effective configuration. A heartbeat with a
// digest also registers the instance on an API that has remote configuration; an older API
// ignores both fields.
func (c *Client) HeartbeatConfig(ctx context.Context, runtimeID uuid.UUID, at time.Time, revision *int64, digest string) error {
	body, err := json.Marshal(struct {
		UUID           uuid.UUID `json:"uuid"`
		CreatedAt      time.Time `json:"created_at"`
		ConfigRevision *int64    `json:"config_revision,omitempty"`
		ConfigDigest   string    `json:"config_digest,omitempty"`
	}{runtimeID, at.UTC(), revision, digest})
	if err != nil {
		return fmt.Errorf("encode heartbeat: %w", err)
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/api/agent/heartbeat", body: body}); err != nil {
		return fmt.Errorf("send heartbeat: %w", err)
	}
	return nil
}

// SendEvidence posts one Evidence with its idempotency key (the outbox item's run-scoped UUID,
// sent as Idempotency-Key so a control plane that honours it can drop a redelivery). Start and
// End are clamped to the server's clock first: the API rejects times in its future, and a host
// whose clock runs a little ahead must not turn every result into a permanent failure.
func (c *Client) SendEvidence(ctx context.Context, idempotencyKey string, ev Evidence) error {
	ev.Start, ev.End = clampTimes(ev.Start, ev.End, c.serverNow())
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode evidence %q: %w", ev.Title, err)
	}
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set("Idempotency-Key", idempotencyKey)
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/api/evidence", body: body, header: h}); err != nil {
		return fmt.Errorf("send evidence %q (stream %s): %w", ev.Title, ev.UUID, err)
	}
	return nil
}

// SendEvidenceJSON is SendEvidence for an Evidence stored as JSON (an outbox payload).
func (c *Client) SendEvidenceJSON(ctx context.Context, idempotencyKey string, payload json.RawMessage) error {
	var ev Evidence
	if err := json.Unmarshal(payload, &ev); err != nil {
		return &PermanentError{Method: http.MethodPost, URL: c.url(request{path: "/api/evidence"}),
			Body: fmt.Sprintf("stored evidence is not valid JSON, so it was not sent: %v", err)}
	}
	return c.SendEvidence(ctx, idempotencyKey, ev)
}

// The routes a Compliance Framework plugin's own documents go to (ccf-plugins.md §1.7).
const (
	RouteEvidence         = "/api/evidence"
	RouteRiskTemplates    = "/api/agent/risk-templates/batch"
	RouteSubjectTemplates = "/api/agent/subject-templates/batch"
)

// PostJSON posts a document stored as JSON, as it is, to one of the routes above: a CCF
// plugin's evidence (whose stream UUID and shape are the plugin's, so it is not re-encoded
// through Evidence) or a protocol-2 template batch.
func (c *Client) PostJSON(ctx context.Context, route, idempotencyKey string, payload json.RawMessage) error {
	if !json.Valid(payload) {
		return &PermanentError{Method: http.MethodPost, URL: c.url(request{path: route}),
			Body: "stored document is not valid JSON, so it was not sent"}
	}
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set("Idempotency-Key", idempotencyKey)
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: route, body: payload, header: h}); err != nil {
		return fmt.Errorf("post %s: %w", route, err)
	}
	return nil
}
