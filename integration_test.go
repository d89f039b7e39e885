package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// exchange is one request argus sent to the real API and the status it answered.
type exchange struct {
	Method, Path string
	Status       int
	Body         []byte
}

// recordingProxy forwards everything to the real API unchanged and records each exchange, so
// that the test sees the API's own status codes for argus's requests (argus logs only failures).
type recordingProxy struct {
	mu  sync.Mutex
	log []exchange
}

func (p *recordingProxy) handler(target *url.URL) http.Handler {
	rp := httputil.NewSingleHostReverseProxy(target)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w}
		rp.ServeHTTP(sw, r)
		p.mu.Lock()
		p.log = append(p.log, exchange{Method: r.Method, Path: r.URL.Path, Status: sw.status, Body: body})
		p.mu.Unlock()
	})
}

func (p *recordingProxy) take() []exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.log
	p.log = nil
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// TestRealAPI runs `argus assess` (the CLI, anonymous agent) against a real Compliance Framework
// API twice and checks, through the API's own answers and read routes, that the heartbeat and
// every evidence were accepted (201), nothing stayed in the outbox, and the second run continued
// the first run's evidence streams; a third run with a remote_config block checks that an API
// without agent remote configuration (404) costs one request and nothing else. It needs
// ARGUS_CCF_URL (.ci/steps/40-real-api.sh starts the API with .ci/ccf-up.sh and sets it). With
// ARGUS_CCF_USER and ARGUS_CCF_PASSWORD (a
// user of that API) it also reads the heartbeat back through the authenticated over-time route.
func TestRealAPI(t *testing.T) {
	base := os.Getenv("ARGUS_CCF_URL")
	if base == "" {
		t.Skip("SKIPPED: ARGUS_CCF_URL is not set, so there is no real Compliance Framework API to test against; start one with .ci/ccf-up.sh and set ARGUS_CCF_URL=http://127.0.0.1:18080 (CI does, in .ci/steps/40-real-api.sh)")
	}
	base = strings.TrimSuffix(base, "/")
	target, err := url.Parse(base)
	if err != nil {
		t.Fatalf("ARGUS_CCF_URL %q: %v", base, err)
	}
	proxy := &recordingProxy{}
	srv := httptest.NewServer(proxy.handler(target))
	t.Cleanup(srv.Close)

	// A label unique to this test run makes fresh streams, so that the history counts below are
	// this test's alone however often it runs against the same database.
	suite := "argus-it-" + uuid.NewString()[:8]
	work := t.TempDir()
	cfg := filepath.Join(work, "it.argus.hcl")
	hcl := fmt.Sprintf(`control_plane {
  url = %q
}
job "it-pass" {
  provider = "builtin/command"
  schedule = "every 1h"
  labels   = { suite = %q }
  config   = { command = ["true"] }
}
job "it-fail" {
  provider = "builtin/command"
  schedule = "every 1h"
  labels   = { suite = %q }
  config   = { command = ["false"] }
}
`, srv.URL, suite, suite)
	if err := os.WriteFile(cfg, []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(work, "state")

	var streams []string // sorted stream UUIDs of the first run
	var runtimeID string
	for run := 1; run <= 2; run++ {
		cmd := argusCmd(t.Context(), t, work, "assess", "--config", cfg, "--state-dir", stateDir, "--all", "--retry-budget", "60s")
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		// 1: the failing check fails the gate. 4 would mean undelivered results.
		if code != 1 {
			t.Fatalf("run %d: argus assess exited %d, want 1 (one check fails; 4 means undelivered)\n%s", run, code, out)
		}
		list, err := argusCmd(t.Context(), t, work, "outbox", "list", "--config", cfg, "--state-dir", stateDir).CombinedOutput()
		if err != nil || !strings.Contains(string(list), "The outbox is empty") {
			t.Fatalf("run %d: outbox list (%v):\n%s", run, err, list)
		}

		var heartbeats, evidence []exchange
		for _, ex := range proxy.take() {
			switch ex.Method + " " + ex.Path {
			case "POST /api/agent/heartbeat":
				heartbeats = append(heartbeats, ex)
			case "POST /api/evidence":
				evidence = append(evidence, ex)
			default:
				t.Errorf("run %d: unexpected request %s %s (%d)", run, ex.Method, ex.Path, ex.Status)
			}
		}
		if len(heartbeats) != 1 || heartbeats[0].Status != http.StatusCreated {
			t.Fatalf("run %d: heartbeats %+v, want one answered 201", run, statuses(heartbeats))
		}
		var hb struct {
			UUID string `json:"uuid"`
		}
		if err := json.Unmarshal(heartbeats[0].Body, &hb); err != nil {
			t.Fatal(err)
		}
		if runtimeID == "" {
			runtimeID = hb.UUID
		} else if hb.UUID != runtimeID {
			t.Errorf("run %d: heartbeat runtime %s, first run's was %s", run, hb.UUID, runtimeID)
		}
		var got []string
		for _, ex := range evidence {
			if ex.Status != http.StatusCreated {
				t.Errorf("run %d: evidence answered %d, want 201", run, ex.Status)
			}
			var ev struct {
				UUID string `json:"uuid"`
			}
			if err := json.Unmarshal(ex.Body, &ev); err != nil {
				t.Fatal(err)
			}
			got = append(got, ev.UUID)
		}
		slices.Sort(got)
		if len(got) != 2 {
			t.Fatalf("run %d: %d evidence sent, want 2", run, len(got))
		}
		if run == 1 {
			streams = got
		} else if !slices.Equal(got, streams) {
			t.Errorf("run 2 sent streams %v, run 1 sent %v: the streams must continue", got, streams)
		}

		// The API's read route: each stream has one record per run so far.
		for _, s := range streams {
			hist := history(t, base, s)
			if len(hist) != run {
				t.Errorf("after run %d: stream %s has %d record(s) in the API, want %d", run, s, len(hist), run)
			}
		}
	}

	// Remote configuration on an API that predates it (v0.16.0): argus asks once, gets 404,
	// runs its local configuration without a warning, reports nothing, and exits as before.
	remote := hcl + "remote_config {\n  mode = \"apply_safe\"\n}\n"
	if err := os.WriteFile(cfg, []byte(remote), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := argusCmd(t.Context(), t, work, "assess", "--config", cfg, "--state-dir", stateDir, "--all", "--retry-budget", "60s", "--log-level", "debug").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("remote_config run: argus assess: %v, want exit 1 (one check fails; 4 means undelivered)\n%s", err, out)
	}
	if strings.Contains(string(out), "level=WARN") || !strings.Contains(string(out), "does not serve remote configuration") {
		t.Errorf("remote_config run: want the 404 said at debug level only, no warning:\n%s", out)
	}
	fetched := 0
	for _, ex := range proxy.take() {
		switch {
		case ex.Method+" "+ex.Path == "GET /api/agent/config":
			fetched++
			if ex.Status != http.StatusNotFound {
				t.Errorf("remote_config run: GET /api/agent/config answered %d; this test expects an API without remote configuration (404)", ex.Status)
			}
		case strings.HasSuffix(ex.Path, "/config-report"):
			t.Errorf("remote_config run: a config report was sent to an API without remote configuration")
		case ex.Method+" "+ex.Path == "POST /api/agent/heartbeat":
			if strings.Contains(string(ex.Body), "config_digest") {
				t.Errorf("remote_config run: the heartbeat carries a config digest although nothing was fetched: %s", ex.Body)
			}
		}
	}
	if fetched != 1 {
		t.Errorf("remote_config run: %d GET /api/agent/config, want exactly 1", fetched)
	}

	// The two streams end in the states the checks had: one satisfied, one not.
	states := map[string]bool{}
	for _, s := range streams {
		for _, h := range history(t, base, s) {
			states[h.Status.State] = true
			if h.Labels["suite"] != suite {
				t.Errorf("stream %s: record labels %v, want suite=%s", s, h.Labels, suite)
			}
		}
	}
	if !states["satisfied"] || !states["not-satisfied"] {
		t.Errorf("states %v, want satisfied and not-satisfied", states)
	}

	// A Compliance Framework plugin from an OCI registry: its evidence reaches the API, 201, in
	// the plugin's own streams.
	checkCCFPluginDelivery(t, base)

	if user, pass := os.Getenv("ARGUS_CCF_USER"), os.Getenv("ARGUS_CCF_PASSWORD"); user != "" && pass != "" {
		checkHeartbeatOverTime(t, base, user, pass)
	} else {
		t.Log("ARGUS_CCF_USER/ARGUS_CCF_PASSWORD not set: heartbeat checked by the API's 201 only, not read back")
	}
}

func statuses(exs []exchange) []int {
	var out []int
	for _, ex := range exs {
		out = append(out, ex.Status)
	}
	return out
}

type historyRecord struct {
	UUID   string            `json:"uuid"`
	Labels map[string]string `json:"-"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	RawLabels []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"labels"`
}

// history reads GET /api/evidence/history/{uuid}: every record of one stream.
func history(t *testing.T, base, stream string) []historyRecord {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/evidence/history/"+stream, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close() // fully read: nothing to lose
	if err != nil {
		t.Fatalf("read history of %s: %v", stream, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/evidence/history/%s: %d %s", stream, resp.StatusCode, body)
	}
	var out struct {
		Data []historyRecord `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode history of %s: %v\n%s", stream, err, body)
	}
	for i := range out.Data {
		out.Data[i].Labels = map[string]string{}
		for _, l := range out.Data[i].RawLabels {
			out.Data[i].Labels[l.Name] = l.Value
		}
		if out.Data[i].UUID != stream {
			t.Errorf("history of %s holds a record of stream %s", stream, out.Data[i].UUID)
		}
	}
	return out.Data
}

// checkHeartbeatOverTime logs in as a user and checks that the over-time route counts at least
// one runtime in the current two-minute interval.
func checkHeartbeatOverTime(t *testing.T, base, user, pass string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": user, "password": pass})
	login, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/api/auth/login", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	login.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(login)
	if err != nil {
		t.Fatal(err)
	}
	var token struct {
		Data struct {
			AuthToken string `json:"auth_token"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&token)
	_ = resp.Body.Close() // decoded or failed: the error that matters is err
	if err != nil || token.Data.AuthToken == "" {
		t.Fatalf("login as %s: status %d, %v", user, resp.StatusCode, err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/agent/heartbeat/over-time", nil)
	req.Header.Set("Authorization", "Bearer "+token.Data.AuthToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only response body
	var ot struct {
		Data []struct {
			Interval time.Time `json:"interval"`
			Total    int       `json:"total"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ot); err != nil {
		t.Fatalf("heartbeat over-time: status %d: %v", resp.StatusCode, err)
	}
	recent := 0
	for _, iv := range ot.Data {
		if time.Since(iv.Interval) < 5*time.Minute {
			recent += iv.Total
		}
	}
	if recent == 0 {
		t.Errorf("heartbeat over-time %+v: no runtime in the last minutes", ot.Data)
	}
}
