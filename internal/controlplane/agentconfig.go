package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// ErrRemoteConfigUnsupported is matched (errors.Is) when the API answers 404 on a remote
// configuration route: it predates agent remote configuration.
var ErrRemoteConfigUnsupported = errors.New("the control plane does not serve agent remote configuration (404)")

// AgentConfigResponse is the answer of GET /api/agent/config.
type AgentConfigResponse struct {
	// NotModified is true when the API answered 304 to the If-None-Match sent: keep the
	// overlay you have.
	NotModified bool
	// ETag is opaque: store it and send it back verbatim, never build one.
	ETag      string
	Revision  int64
	Overlay   json.RawMessage
	CreatedAt *time.Time
}

// AgentConfig fetches this agent's overlay, conditionally when ifNoneMatch is set.
func (c *Client) AgentConfig(ctx context.Context, ifNoneMatch string) (AgentConfigResponse, error) {
	h := http.Header{}
	if ifNoneMatch != "" {
		h["If-None-Match"] = []string{ifNoneMatch} // verbatim, not canonicalised or re-quoted
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/api/agent/config", header: h})
	if err != nil {
		return AgentConfigResponse{}, fmt.Errorf("fetch the remote configuration: %w", notFoundUnsupported(err))
	}
	if resp.status == http.StatusNotModified {
		etag := resp.header.Get("ETag")
		if etag == "" {
			etag = ifNoneMatch
		}
		return AgentConfigResponse{NotModified: true, ETag: etag}, nil
	}
	var doc struct {
		Data *struct {
			Revision  int64           `json:"revision"`
			Overlay   json.RawMessage `json:"overlay"`
			CreatedAt *time.Time      `json:"created-at"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return AgentConfigResponse{}, fmt.Errorf("decode the remote configuration: %w", err)
	}
	if doc.Data == nil {
		return AgentConfigResponse{}, errors.New("decode the remote configuration: the answer has no \"data\" object")
	}
	return AgentConfigResponse{ETag: resp.header.Get("ETag"), Revision: doc.Data.Revision,
		Overlay: doc.Data.Overlay, CreatedAt: doc.Data.CreatedAt}, nil
}

// ReportError is a config report the API refused, with what to do about it.
type ReportError struct {
	Status int
	Err    error
}

func (e *ReportError) Error() string {
	switch e.Status {
	case http.StatusConflict:
		return fmt.Sprintf("the control plane refused the config report: the agent's instance cap is reached (every instance is fresh); argus backs off and reports on a later run, or raise CCF_AGENT_MAX_INSTANCES: %v", e.Err)
	case http.StatusRequestEntityTooLarge:
		return fmt.Sprintf("the control plane refused the config report as too large (over 4 MiB): fewer or smaller jobs, or report mode off: %v", e.Err)
	case http.StatusBadRequest:
		return fmt.Sprintf("the control plane refused the config report as invalid (a bug in argus: please report it with the outbox item): %v", e.Err)
	}
	return fmt.Sprintf("config report: %v", e.Err)
}

func (e *ReportError) Unwrap() error { return e.Err }

// Permanent says whether resending the same report can succeed: a 409 can, once instances
// are pruned; a 400 or 413 cannot.
func (e *ReportError) Permanent() bool { return e.Status != http.StatusConflict }

// ConfigReport sends this instance's config report (PUT, so a redelivery replaces it).
func (c *Client) ConfigReport(ctx context.Context, instanceID uuid.UUID, report json.RawMessage) error {
	if !json.Valid(report) {
		return &PermanentError{Method: http.MethodPut, URL: c.url(request{path: "/api/agent/instances/" + instanceID.String() + "/config-report"}),
			Body: "stored config report is not valid JSON, so it was not sent"}
	}
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/api/agent/instances/" + instanceID.String() + "/config-report", body: report})
	if err == nil {
		return nil
	}
	err = notFoundUnsupported(err)
	var pe *PermanentError
	if errors.As(err, &pe) {
		switch pe.Status {
		case http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusBadRequest:
			return &ReportError{Status: pe.Status, Err: err}
		}
	}
	return fmt.Errorf("send config report: %w", err)
}

// notFoundUnsupported turns a 404 into ErrRemoteConfigUnsupported, keeping the details.
func notFoundUnsupported(err error) error {
	var pe *PermanentError
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return fmt.Errorf("%w: %s %s", ErrRemoteConfigUnsupported, pe.Method, pe.URL)
	}
	return err
}
