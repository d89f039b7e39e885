package cptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// The bounds and vocabularies of the API's agent remote configuration (docs/agent-remote-config.md).
const maxReportBytes = 4 << 20

var (
	reportModes    = []string{"off", "report", "apply_safe", "apply_all"}
	reportStatuses = []string{"applied", "rejected", "failed", "not-applicable"}
	reportReasons  = []string{"unsafe-changes", "forbidden-changes", "invalid-config", "invalid-type", "unknown-field",
		"policy-errors", "download-failed", "env-missing", "unsupported-by-agent", "cache-corrupt", "internal"}
	digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

func validDigest(s string) bool { return digestPattern.MatchString(s) }

// agentOnly answers 401 unless the request carries a valid agent token: the remote
// configuration routes accept agent JWTs only, even where anonymous agents are allowed.
func (f *Fake) agentOnly(w http.ResponseWriter, r *http.Request) bool {
	if f.Switches().NoRemoteConfig {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return false
	}
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	valid := found && f.tokens[tok]
	f.mu.Unlock()
	if !valid {
		f.reject(w, r, http.StatusUnauthorized, map[string]string{"message": "agent token required"}, "remote configuration without an agent token")
		return false
	}
	return true
}

func (f *Fake) agentConfig(w http.ResponseWriter, r *http.Request) {
	if !f.agentOnly(w, r) {
		return
	}
	inm := r.Header.Get("If-None-Match")
	f.mu.Lock()
	etag, rev, overlay, created := f.etag, f.revision, f.overlay, f.created
	status := http.StatusOK
	if inm != "" && inm == etag {
		status = http.StatusNotModified
	}
	f.rec.ConfigFetches = append(f.rec.ConfigFetches, ConfigFetch{IfNoneMatch: inm, Status: status})
	f.mu.Unlock()
	w.Header().Set("ETag", etag)
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	doc := map[string]any{"revision": rev, "overlay": overlay}
	if rev > 0 {
		doc["created-at"] = created
	}
	writeJSON(w, status, map[string]any{"data": doc})
}

func reportRoute(r *http.Request) (string, bool) {
	if r.Method != http.MethodPut {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/agent/instances/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/config-report")
	return id, ok && !strings.Contains(id, "/")
}

func (f *Fake) configReport(w http.ResponseWriter, r *http.Request, id string) {
	if !f.agentOnly(w, r) {
		return
	}
	record := func(status int, body map[string]any, raw []byte) {
		f.mu.Lock()
		f.rec.ConfigReports = append(f.rec.ConfigReports, ConfigReport{InstanceID: id, Status: status, Body: body, Raw: string(raw)})
		f.mu.Unlock()
	}
	if _, err := uuid.Parse(id); err != nil {
		record(http.StatusBadRequest, nil, nil)
		f.reject(w, r, http.StatusBadRequest, apiError("invalid instance ID"), "bad instance id")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		record(http.StatusUnsupportedMediaType, nil, nil)
		f.reject(w, r, http.StatusUnsupportedMediaType, apiError("Unsupported Media Type"), "report not JSON")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxReportBytes+1))
	if err != nil {
		f.reject(w, r, http.StatusBadRequest, apiError(err.Error()), "unreadable report")
		return
	}
	if len(raw) > maxReportBytes {
		record(http.StatusRequestEntityTooLarge, nil, nil)
		f.reject(w, r, http.StatusRequestEntityTooLarge, apiError("report body over 4 MiB"), "report too large")
		return
	}
	body, problem := checkReport(raw)
	if problem != "" {
		record(http.StatusBadRequest, body, raw)
		f.reject(w, r, http.StatusBadRequest, apiError(problem), problem)
		return
	}
	f.mu.Lock()
	capped := false
	if !slices.Contains(f.instances, id) {
		if f.sw.InstanceCap > 0 && len(f.instances) >= f.sw.InstanceCap {
			capped = true
		} else {
			f.instances = append(f.instances, id)
		}
	}
	f.mu.Unlock()
	if capped {
		record(http.StatusConflict, body, raw)
		f.reject(w, r, http.StatusConflict, apiError("agent instance cap reached"), "instance cap")
		return
	}
	record(http.StatusNoContent, body, raw)
	w.WriteHeader(http.StatusNoContent)
}

// checkReport validates a report as the API does: known mode, status and reason, well-formed
// digest, base and effective objects, no NUL anywhere.
func checkReport(raw []byte) (map[string]any, string) {
	if bytes.Contains(raw, []byte(`\u0000`)) || bytes.IndexByte(raw, 0) >= 0 {
		return nil, "report contains a NUL character"
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&body); err != nil || body == nil {
		return nil, fmt.Sprintf("report is not a JSON object: %v", err)
	}
	str := func(k string) string { s, _ := body[k].(string); return s }
	switch {
	case !slices.Contains(reportModes, str("mode")):
		return body, fmt.Sprintf("unknown mode %q", str("mode"))
	case !slices.Contains(reportStatuses, str("status")):
		return body, fmt.Sprintf("unknown status %q", str("status"))
	case str("reason") != "" && !slices.Contains(reportReasons, str("reason")):
		return body, fmt.Sprintf("unknown reason %q", str("reason"))
	case !validDigest(str("effective-digest")):
		return body, fmt.Sprintf("malformed effective-digest %q", str("effective-digest"))
	}
	for _, k := range []string{"base", "effective"} {
		if _, ok := body[k].(map[string]any); !ok {
			return body, k + " is not an object"
		}
	}
	return body, ""
}
