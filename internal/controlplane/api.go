package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
)

// Heartbeat tells the control plane that the runtime runtimeID is alive at at. The API answers
// 201; any 2xx is accepted.
func (c *Client) Heartbeat(ctx context.Context, runtimeID uuid.UUID, at time.Time) error {
	body, err := json.Marshal(struct {
		UUID      uuid.UUID `json:"uuid"`
		CreatedAt time.Time `json:"created_at"`
	}{runtimeID, at.UTC()})
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

// JobsResponse is the answer of GET /api/argus/jobs.
type JobsResponse struct {
	// NotModified is true when the control plane answered 304 to the ETag given: keep the copy
	// you have. Jobs, Providers and Data are empty then.
	NotModified bool
	// ETag identifies this version; send it next time.
	ETag      string
	Jobs      []JobSpec
	Providers []ProviderSpec
	// Data is the "data" document as received, for the caller's last-good copy.
	Data json.RawMessage
}

// JobSpec is a job as the control plane sends it: the fields of the HCL job block.
type JobSpec struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	Schedule string            `json:"schedule,omitempty"`
	Timeout  string            `json:"timeout,omitempty"` // a Go duration, "30s"
	Labels   map[string]string `json:"labels,omitempty"`
	Subject  SubjectSpec       `json:"subject"`
	Config   json.RawMessage   `json:"config,omitempty"`
	EnvAllow []string          `json:"env_allow,omitempty"`
}

// SubjectSpec is a job's subject block.
type SubjectSpec struct {
	Type       string `json:"type"`
	Identifier string `json:"identifier"`
}

// ProviderSpec is a provider block as the control plane sends it.
type ProviderSpec struct {
	Name    string `json:"name"`
	Source  string `json:"source"`
	Version string `json:"version,omitempty"`
}

// Jobs fetches the job specs for runtimeID. With a non-empty etag it asks for changes only and
// a 304 comes back as NotModified.
func (c *Client) Jobs(ctx context.Context, runtimeID uuid.UUID, etag string) (JobsResponse, error) {
	h := http.Header{}
	if etag != "" {
		h.Set("If-None-Match", etag)
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/api/argus/jobs",
		query: url.Values{"runtime": {runtimeID.String()}}, header: h})
	if err != nil {
		return JobsResponse{}, fmt.Errorf("fetch job specs: %w", err)
	}
	if resp.status == http.StatusNotModified {
		return JobsResponse{NotModified: true, ETag: etag}, nil
	}
	var doc struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return JobsResponse{}, fmt.Errorf("decode job specs: %w", err)
	}
	var data struct {
		Jobs      []JobSpec      `json:"jobs"`
		Providers []ProviderSpec `json:"providers"`
	}
	if len(doc.Data) == 0 {
		return JobsResponse{}, fmt.Errorf("decode job specs: answer has no \"data\" object")
	}
	if err := json.Unmarshal(doc.Data, &data); err != nil {
		return JobsResponse{}, fmt.Errorf("decode job specs: %w", err)
	}
	return JobsResponse{ETag: resp.header.Get("ETag"), Jobs: data.Jobs, Providers: data.Providers, Data: doc.Data}, nil
}
