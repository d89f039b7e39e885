package controlplane_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/retry"
)

// seen is one request as a test server got it.
type seen struct {
	method, path, key, contentType, body string
	hasKey                               bool
}

// recorder answers every request with status and body, and keeps what it got.
func recorder(t *testing.T, status int, body string) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, hasKey := r.Header["Idempotency-Key"]
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type"), string(b), hasKey})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen { mu.Lock(); defer mu.Unlock(); return append([]seen(nil), got...) }
}

// A CCF plugin's document goes to its route as it is (not re-encoded: its shape is the
// plugin's), with the outbox item's ID as Idempotency-Key, and no such header without a key.
func TestPostJSONSendsTheDocumentAsItIs(t *testing.T) {
	const doc = `{"uuid":"5f0c1a52-4f44-4a4e-9d6a-0b7f3d1e2c10",  "extra": [1, 2]}`
	for _, tc := range []struct{ route, key string }{
		{controlplane.RouteEvidence, "item-1"},
		{controlplane.RouteRiskTemplates, "item-2"},
		{controlplane.RouteSubjectTemplates, ""},
	} {
		t.Run(tc.route, func(t *testing.T) {
			srv, got := recorder(t, http.StatusCreated, `{}`)
			c, _ := newClient(t, srv.URL, nil)
			if err := c.PostJSON(t.Context(), tc.route, tc.key, json.RawMessage(doc)); err != nil {
				t.Fatalf("PostJSON: %v", err)
			}
			g := got()
			if len(g) != 1 {
				t.Fatalf("server got %d requests, want 1", len(g))
			}
			want := seen{http.MethodPost, tc.route, tc.key, "application/json", doc, tc.key != ""}
			if g[0] != want {
				t.Errorf("server got %+v, want %+v", g[0], want)
			}
		})
	}
}

// A stored document that is not JSON is refused before sending, as a permanent error (Status
// 0) naming the route: retrying cannot make it valid.
func TestPostJSONRefusesInvalidJSON(t *testing.T) {
	srv, got := recorder(t, http.StatusCreated, `{}`)
	c, _ := newClient(t, srv.URL, nil)
	err := c.PostJSON(t.Context(), controlplane.RouteRiskTemplates, "k", json.RawMessage(`{"packageName":`))
	var pe *controlplane.PermanentError
	if !errors.As(err, &pe) || pe.Status != 0 || !pe.Permanent() {
		t.Fatalf("PostJSON = %v, want a permanent error with status 0", err)
	}
	if want := "POST " + srv.URL + controlplane.RouteRiskTemplates + ": not sent: stored document is not valid JSON"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if n := len(got()); n != 0 {
		t.Errorf("server got %d requests, want none", n)
	}
}

// A rejection of a plugin document says which route refused it.
func TestPostJSONWrapsTheRejection(t *testing.T) {
	srv, _ := recorder(t, http.StatusBadRequest, `{"errors":{"body":"missing uuid"}}`)
	c, _ := newClient(t, srv.URL, nil)
	err := c.PostJSON(t.Context(), controlplane.RouteEvidence, "k", json.RawMessage(`{}`))
	var pe *controlplane.PermanentError
	if !errors.As(err, &pe) || pe.Status != http.StatusBadRequest || pe.Body != "missing uuid" {
		t.Fatalf("PostJSON = %v, want a 400 PermanentError with the API's message", err)
	}
	if !strings.HasPrefix(err.Error(), "post /api/evidence: ") {
		t.Errorf("error %q does not name the route", err)
	}
}

// An outbox payload goes out as the Evidence it encodes (clamped and re-encoded by
// SendEvidence); one that does not decode is refused unsent, permanently.
func TestSendEvidenceJSON(t *testing.T) {
	srv, got := recorder(t, http.StatusCreated, `{}`)
	c, _ := newClient(t, srv.URL, nil)
	ev := sampleEvidence(t, "mode of /etc/shadow")
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendEvidenceJSON(t.Context(), "item-9", payload); err != nil {
		t.Fatalf("SendEvidenceJSON: %v", err)
	}
	g := got()
	if len(g) != 1 || g[0].path != "/api/evidence" || g[0].key != "item-9" {
		t.Fatalf("server got %+v, want one POST /api/evidence with key item-9", g)
	}
	var sent controlplane.Evidence
	if err := json.Unmarshal([]byte(g[0].body), &sent); err != nil || sent.UUID != ev.UUID || sent.Title != ev.Title {
		t.Errorf("sent %s (%v), want the stored evidence %s %q", g[0].body, err, ev.UUID, ev.Title)
	}

	err = c.SendEvidenceJSON(t.Context(), "item-10", json.RawMessage(`{"uuid": 7}`))
	var pe *controlplane.PermanentError
	if !errors.As(err, &pe) || pe.Status != 0 || !strings.Contains(err.Error(), "POST "+srv.URL+"/api/evidence: not sent: stored evidence is not valid JSON") {
		t.Fatalf("SendEvidenceJSON of a bad payload = %v, want a permanent not-sent error", err)
	}
	if n := len(got()); n != 1 {
		t.Errorf("server got %d requests, want still 1", n)
	}
}

// What a permanent answer says: the API's message in each of its shapes, truncated when long,
// and for 401/403/404 what to check.
func TestPermanentErrorMessage(t *testing.T) {
	long := strings.Repeat("x", 3000)
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantBody string
		wantHint string
	}{
		{"API error shape", 400, `{"errors":{"body":"title is required"}}`, "title is required", ""},
		{"validation errors, sorted", 422, `{"errors":{"uuid":"invalid","title":"required"}}`, "title: required; uuid: invalid", ""},
		{"echo message", 400, `{"message":"Unsupported Media Type"}`, "Unsupported Media Type", ""},
		{"plain text trimmed", 400, "  bad request \n", "bad request", ""},
		{"JSON without either", 400, `{"other":1}`, `{"other":1}`, ""},
		{"long body truncated", 400, long, long[:1024] + "…", ""},
		{"long API message truncated", 400, `{"errors":{"body":"` + long + `"}}`, long[:1024] + "…", ""},
		{"unauthorized", 401, ``, "", "check control_plane client_id and client_secret"},
		{"forbidden", 403, `{"errors":{"body":"agent inactive"}}`, "agent inactive", "inactive, revoked or expired"},
		{"not found", 404, ``, "", "it must be the API's base URL, without /api"},
		{"conflict has no hint", 409, `dup`, "dup", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := recorder(t, tc.status, tc.body)
			c, s := newClient(t, srv.URL, nil)
			err := c.PostJSON(t.Context(), controlplane.RouteEvidence, "k", json.RawMessage(`{}`))
			var pe *controlplane.PermanentError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a PermanentError", err)
			}
			if pe.Status != tc.status || pe.Body != tc.wantBody {
				t.Errorf("status %d body %q, want %d %q", pe.Status, pe.Body, tc.status, tc.wantBody)
			}
			msg := pe.Error()
			if want := "control plane answered " + strconv.Itoa(tc.status) + " " + http.StatusText(tc.status); !strings.Contains(msg, want) {
				t.Errorf("message %q does not contain %q", msg, want)
			}
			if tc.wantHint != "" && (!strings.Contains(msg, tc.wantHint) || !strings.HasSuffix(msg, ")")) {
				t.Errorf("message %q lacks the hint %q", msg, tc.wantHint)
			}
			if tc.wantHint == "" && strings.HasSuffix(msg, ")") {
				t.Errorf("message %q has a hint, want none", msg)
			}
			if len(s.got()) != 0 {
				t.Errorf("a permanent answer was retried: waits %v", s.got())
			}
		})
	}
}

// The client draws from the budget it was given, so that every client of one invocation
// shares one.
func TestBudgetIsTheConfiguredOne(t *testing.T) {
	b := retry.NewBudget(time.Minute)
	c, _ := newClient(t, "http://127.0.0.1:1", func(cfg *controlplane.Config) { cfg.Budget = b })
	if c.Budget() != b {
		t.Errorf("Budget() = %p, want the configured %p", c.Budget(), b)
	}
}
