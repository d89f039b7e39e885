package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/google/uuid"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/ocitest"
)

// buildTestPlugin builds internal/ccfplugin/testplugin (argus's own CCF plugin for tests) with
// the go command running the tests.
func buildTestPlugin(t testing.TB) ([]byte, error) {
	out := filepath.Join(t.TempDir(), "plugin")
	cmd := exec.CommandContext(context.Background(), "go", "build", "-o", out, "./internal/ccfplugin/testplugin")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the test plugin: %w\n%s", err, b)
	}
	return os.ReadFile(out)
}

// checkCCFPluginDelivery pushes the test plugin and a policy bundle to a real OCI registry in
// the agent's layout, installs and runs them with argus against the API at base (through a
// recording proxy), and checks that every evidence was answered 201 in the plugin's own
// streams: the UUIDs the plugin computed from the agent's policy path and the host name.
func checkCCFPluginDelivery(t *testing.T, base string) {
	t.Helper()
	exe, err := buildTestPlugin(t)
	if err != nil {
		t.Fatal(err)
	}
	reg := ocitest.Start(t, nil)
	host := ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	ocitest.Push(t, reg.Repository(t, "acme/plugin-it"), "v1", ocitest.Plugin(t, "v1", 1, true, exe, host))
	ocitest.Push(t, reg.Repository(t, "acme/plugin-it-policies"), "v0.1.0", ocitest.Policy(t, "v0.1.0", map[string]string{"it.rego": "package compliance_framework.it\n"}))

	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &recordingProxy{}
	srv := httptest.NewServer(proxy.handler(target))
	t.Cleanup(srv.Close)

	work := t.TempDir()
	cfg := filepath.Join(work, "ccf.argus.hcl")
	hcl := fmt.Sprintf(`control_plane {
  url = %q
}
provider "it" {
  source   = %q
  policies = [%q]
}
job "it" {
  provider = "it"
  timeout  = "60s"
  labels   = { suite = "argus-it-ccf" }
}
`, srv.URL, reg.Ref("acme/plugin-it", "v1"), reg.Ref("acme/plugin-it-policies", "v0.1.0"))
	if err := os.WriteFile(cfg, []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	const hostname = "argus-it-host"
	run := func(args ...string) (int, []byte) {
		cmd := argusCmd(t.Context(), t, work, args...)
		cmd.Env = append(cmd.Env, "HOSTNAME="+hostname)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, out
		case errors.As(err, &ee):
			return ee.ExitCode(), out
		}
		t.Fatal(err)
		return 0, nil
	}
	if code, out := run("init", "--config", cfg); code != 0 {
		t.Fatalf("argus init exited %d:\n%s", code, out)
	}
	// 1: one of the plugin's three evidences is not satisfied. 4 would mean undelivered.
	if code, out := run("assess", "--config", cfg, "--state-dir", filepath.Join(work, "state"), "--all", "--retry-budget", "60s"); code != 1 {
		t.Fatalf("argus assess exited %d, want 1 (4 means undelivered):\n%s", code, out)
	}
	path := ".compliance-framework/policies/acme/plugin-it-policies/v0.1.0/policies"
	var want, got []string
	for i := range 3 {
		want = append(want, uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s|%s|%d", path, hostname, i)).String())
	}
	for _, ex := range proxy.take() {
		if ex.Method+" "+ex.Path != "POST /api/evidence" {
			continue
		}
		if ex.Status != http.StatusCreated {
			t.Errorf("plugin evidence answered %d, want 201: %s", ex.Status, ex.Body)
		}
		var ev struct {
			UUID   string            `json:"uuid"`
			Labels map[string]string `json:"labels"`
		}
		if err := json.Unmarshal(ex.Body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Labels["_plugin"] != "it" || ev.Labels["suite"] != "argus-it-ccf" || ev.Labels["hostname"] != hostname {
			t.Errorf("evidence %s labels %v, want _plugin=it, suite and hostname merged", ev.UUID, ev.Labels)
		}
		got = append(got, ev.UUID)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("plugin evidence streams %v, want the plugin's own %v", got, want)
	}
}

// TestCCFPluginStreams is checkCCFPluginDelivery against the fake control plane, so that the
// plugin's stream UUIDs (the agent's policy path and HOSTNAME reaching the plugin unchanged)
// are checked on every run, not only where the real API is available.
func TestCCFPluginStreams(t *testing.T) {
	checkCCFPluginDelivery(t, cptest.Start(t, cptest.Options{}).URL)
}
