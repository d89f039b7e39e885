package controlplane_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/retry"
	"github.com/compliance-framework/argus/sdk"
	"github.com/google/uuid"
)

// sleeps records the waits a client asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newClient(t *testing.T, url string, mod func(*controlplane.Config)) (*controlplane.Client, *sleeps) {
	t.Helper()
	s := &sleeps{}
	cfg := controlplane.Config{
		BaseURL:        url,
		Budget:         retry.NewBudget(time.Minute),
		Sleep:          s.sleep,
		RequestTimeout: 5 * time.Second,
		Backoff:        retry.Backoff{Base: 100 * time.Millisecond, Max: time.Second, Float64: func() float64 { return 0.5 }},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := controlplane.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func sampleEvidence(t *testing.T, title string) controlplane.Evidence {
	t.Helper()
	now := time.Now()
	run := &result.Run{ID: uuid.NewString()}
	job := result.Job{
		Name: "etc-passwd", Provider: "builtin/file", Labels: map[string]string{"team": "platform"},
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
		Start:   now.Add(-2 * time.Second), End: now.Add(-time.Second),
	}
	ev, ok := controlplane.NewEvidence(run, job, sdk.Result{Title: title, Status: sdk.StatusPass}, now)
	if !ok {
		t.Fatal("NewEvidence refused a pass")
	}
	return ev
}

func TestHeartbeatAndEvidence(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	c, s := newClient(t, srv.URL, nil)
	rt := uuid.New()
	if err := c.Heartbeat(t.Context(), rt, time.Now()); err != nil {
		t.Fatal(err)
	}
	ev := sampleEvidence(t, "mode of /etc/passwd")
	if err := c.SendEvidence(t.Context(), "key-1", ev); err != nil {
		t.Fatal(err)
	}
	rec := srv.Recording()
	if len(rec.Heartbeats) != 1 || rec.Heartbeats[0].UUID != rt.String() {
		t.Errorf("heartbeats = %+v, want one for %s", rec.Heartbeats, rt)
	}
	if len(rec.Evidence) != 1 || rec.Evidence[0].IdempotencyKey != "key-1" || rec.Evidence[0].UUID != ev.UUID.String() {
		t.Errorf("evidence = %+v", rec.Evidence)
	}
	if len(rec.Rejected) != 0 || len(s.got()) != 0 {
		t.Errorf("rejected %v, slept %v; want neither", rec.Rejected, s.got())
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		sw         cptest.Switches
		wantSleeps []time.Duration
	}{
		{"500 twice then success", cptest.Switches{Fail500: 2}, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}},
		{"429 honours Retry-After seconds", cptest.Switches{Status429: 1, RetryAfter: "7"}, []time.Duration{7 * time.Second}},
		{"slow but within the timeout", cptest.Switches{Delay: cptest.Duration(10 * time.Millisecond)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cptest.Start(t, cptest.Options{})
			srv.SetSwitches(tt.sw)
			c, s := newClient(t, srv.URL, nil)
			if err := c.SendEvidence(t.Context(), "k", sampleEvidence(t, "x")); err != nil {
				t.Fatal(err)
			}
			if got := s.got(); !equalDurations(got, tt.wantSleeps) {
				t.Errorf("waits = %v, want %v", got, tt.wantSleeps)
			}
			if n := len(srv.Recording().Evidence); n != 1 {
				t.Errorf("evidence recorded %d times, want 1", n)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryAfterHTTPDate(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	now := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)
	srv.SetSwitches(cptest.Switches{Status429: 1, RetryAfter: now.Add(30 * time.Second).Format(http.TimeFormat)})
	c, s := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.Now = func() time.Time { return now } })
	if err := c.Heartbeat(t.Context(), uuid.New(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := s.got(); len(got) != 1 || got[0] != 30*time.Second {
		t.Errorf("waits = %v, want [30s]", got)
	}
}

func TestBudgetExhausted(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	srv.SetSwitches(cptest.Switches{Status429: 100, RetryAfter: "20"})
	c, s := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.Budget = retry.NewBudget(45 * time.Second) })
	err := c.SendEvidence(t.Context(), "k", sampleEvidence(t, "x"))
	if !errors.Is(err, controlplane.ErrBudgetExhausted) {
		t.Fatalf("err = %v, want ErrBudgetExhausted", err)
	}
	var te *controlplane.TransientError
	if !errors.As(err, &te) || te.Status != http.StatusTooManyRequests || te.Attempts != 3 {
		t.Fatalf("err = %#v, want a TransientError after 3 attempts with status 429", err)
	}
	if got := s.got(); len(got) != 2 {
		t.Errorf("waits = %v, want two 20s waits (a third does not fit in 45s)", got)
	}
	// Once exhausted, the client does not even try: the control plane has had its chance.
	before := srv.Recording().Requests
	if err := c.Heartbeat(t.Context(), uuid.New(), time.Now()); !errors.Is(err, controlplane.ErrBudgetExhausted) {
		t.Fatalf("second call err = %v, want ErrBudgetExhausted", err)
	}
	if after := srv.Recording().Requests; after != before {
		t.Errorf("requests after exhaustion: %d, want none", after-before)
	}
}

func TestMaxAttempts(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	srv.SetSwitches(cptest.Switches{Fail500: 100})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.MaxAttempts = 3 })
	err := c.Heartbeat(t.Context(), uuid.New(), time.Now())
	var te *controlplane.TransientError
	if !errors.As(err, &te) || te.Attempts != 3 || te.Status != 500 || errors.Is(err, controlplane.ErrBudgetExhausted) {
		t.Fatalf("err = %v, want a TransientError after 3 attempts (status 500), budget not exhausted", err)
	}
	if !strings.Contains(err.Error(), "injected failure") {
		t.Errorf("err = %v, want the server's message", err)
	}
}

func TestDownIsTransient(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	srv.SetSwitches(cptest.Switches{Down: true})
	c, s := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.MaxAttempts = 2 })
	err := c.Heartbeat(t.Context(), uuid.New(), time.Now())
	var te *controlplane.TransientError
	if !errors.As(err, &te) || te.Status != 0 || te.Attempts != 2 {
		t.Fatalf("err = %v, want a TransientError with no status after 2 attempts", err)
	}
	if len(s.got()) != 1 {
		t.Errorf("waits = %v, want 1", s.got())
	}
}

func TestRequestTimeout(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	srv.SetSwitches(cptest.Switches{Delay: cptest.Duration(time.Minute)})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) {
		cfg.RequestTimeout = 20 * time.Millisecond
		cfg.MaxAttempts = 2
	})
	err := c.Heartbeat(t.Context(), uuid.New(), time.Now())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the per-request deadline", err)
	}
}

func TestPermanent(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	c, s := newClient(t, srv.URL, nil)
	ev := sampleEvidence(t, "x")
	ev.UUID = uuid.New() // not the stream of its labels
	err := c.SendEvidence(t.Context(), "k", ev)
	var pe *controlplane.PermanentError
	if !errors.As(err, &pe) || pe.Status != http.StatusBadRequest || !strings.Contains(pe.Body, "not the stream uuid") {
		t.Fatalf("err = %v, want a 400 PermanentError with the server's message", err)
	}
	if len(s.got()) != 0 {
		t.Errorf("retried a permanent error: waits %v", s.got())
	}
}

// The real API answers "application/json; charset=utf-8" with 400 Unsupported Media Type; the
// fake does the same, and the client never sends a charset.
func TestContentTypeExact(t *testing.T) {
	var got []string
	var mu sync.Mutex
	f := cptest.New(cptest.Options{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Content-Type"))
		mu.Unlock()
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	c, _ := newClient(t, hs.URL, nil)
	if err := c.Heartbeat(t.Context(), uuid.New(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := c.SendEvidence(t.Context(), "k", sampleEvidence(t, "x")); err != nil {
		t.Fatal(err)
	}
	for _, ct := range got {
		if ct != "application/json" {
			t.Errorf("Content-Type %q, want exactly application/json", ct)
		}
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL+"/api/agent/heartbeat",
		strings.NewReader(`{"uuid":"`+uuid.NewString()+`","created_at":"2026-01-01T00:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // only the status is checked
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("charset answered %d, want 400 like the real API", resp.StatusCode)
	}
}

func TestAgentToken(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{ClientID: "agent", ClientSecret: "s3cret", RequireAuth: true})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "agent", "s3cret" })
	for range 3 {
		if err := c.Heartbeat(t.Context(), uuid.New(), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if rec := srv.Recording(); rec.TokensIssued != 1 || !rec.Heartbeats[2].Auth {
		t.Fatalf("tokens issued %d, want 1 (cached); heartbeats %+v", rec.TokensIssued, rec.Heartbeats)
	}

	// An expired token: one 401, one refresh, one retry.
	srv.SetSwitches(cptest.Switches{Unauthorized401: 1})
	if err := c.SendEvidence(t.Context(), "k", sampleEvidence(t, "x")); err != nil {
		t.Fatal(err)
	}
	if rec := srv.Recording(); rec.TokensIssued != 2 || len(rec.Evidence) != 1 {
		t.Fatalf("after a 401: tokens %d, evidence %d; want 2 and 1", rec.TokensIssued, len(rec.Evidence))
	}

	// A token rejected twice is permanent: refresh once only.
	srv.SetSwitches(cptest.Switches{Unauthorized401: 5})
	err := c.Heartbeat(t.Context(), uuid.New(), time.Now())
	var pe *controlplane.PermanentError
	if !errors.As(err, &pe) || pe.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 PermanentError", err)
	}
	if rec := srv.Recording(); rec.TokensIssued != 3 {
		t.Errorf("tokens issued %d, want 3 (one refresh)", rec.TokensIssued)
	}
}

func TestAgentTokenBadCredentials(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{ClientID: "agent", ClientSecret: "s3cret"})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "agent", "wrong" })
	err := c.Heartbeat(t.Context(), uuid.New(), time.Now())
	var pe *controlplane.PermanentError
	if !errors.As(err, &pe) || pe.Status != 401 || !strings.Contains(err.Error(), "invalid client credentials") || !strings.Contains(err.Error(), "client_secret") {
		t.Fatalf("err = %v, want a 401 PermanentError naming the credentials", err)
	}
	if n := len(srv.Recording().Heartbeats); n != 0 {
		t.Errorf("heartbeat sent without a token")
	}
}

func TestAgentConfig(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{ClientID: "a", ClientSecret: "b"})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "a", "b" })
	first, err := c.AgentConfig(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || first.ETag == "" || first.Revision != 0 || compact(t, first.Overlay) != `{}` || first.CreatedAt != nil {
		t.Fatalf("first fetch = %+v, want revision 0 {}", first)
	}
	second, err := c.AgentConfig(t.Context(), first.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.ETag != first.ETag {
		t.Fatalf("second fetch = %+v, want NotModified", second)
	}
	if _, err := srv.SetOverlay(json.RawMessage(`{"plugins":{"j":{"schedule":"every 5m"}}}`)); err != nil {
		t.Fatal(err)
	}
	third, err := c.AgentConfig(t.Context(), first.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if third.NotModified || third.ETag == first.ETag || third.Revision != 1 || third.CreatedAt == nil ||
		compact(t, third.Overlay) != `{"plugins":{"j":{"schedule":"every 5m"}}}` {
		t.Fatalf("third fetch = %+v, want revision 1", third)
	}
	if rec := srv.Recording(); len(rec.ConfigFetches) != 3 || rec.ConfigFetches[1].IfNoneMatch != first.ETag {
		t.Fatalf("fetches = %+v: the ETag must go back verbatim", rec.ConfigFetches)
	}
}

func TestAgentConfigStatuses(t *testing.T) {
	t.Run("404 means unsupported", func(t *testing.T) {
		srv := cptest.Start(t, cptest.Options{ClientID: "a", ClientSecret: "b"})
		srv.SetSwitches(cptest.Switches{NoRemoteConfig: true})
		c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "a", "b" })
		if _, err := c.AgentConfig(t.Context(), ""); !errors.Is(err, controlplane.ErrRemoteConfigUnsupported) {
			t.Fatalf("err = %v, want ErrRemoteConfigUnsupported", err)
		}
		if err := c.ConfigReport(t.Context(), uuid.New(), json.RawMessage(`{}`)); !errors.Is(err, controlplane.ErrRemoteConfigUnsupported) {
			t.Fatalf("report err = %v, want ErrRemoteConfigUnsupported", err)
		}
	})
	t.Run("401 without agent credentials", func(t *testing.T) {
		srv := cptest.Start(t, cptest.Options{})
		c, _ := newClient(t, srv.URL, nil)
		var pe *controlplane.PermanentError
		if _, err := c.AgentConfig(t.Context(), ""); !errors.As(err, &pe) || pe.Status != http.StatusUnauthorized {
			t.Fatalf("err = %v, want a 401", err)
		}
	})
	report := func(t *testing.T, mutate func(map[string]any)) json.RawMessage {
		t.Helper()
		r := map[string]any{"mode": "report", "status": "not-applicable", "daemon": false, "applied-revision": nil, "error": nil,
			"base": map[string]any{}, "effective": map[string]any{}, "effective-digest": "sha256:" + strings.Repeat("0", 64)}
		if mutate != nil {
			mutate(r)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srv := cptest.Start(t, cptest.Options{ClientID: "a", ClientSecret: "b"})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "a", "b" })
	first := uuid.New()
	if err := c.ConfigReport(t.Context(), first, report(t, nil)); err != nil {
		t.Fatal(err)
	}
	srv.Update(func(s *cptest.Switches) { s.InstanceCap = 1 })
	if err := c.ConfigReport(t.Context(), first, report(t, nil)); err != nil {
		t.Fatalf("a known instance at the cap: %v", err)
	}
	tests := []struct {
		name   string
		id     uuid.UUID
		body   json.RawMessage
		status int
		says   string
		perm   bool
	}{
		{"409 instance cap", uuid.New(), report(t, nil), http.StatusConflict, "instance cap", false},
		{"413 too large", first, report(t, func(r map[string]any) { r["hostname"] = strings.Repeat("x", 4<<20) }), http.StatusRequestEntityTooLarge, "too large", true},
		{"400 unknown mode", first, report(t, func(r map[string]any) { r["mode"] = "sometimes" }), http.StatusBadRequest, "invalid", true},
		{"400 malformed digest", first, report(t, func(r map[string]any) { r["effective-digest"] = "md5:x" }), http.StatusBadRequest, "invalid", true},
		{"400 base not an object", first, report(t, func(r map[string]any) { r["base"] = []int{1} }), http.StatusBadRequest, "invalid", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.ConfigReport(t.Context(), tt.id, tt.body)
			var re *controlplane.ReportError
			if !errors.As(err, &re) || re.Status != tt.status || !strings.Contains(err.Error(), tt.says) || re.Permanent() != tt.perm {
				t.Fatalf("err = %v, want a ReportError %d saying %q (permanent %v)", err, tt.status, tt.says, tt.perm)
			}
		})
	}
}

func TestHeartbeatConfig(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{})
	c, _ := newClient(t, srv.URL, nil)
	rev := int64(3)
	digest := "sha256:" + strings.Repeat("a", 64)
	if err := c.HeartbeatConfig(t.Context(), uuid.New(), time.Now(), &rev, digest); err != nil {
		t.Fatal(err)
	}
	if err := c.Heartbeat(t.Context(), uuid.New(), time.Now()); err != nil {
		t.Fatal(err)
	}
	hb := srv.Recording().Heartbeats
	if len(hb) != 2 || hb[0].ConfigRevision == nil || *hb[0].ConfigRevision != 3 || hb[0].ConfigDigest != digest || hb[1].ConfigDigest != "" {
		t.Fatalf("heartbeats = %+v", hb)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []controlplane.Config{
		{BaseURL: ""},
		{BaseURL: "ftp://x"},
		{BaseURL: "https://x", ClientID: "id"},
	} {
		if _, err := controlplane.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// Concurrent senders share one token fetch and one connection pool.
func TestConcurrentSharesToken(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{ClientID: "a", ClientSecret: "b"})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "a", "b" })
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := c.SendEvidence(t.Context(), uuid.NewString(), sampleEvidence(t, "t"+strconv.Itoa(i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if rec := srv.Recording(); rec.TokensIssued != 1 || len(rec.Evidence) != 16 {
		t.Fatalf("tokens %d evidence %d, want 1 and 16", rec.TokensIssued, len(rec.Evidence))
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAgentConfigBadAnswers(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"no data", `{"other":1}`, `no "data" object`},
		{"not JSON", `<html>`, "decode the remote configuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c, _ := newClient(t, srv.URL, nil)
			if _, err := c.AgentConfig(t.Context(), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	srv := cptest.Start(t, cptest.Options{ClientID: "a", ClientSecret: "b"})
	c, _ := newClient(t, srv.URL, func(cfg *controlplane.Config) { cfg.ClientID, cfg.ClientSecret = "a", "b" })
	var pe *controlplane.PermanentError
	if err := c.ConfigReport(t.Context(), uuid.New(), json.RawMessage(`{nope`)); !errors.As(err, &pe) || pe.Status != 0 {
		t.Fatalf("a stored report that is not JSON: %v", err)
	}
	if n := len(srv.Recording().ConfigReports); n != 0 {
		t.Fatalf("it was sent (%d)", n)
	}
	// A 401 on the report route is not a ReportError: the credentials hint stays.
	srv.Update(func(s *cptest.Switches) { s.Unauthorized401 = 10 })
	err := c.ConfigReport(t.Context(), uuid.New(), json.RawMessage(`{}`))
	var re *controlplane.ReportError
	if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), "client_id") {
		t.Fatalf("401: %v", err)
	}
	if msg := (&controlplane.ReportError{Status: 418, Err: errors.New("x")}).Error(); !strings.Contains(msg, "config report: x") {
		t.Fatal(msg)
	}
}
