package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/sdk"
	"github.com/google/go-cmp/cmp"
)

// request builds a protocol v1 request for job "test" with cfg as its config (a string is used
// verbatim as JSON, anything else is marshalled).
func request(t *testing.T, cfg any, labels map[string]string) sdk.Request {
	t.Helper()
	raw, ok := cfg.(string)
	if !ok {
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal config: %v", err)
		}
		raw = string(b)
	}
	return sdk.Request{Protocol: sdk.ProtocolVersion, RunID: "run-1", Job: sdk.Job{Name: "test", Labels: labels}, Config: json.RawMessage(raw)}
}

// runOne calls h and returns its only result, failing the test if the response is not exactly
// one valid result.
func runOne(t *testing.T, ctx context.Context, h sdk.Handler, req sdk.Request) sdk.Result {
	t.Helper()
	resp, err := h(ctx, req)
	if err != nil {
		t.Fatalf("handler returned an error (misconfiguration must be a result): %v", err)
	}
	if err := resp.Validate(); err != nil {
		t.Fatalf("invalid response: %v", err)
	}
	if len(resp.Results) != 1 {
		t.Fatalf("got %d results, want exactly 1: %+v", len(resp.Results), resp.Results)
	}
	return resp.Results[0]
}

// check is what a table case expects of the one result.
type check struct {
	status sdk.Status
	title  string   // exact, when set
	reason []string // substrings the reason must contain
	// evidence holds values the observation's evidence must carry, compared after a JSON round
	// trip (as argus will see them).
	evidence map[string]any
	// noEvidence lists keys that must be absent.
	noEvidence []string
}

func (c check) verify(t *testing.T, res sdk.Result) {
	t.Helper()
	if res.Status != c.status {
		t.Errorf("status = %q, want %q (reason: %s)", res.Status, c.status, res.Reason)
	}
	if c.title != "" && res.Title != c.title {
		t.Errorf("title = %q, want %q", res.Title, c.title)
	}
	for _, want := range c.reason {
		if !strings.Contains(res.Reason, want) {
			t.Errorf("reason %q does not contain %q", res.Reason, want)
		}
	}
	if res.Status != sdk.StatusPass && res.Reason == "" {
		t.Errorf("status %q with an empty reason", res.Status)
	}
	if len(c.evidence) == 0 && len(c.noEvidence) == 0 {
		return
	}
	if len(res.Observations) != 1 {
		t.Fatalf("got %d observations, want 1", len(res.Observations))
	}
	ev := roundTrip(t, res.Observations[0].Evidence)
	if len(c.evidence) > 0 {
		got := map[string]any{}
		for k := range c.evidence {
			if v, ok := ev[k]; ok {
				got[k] = v
			}
		}
		if diff := cmp.Diff(roundTrip(t, c.evidence), got); diff != "" {
			t.Errorf("evidence mismatch (-want +got):\n%s\nall evidence: %v", diff, ev)
		}
	}
	for _, k := range c.noEvidence {
		if v, ok := ev[k]; ok {
			t.Errorf("evidence has %q = %v, want it absent", k, v)
		}
	}
}

func roundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal evidence: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal evidence: %v", err)
	}
	return out
}

func TestLookupAndNames(t *testing.T) {
	names := Names()
	if want := []string{"builtin/command", "builtin/file", "builtin/http"}; !slices.Equal(names, want) {
		t.Fatalf("Names() = %v, want %v", names, want)
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v is not sorted", names)
	}
	for _, name := range names {
		if h, ok := Lookup(name); !ok || h == nil {
			t.Errorf("Lookup(%q) = %v, %v; want a handler", name, h, ok)
		}
	}
	for _, name := range []string{"", "builtin/", "file", "builtin/File", "builtin/shell"} {
		if _, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) found a provider, want none", name)
		}
	}
	names[0] = "changed"
	if Names()[0] != "builtin/command" {
		t.Error("Names() shares its slice between callers")
	}
}

func TestControls(t *testing.T) {
	for _, tc := range []struct {
		label string
		want  []string
	}{
		{"", nil},
		{"ac-6", []string{"ac-6"}},
		{" ac-6, ac-3 ,,", []string{"ac-6", "ac-3"}},
	} {
		req := sdk.Request{Job: sdk.Job{Labels: map[string]string{"control": tc.label}}}
		if diff := cmp.Diff(tc.want, controls(req)); diff != "" {
			t.Errorf("controls(%q) (-want +got):\n%s", tc.label, diff)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", excerptLimit) // 2 bytes each: the cut falls inside a character
	got := excerpt([]byte(long))
	if !strings.HasSuffix(got, "…[truncated]") {
		t.Errorf("excerpt of a long text does not say it was cut: ...%q", got[len(got)-20:])
	}
	if strings.ContainsRune(got, '\uFFFD') {
		t.Error("excerpt split a multi-byte character")
	}
	if got := excerpt([]byte("short\n")); got != "short\n" {
		t.Errorf("excerpt(short) = %q", got)
	}
}

// TestRunProtocol drives a built-in provider the way argus does: JSON on stdin, JSON on stdout.
func TestRunProtocol(t *testing.T) {
	h, ok := Lookup(CommandName)
	if !ok {
		t.Fatal("builtin/command not found")
	}
	in := `{"protocol": 1, "run_id": "r", "job": {"name": "sshd", "labels": {"control": "cm-6, ac-17"}},
	        "subject": {"type": "inventory-item", "identifier": "host/a"},
	        "config": {"command": ["sh", "-c", "echo PermitRootLogin no"], "expect_stdout": "(?m)^PermitRootLogin no$"},
	        "deadline": "2999-01-01T00:00:00Z"}`
	var stdout, stderr bytes.Buffer
	code := runProtocol(t, h, in, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d, stderr: %s", code, stderr.String())
	}
	resp, err := sdk.DecodeResponse(stdout.Bytes())
	if err != nil {
		t.Fatalf("decode stdout %q: %v", stdout.String(), err)
	}
	want := []sdk.Result{{
		Title:       `command [sh -c "echo PermitRootLogin no"]`,
		Description: `Runs the command and checks that it exits with 0, stdout matches "(?m)^PermitRootLogin no$".`,
		Status:      sdk.StatusPass,
		Reason:      `exit code is 0; stdout matches expect_stdout "(?m)^PermitRootLogin no$"`,
		Controls:    []string{"cm-6", "ac-17"},
	}}
	if diff := cmp.Diff(want, resp.Results, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Observations" }, cmp.Ignore())); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	ev := resp.Results[0].Observations[0].Evidence
	if ev["stdout"] != "PermitRootLogin no\n" || ev["exit_code"] != float64(0) {
		t.Errorf("evidence = %v, want stdout and exit code 0", ev)
	}
}

// runProtocol is sdk.Run with the test's context.
func runProtocol(t *testing.T, h sdk.Handler, stdin string, stdout, stderr *bytes.Buffer) int {
	return sdk.Run(t.Context(), strings.NewReader(stdin), stdout, stderr, h)
}

// ConfigKeys is what validate checks job configs against: it must be exactly what each
// provider decodes, or validate would reject a valid key (or accept a misspelt one).
func TestConfigKeysMatchDecoders(t *testing.T) {
	for _, name := range Names() {
		keys, required, ok := ConfigKeys(name)
		if !ok || !slices.Contains(keys, required) {
			t.Fatalf("%s: keys %v, required %q", name, keys, required)
		}
		h, _ := Lookup(name)
		for _, k := range keys {
			res := runOne(t, context.Background(), h, request(t, map[string]any{k: nil}, nil))
			if strings.Contains(res.Reason, "unknown field") {
				t.Errorf("%s: ConfigKeys lists %q, which the provider rejects: %s", name, k, res.Reason)
			}
		}
		res := runOne(t, context.Background(), h, request(t, map[string]any{"no_such_key": 1}, nil))
		if !strings.Contains(res.Reason, "unknown field") {
			t.Errorf("%s accepts an unknown key: %s", name, res.Reason)
		}
	}
	if _, _, ok := ConfigKeys("builtin/nope"); ok {
		t.Error("ConfigKeys knows a provider that does not exist")
	}
}
