package cptest

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/google/uuid"
)

// Options configure a Fake at creation.
type Options struct {
	// ClientID and ClientSecret are the agent credentials the token route accepts. Empty: the
	// token route answers 401 to everyone (no agent is registered).
	ClientID     string
	ClientSecret string
	// RequireAuth rejects API requests without a bearer token, like the API with
	// StrictDisablePublicAgentEndpoints. Otherwise anonymous requests are accepted.
	RequireAuth bool
	// TokenTTL is the expires_in of issued tokens; 86400s (the API's) when zero.
	TokenTTL time.Duration
	// Now is the fake's clock, for "not in the future" checks; time.Now when nil.
	Now func() time.Time
}

// Switches make the fake misbehave. Counters count down as requests consume them. They apply
// to requests under /api whose path starts with Path (all of them when Path is empty), in this
// order: Down, Delay, Unauthorized401, Fail500, Status429, Reject400.
type Switches struct {
	// Down closes every connection without an answer, as a crashed server would.
	Down bool `json:"down"`
	// Delay is waited before answering (Slow).
	Delay Duration `json:"delay"`
	// Fail500 answers the next N requests with 500.
	Fail500 int `json:"fail500"`
	// Status429 answers the next N requests with 429 and RetryAfter.
	Status429 int `json:"status429"`
	// RetryAfter is the Retry-After of those 429s: seconds or an HTTP-date; "1" when empty.
	RetryAfter string `json:"retry_after"`
	// Reject400 answers the next N requests with 400 and the API's error shape, as the API
	// does for a body it cannot bind: the answer argus must keep as permanent.
	Reject400 int `json:"reject400"`
	// Unauthorized401 revokes every issued token and answers the next N bearer requests with
	// 401, as when a token expires early.
	Unauthorized401 int `json:"unauthorized401"`
	// Path limits the switches to requests whose path starts with it ("/api/evidence").
	Path string `json:"path"`

	// NoRemoteConfig makes the remote configuration routes answer 404, as an API that
	// predates them (v0.16.0) does.
	NoRemoteConfig bool `json:"no_remote_config"`
	// InstanceCap is the agent's instance cap (CCF_AGENT_MAX_INSTANCES): a config report from
	// an instance beyond it gets 409. 0 means no cap.
	InstanceCap int `json:"instance_cap"`
}

// Duration is a time.Duration that reads and writes "1.5s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration: want a string like \"1s\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Recording is everything the fake received. It is what scripts dump and tests inspect.
type Recording struct {
	// Requests counts every request under /api, answered or not.
	Requests      int `json:"requests"`
	TokenRequests int `json:"token_requests"`
	// TokensIssued counts successful token requests.
	TokensIssued int         `json:"tokens_issued"`
	Heartbeats   []Heartbeat `json:"heartbeats"`
	// Evidence is every accepted evidence, in arrival order (duplicates excluded).
	Evidence []EvidenceRecord `json:"evidence"`
	// Streams maps a stream uuid to the idempotency keys of its accepted evidence, in order.
	Streams map[string][]string `json:"streams"`
	// Duplicates counts evidence whose Idempotency-Key had already been accepted: answered 201,
	// not recorded again.
	Duplicates    int            `json:"duplicates"`
	ConfigFetches []ConfigFetch  `json:"config_fetches"`
	ConfigReports []ConfigReport `json:"config_reports"`
	// Templates are the accepted risk and subject template batches, in arrival order.
	Templates []TemplateBatch `json:"templates"`
	Rejected  []Rejection     `json:"rejected"`
	Injected  []Injection     `json:"injected"`
}

// Heartbeat is one accepted heartbeat.
type Heartbeat struct {
	UUID      string    `json:"uuid"`
	CreatedAt time.Time `json:"created_at"`
	Auth      bool      `json:"auth"` // sent with a valid bearer token
	// ConfigRevision and ConfigDigest are what the runtime says it runs (remote configuration).
	ConfigRevision *int64 `json:"config_revision,omitempty"`
	ConfigDigest   string `json:"config_digest,omitempty"`
}

// EvidenceRecord is one accepted evidence.
type EvidenceRecord struct {
	IdempotencyKey string                `json:"idempotency_key"`
	UUID           string                `json:"uuid"`
	Title          string                `json:"title"`
	State          string                `json:"state"`
	Labels         map[string]string     `json:"labels"`
	Auth           bool                  `json:"auth"`
	Body           controlplane.Evidence `json:"body"`
	// Plugin is set for a Compliance Framework plugin's evidence (labelled _plugin): its
	// stream UUID is the plugin's, so argus's label and stream checks do not apply, and Raw
	// holds the body as sent.
	Plugin bool            `json:"plugin,omitempty"`
	Raw    json.RawMessage `json:"raw,omitempty"`
}

// TemplateBatch is one accepted POST to a protocol-2 template batch route.
type TemplateBatch struct {
	Route string          `json:"route"`
	Auth  bool            `json:"auth"`
	Body  json.RawMessage `json:"body"`
}

// ConfigFetch is one GET /api/agent/config.
type ConfigFetch struct {
	IfNoneMatch string `json:"if_none_match"`
	Status      int    `json:"status"`
}

// ConfigReport is one PUT /api/agent/instances/{instanceId}/config-report, accepted or not.
type ConfigReport struct {
	InstanceID string `json:"instance_id"`
	Status     int    `json:"status"`
	// Body is the report as decoded; it stays out of the dump (print it with "fakecp report"),
	// so that counting a label in the dump counts evidence only.
	Body map[string]any `json:"-"`
	Raw  string         `json:"raw,omitempty"` // the body as sent, for secret checks
}

// Rejection is a request the fake refused on its merits (bad shape, bad media type, bad
// credentials): the answer argus must treat as permanent.
type Rejection struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	Reason string `json:"reason"`
}

// Injection is a failure the switches caused.
type Injection struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	What   string `json:"what"` // "down", "500", "429", "401", "400"
}

// Fake is the fake control plane. Its zero value is not usable: call New.
type Fake struct {
	opts Options

	mu      sync.Mutex
	sw      Switches
	rec     Recording
	tokens  map[string]bool // issued, not revoked
	nextTok int
	keys    map[string]bool // accepted idempotency keys
	// The agent's current overlay revision and its opaque ETag; generation makes an ETag
	// name the stored row, so a reset never yields a false 304.
	revision   int64
	overlay    json.RawMessage
	created    time.Time
	etag       string
	generation int
	instances  []string // instance IDs registered by a report, oldest first
}

// New returns a fake whose agent has no overlay yet (revision 0, {}).
func New(opts Options) *Fake {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 24 * time.Hour
	}
	f := &Fake{opts: opts, tokens: map[string]bool{}, keys: map[string]bool{}}
	f.resetLocked()
	return f
}

func (f *Fake) resetLocked() {
	f.sw = Switches{}
	f.rec = Recording{Streams: map[string][]string{}}
	clear(f.keys)
	f.instances = nil
	f.revision, f.overlay, f.created = 0, json.RawMessage(`{}`), time.Time{}
	f.generation++
	f.etag = fmt.Sprintf("\"agent-%d-rev-0\"", f.generation)
}

// Reset forgets everything received and turns every switch off. Issued tokens stay valid.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resetLocked()
}

// Switches returns the current switches.
func (f *Fake) Switches() Switches {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sw
}

// SetSwitches replaces the switches.
func (f *Fake) SetSwitches(sw Switches) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sw = sw
}

// Update changes the switches under the fake's lock.
func (f *Fake) Update(fn func(*Switches)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.sw)
}

// SetOverlay saves overlay as the agent's next revision, with a new ETag, as an admin's PUT
// /api/admin/agents/{id}/config does. It returns the new revision.
func (f *Fake) SetOverlay(overlay json.RawMessage) (int64, error) {
	var obj map[string]any
	if err := json.Unmarshal(overlay, &obj); err != nil || obj == nil {
		return 0, fmt.Errorf("overlay is not a JSON object")
	}
	compact, _ := json.Marshal(obj)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revision++
	f.overlay, f.created = compact, f.opts.Now().UTC()
	f.etag = fmt.Sprintf("\"agent-%d-rev-%d\"", f.generation, f.revision)
	return f.revision, nil
}

// Recording returns a deep copy of what the fake received.
func (f *Fake) Recording() Recording {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rec
	r.Heartbeats = slices.Clone(r.Heartbeats)
	r.Evidence = slices.Clone(r.Evidence)
	r.ConfigFetches = slices.Clone(r.ConfigFetches)
	r.ConfigReports = slices.Clone(r.ConfigReports)
	r.Rejected = slices.Clone(r.Rejected)
	r.Injected = slices.Clone(r.Injected)
	r.Streams = make(map[string][]string, len(f.rec.Streams))
	for k, v := range f.rec.Streams {
		r.Streams[k] = slices.Clone(v)
	}
	return r
}

// ServeHTTP serves the API routes and the /_fake/ admin routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_fake/") {
		f.admin(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	if !f.inject(w, r) {
		return
	}
	route := r.Method + " " + strings.TrimSuffix(r.URL.Path, "/")
	switch route {
	case "POST /api/auth/agent/token":
		f.token(w, r)
	case "POST /api/agent/heartbeat":
		f.heartbeat(w, r)
	case "POST /api/evidence":
		f.evidence(w, r)
	case "GET /api/agent/config":
		f.agentConfig(w, r)
	case "POST " + controlplane.RouteRiskTemplates, "POST " + controlplane.RouteSubjectTemplates:
		f.templates(w, r)
	default:
		if id, ok := reportRoute(r); ok {
			f.configReport(w, r, id)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// inject applies the switches. It returns false when it answered (or dropped) the request.
func (f *Fake) inject(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	f.rec.Requests++
	sw := f.sw
	applies := strings.HasPrefix(r.URL.Path, sw.Path)
	f.mu.Unlock()
	if !applies {
		return true
	}
	if sw.Down {
		f.note(r, "down")
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return false
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	if sw.Delay > 0 {
		// Read the body first: only then does the server notice a client that gives up, and
		// cancel r.Context(), so a slow answer never outlives its caller.
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(time.Duration(sw.Delay))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	f.mu.Lock()
	var what string
	switch {
	case f.sw.Unauthorized401 > 0 && strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "):
		f.sw.Unauthorized401--
		clear(f.tokens)
		what = "401"
	case f.sw.Fail500 > 0:
		f.sw.Fail500--
		what = "500"
	case f.sw.Status429 > 0:
		f.sw.Status429--
		what = "429"
	case f.sw.Reject400 > 0:
		f.sw.Reject400--
		what = "400"
	}
	retryAfter := cmp.Or(f.sw.RetryAfter, "1")
	f.mu.Unlock()
	switch what {
	case "401":
		f.note(r, what)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "invalid or expired token"})
		return false
	case "500":
		f.note(r, what)
		writeJSON(w, http.StatusInternalServerError, apiError("injected failure"))
		return false
	case "429":
		f.note(r, what)
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusTooManyRequests, apiError("too many requests"))
		return false
	case "400":
		f.note(r, what)
		writeJSON(w, http.StatusBadRequest, apiError("code=400, message=injected: the body does not bind to an Evidence"))
		return false
	}
	return true
}

func (f *Fake) note(r *http.Request, what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rec.Injected = append(f.rec.Injected, Injection{Method: r.Method, Path: r.URL.Path, What: what})
}

func (f *Fake) reject(w http.ResponseWriter, r *http.Request, status int, body any, reason string) {
	f.mu.Lock()
	f.rec.Rejected = append(f.rec.Rejected, Rejection{Method: r.Method, Path: r.URL.Path, Status: status, Reason: reason})
	f.mu.Unlock()
	writeJSON(w, status, body)
}

// authorize checks the bearer token like the API's agent middleware. It returns whether the
// request carried a valid token and false for ok when it answered.
func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) (authed, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if f.opts.RequireAuth {
			f.reject(w, r, http.StatusUnauthorized, map[string]string{"message": "missing or malformed authorization header"}, "no token")
			return false, false
		}
		return false, true
	}
	tok, found := strings.CutPrefix(h, "Bearer ")
	f.mu.Lock()
	valid := found && f.tokens[tok]
	f.mu.Unlock()
	if !valid {
		f.reject(w, r, http.StatusUnauthorized, map[string]string{"message": "invalid or expired token"}, "invalid token")
		return false, false
	}
	return true, true
}

func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.rec.TokenRequests++
	f.mu.Unlock()
	id, secret, ok := r.BasicAuth()
	if !ok {
		f.reject(w, r, http.StatusUnauthorized, apiError("missing basic auth credentials"), "no basic auth")
		return
	}
	if f.opts.ClientID == "" ||
		subtle.ConstantTimeCompare([]byte(id), []byte(f.opts.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(f.opts.ClientSecret)) != 1 {
		f.reject(w, r, http.StatusUnauthorized, apiError("invalid client credentials"), "bad credentials")
		return
	}
	f.mu.Lock()
	f.nextTok++
	tok := fmt.Sprintf("fake-token-%d", f.nextTok)
	f.tokens[tok] = true
	f.rec.TokensIssued++
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(f.opts.TokenTTL / time.Second),
	})
}

// readJSON enforces the API binder's media type rule (exactly application/json; anything else,
// charset included, is "Unsupported Media Type", which the real API answers with 400) and reads
// the body.
func (f *Fake) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.reject(w, r, http.StatusBadRequest, apiError("Unsupported Media Type"), fmt.Sprintf("unsupported media type %q", ct))
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		f.reject(w, r, http.StatusBadRequest, apiError(err.Error()), "unreadable body")
		return nil, false
	}
	return body, true
}

func (f *Fake) heartbeat(w http.ResponseWriter, r *http.Request) {
	authed, ok := f.authorize(w, r)
	if !ok {
		return
	}
	body, ok := f.readJSON(w, r)
	if !ok {
		return
	}
	var hb struct {
		UUID           uuid.UUID `json:"uuid"`
		CreatedAt      time.Time `json:"created_at"`
		ConfigRevision *int64    `json:"config_revision"`
		ConfigDigest   string    `json:"config_digest"`
	}
	if err := json.Unmarshal(body, &hb); err != nil {
		f.reject(w, r, http.StatusBadRequest, apiError(err.Error()), "bad heartbeat JSON")
		return
	}
	fields := map[string]any{}
	if hb.UUID == uuid.Nil {
		fields["UUID"] = "required"
	}
	if hb.CreatedAt.IsZero() {
		fields["CreatedAt"] = "required"
	}
	if len(fields) > 0 {
		f.reject(w, r, http.StatusBadRequest, map[string]any{"errors": fields}, "heartbeat missing fields")
		return
	}
	f.mu.Lock()
	beat := Heartbeat{UUID: hb.UUID.String(), CreatedAt: hb.CreatedAt, Auth: authed}
	if validDigest(hb.ConfigDigest) {
		beat.ConfigRevision, beat.ConfigDigest = hb.ConfigRevision, hb.ConfigDigest
	}
	f.rec.Heartbeats = append(f.rec.Heartbeats, beat)
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

func (f *Fake) evidence(w http.ResponseWriter, r *http.Request) {
	authed, ok := f.authorize(w, r)
	if !ok {
		return
	}
	body, ok := f.readJSON(w, r)
	if !ok {
		return
	}
	var ev controlplane.Evidence
	if err := json.Unmarshal(body, &ev); err != nil {
		f.reject(w, r, http.StatusBadRequest, apiError(err.Error()), "bad evidence JSON")
		return
	}
	if problem := f.checkEvidence(ev); problem != "" {
		f.reject(w, r, http.StatusBadRequest, apiError(problem), problem)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	id := uuid.New()
	f.mu.Lock()
	if key != "" && f.keys[key] {
		f.rec.Duplicates++
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{"id": id, "uuid": ev.UUID}})
		return
	}
	if key != "" {
		f.keys[key] = true
	}
	stream := ev.UUID.String()
	rec := EvidenceRecord{
		IdempotencyKey: key, UUID: stream, Title: ev.Title, State: ev.Status.State,
		Labels: maps.Clone(ev.Labels), Auth: authed, Body: ev,
	}
	if isPluginEvidence(ev) {
		rec.Plugin, rec.Raw = true, json.RawMessage(body)
	}
	f.rec.Evidence = append(f.rec.Evidence, rec)
	f.rec.Streams[stream] = append(f.rec.Streams[stream], key)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{"id": id, "uuid": ev.UUID, "title": ev.Title}})
}

// checkEvidence is argus's contract for an Evidence; the messages mimic the API's where it has
// one ("time … must not be in the future").
func (f *Fake) checkEvidence(ev controlplane.Evidence) string {
	now := f.opts.Now().UTC()
	switch {
	case ev.UUID == uuid.Nil:
		return "uuid is required"
	case strings.TrimSpace(ev.Title) == "":
		return "title is required"
	case ev.Start.IsZero() || ev.End.IsZero():
		return "start and end are required"
	case ev.Start.UTC().After(now):
		return fmt.Sprintf("time %s must not be in the future", ev.Start.Format(time.RFC3339Nano))
	case ev.End.UTC().After(now):
		return fmt.Sprintf("time %s must not be in the future", ev.End.Format(time.RFC3339Nano))
	case ev.Start.After(ev.End):
		return "start is after end"
	case ev.Status.State != controlplane.StateSatisfied && ev.Status.State != controlplane.StateNotSatisfied:
		return fmt.Sprintf("status.state %q is not satisfied or not-satisfied", ev.Status.State)
	}
	if isPluginEvidence(ev) {
		return "" // the plugin's own stream and shape (ccf-plugins.md §1.7)
	}
	for _, k := range []string{controlplane.LabelJob, controlplane.LabelProvider, controlplane.LabelSubject, controlplane.LabelTitle} {
		if _, ok := ev.Labels[k]; !ok {
			return fmt.Sprintf("label %q is missing", k)
		}
	}
	if want := controlplane.SeededUUID(ev.Labels); ev.UUID != want {
		return fmt.Sprintf("uuid %s is not the stream uuid of its labels (%s)", ev.UUID, want)
	}
	for i, s := range ev.Subjects {
		if s.Identifier == "" || s.Type == "" {
			return fmt.Sprintf("subjects[%d]: identifier and type are required", i)
		}
	}
	return ""
}

// isPluginEvidence reports whether ev comes from a Compliance Framework plugin: the host labels
// those with _plugin (and _agent), never with argus's _job.
func isPluginEvidence(ev controlplane.Evidence) bool {
	_, plugin := ev.Labels["_plugin"]
	_, job := ev.Labels[controlplane.LabelJob]
	return plugin && !job
}

// templates accepts a protocol-2 risk or subject template batch: a JSON object.
func (f *Fake) templates(w http.ResponseWriter, r *http.Request) {
	authed, ok := f.authorize(w, r)
	if !ok {
		return
	}
	body, ok := f.readJSON(w, r)
	if !ok {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		f.reject(w, r, http.StatusBadRequest, apiError(err.Error()), "bad template batch JSON")
		return
	}
	f.mu.Lock()
	f.rec.Templates = append(f.rec.Templates, TemplateBatch{Route: strings.TrimSuffix(r.URL.Path, "/"), Auth: authed, Body: json.RawMessage(body)})
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": obj})
}

// admin serves /_fake/: GET recording, GET|POST switches (POST merges the given fields),
// POST reset, PUT overlay.
func (f *Fake) admin(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /_fake/recording":
		writeJSON(w, http.StatusOK, f.Recording())
	case "GET /_fake/switches":
		writeJSON(w, http.StatusOK, f.Switches())
	case "POST /_fake/switches":
		f.mu.Lock()
		sw := f.sw
		err := json.NewDecoder(r.Body).Decode(&sw)
		if err == nil {
			f.sw = sw
		}
		f.mu.Unlock()
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError("decode switches: "+err.Error()))
			return
		}
		writeJSON(w, http.StatusOK, sw)
	case "POST /_fake/reset":
		f.Reset()
		w.WriteHeader(http.StatusNoContent)
	case "PUT /_fake/overlay":
		data, err := io.ReadAll(r.Body)
		if err == nil {
			_, err = f.SetOverlay(data)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError(err.Error()))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, apiError("unknown admin route "+r.Method+" "+r.URL.Path))
	}
}

func apiError(msg string) map[string]any {
	return map[string]any{"errors": map[string]any{"body": msg}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":{"body":"encode answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
