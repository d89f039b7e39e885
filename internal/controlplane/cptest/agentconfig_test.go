package cptest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The remote configuration routes answer as docs/agent-remote-config.md says.
func TestAgentConfigRoutes(t *testing.T) {
	srv := Start(t, Options{ClientID: "a", ClientSecret: "b"})
	do := func(method, path, token, ct, inm, body string) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/auth/agent/token", nil)
	req.SetBasicAuth("a", "b")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()

	if code, _, _ := do("GET", "/api/agent/config", "", "", "", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous GET = %d, want 401 (agent tokens only)", code)
	}
	code, body, h := do("GET", "/api/agent/config", tok.AccessToken, "", "", "")
	etag := h.Get("ETag")
	if code != 200 || etag == "" || !strings.Contains(body, `"revision": 0`) || strings.Contains(body, "created-at") {
		t.Fatalf("GET = %d %q %s", code, etag, body)
	}
	if code, _, _ := do("GET", "/api/agent/config", tok.AccessToken, "", etag, ""); code != http.StatusNotModified {
		t.Errorf("GET with the ETag = %d, want 304", code)
	}
	srv.Reset()
	if code, _, h := do("GET", "/api/agent/config", tok.AccessToken, "", etag, ""); code != 200 || h.Get("ETag") == etag {
		t.Errorf("after a reset the old ETag got %d %q: a false 304", code, h.Get("ETag"))
	}

	good := `{"mode":"report","status":"not-applicable","base":{},"effective":{},"effective-digest":"sha256:` + strings.Repeat("0", 64) + `"}`
	path := "/api/agent/instances/0b8f0d5e-3f7a-4b8e-9a51-1c2d3e4f5a6b/config-report"
	for _, tc := range []struct {
		name, path, token, ct, body string
		want                        int
	}{
		{"no token", path, "", "application/json", good, 401},
		{"bad instance id", "/api/agent/instances/nope/config-report", tok.AccessToken, "application/json", good, 400},
		{"not JSON", path, tok.AccessToken, "text/plain", good, 415},
		{"NUL", path, tok.AccessToken, "application/json", strings.Replace(good, "report", `rep\u0000ort`, 1), 400},
		{"unknown status", path, tok.AccessToken, "application/json", strings.Replace(good, "not-applicable", "fine", 1), 400},
		{"unknown reason", path, tok.AccessToken, "application/json", strings.Replace(good, `"base"`, `"reason":"meh","base"`, 1), 400},
		{"too large", path, tok.AccessToken, "application/json", `{"x":"` + strings.Repeat("a", 4<<20) + `"}`, 413},
		{"stored", path, tok.AccessToken, "application/json", good, 204},
	} {
		if code, body, _ := do("PUT", tc.path, tc.token, tc.ct, "", tc.body); code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	if c := Counts(srv.Recording()); c["reports"] != 1 || c["instances"] != 1 {
		t.Errorf("counts %v", c)
	}
	srv.SetSwitches(Switches{NoRemoteConfig: true})
	if code, _, _ := do("GET", "/api/agent/config", tok.AccessToken, "", "", ""); code != http.StatusNotFound {
		t.Errorf("no_remote_config GET = %d, want 404", code)
	}
}
