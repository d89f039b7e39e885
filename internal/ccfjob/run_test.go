package ccfjob

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/ccfplugin/host"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/sdk"
)

// TestRun runs the test plugin (built from internal/ccfplugin/testplugin) through Prepare and
// Run: results, the plugin's documents for the outbox, and a failure as an error result.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "plugin")
	build := exec.CommandContext(context.Background(), "go", "build", "-o", exe, "../ccfplugin/testplugin")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the test plugin: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(dir, "pol", "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pol", "policies", "a.rego"), []byte("package compliance_framework.a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	job := func(name string, cfg map[string]string) config.Job {
		return config.Job{Name: name, Provider: "p", Timeout: 30 * time.Second, PluginConfig: cfg, Policies: []string{"./pol"}, Labels: map[string]string{"team": "a"}}
	}
	cfg := &config.Config{
		Dir:       dir,
		Providers: []config.Provider{{Name: "p", Source: "./plugin", LocalPath: exe, Kind: config.KindCCFPlugin, ProtocolVersion: 2}},
		Jobs: []config.Job{
			job("good", map[string]string{"testplugin_protocol": "2", "testplugin_mode": "templates"}),
			job("crash", map[string]string{"testplugin_protocol": "2", "testplugin_mode": "crash"}),
		},
	}
	if !HasPlugins(cfg) {
		t.Fatal("HasPlugins = false")
	}
	ca := &cache.Cache{Dir: t.TempDir()}
	res, err := install.Init(context.Background(), install.Request{Config: cfg, Cache: ca, Fetcher: nil0{}})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{
		Verifier: &install.Verifier{Cache: ca, Config: cfg, Lock: res.Lock},
		Host:     &host.Host{}, WorkDir: filepath.Join(ca.Dir, "run"),
		Environ: []string{"PATH=" + os.Getenv("PATH"), "ARGUS_CLIENT_SECRET=s3cret"}, Hostname: "host-1",
		Agent: AgentLabel(cfg, func(string) string { return "" }, "host-1"),
	}
	pj, err := r.Prepare(context.Background(), &cfg.Jobs[0])
	if err != nil {
		t.Fatal(err)
	}
	out, docs := pj.Run(context.Background(), "run-1")
	if out.Failure != nil || len(out.Results) != 3 {
		t.Fatalf("good run: %v, %d results: %+v", out.Failure, len(out.Results), out.Results)
	}
	kinds := map[string]int{}
	for _, d := range docs {
		kinds[d.Kind]++
		if d.Kind == outbox.KindPluginEvidence {
			var ev struct {
				Labels map[string]string `json:"labels"`
			}
			if err := json.Unmarshal(d.Payload, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Labels["_agent"] != "argus@host-1" || ev.Labels["_plugin"] != "good" || ev.Labels["team"] != "a" || ev.Labels["hostname"] != "host-1" {
				t.Errorf("labels %v", ev.Labels)
			}
			if ev.Labels["_policy_path"] != "pol/policies" {
				t.Errorf("policy path %q, want the agent's pol/policies", ev.Labels["_policy_path"])
			}
		}
	}
	if kinds[outbox.KindPluginEvidence] != 3 || kinds[outbox.KindRiskTemplates] != 1 || kinds[outbox.KindSubjectTemplates] != 1 {
		t.Errorf("documents %v, want 3 evidence and one batch of each template kind", kinds)
	}
	if entries, _ := os.ReadDir(r.WorkDir); len(entries) != 0 {
		t.Errorf("working directories left behind: %v", entries)
	}

	pj, err = r.Prepare(context.Background(), &cfg.Jobs[1])
	if err != nil {
		t.Fatal(err)
	}
	out, docs = pj.Run(context.Background(), "run-1")
	if out.Failure == nil || len(docs) != 0 || out.Results[len(out.Results)-1].Status != sdk.StatusError {
		t.Errorf("crash run: failure %v, %d documents, results %+v", out.Failure, len(docs), out.Results)
	}

	// The _agent label: client id, else the pod, else argus@host.
	cfg.ControlPlane = &config.ControlPlane{ClientID: "id-1"}
	if got := AgentLabel(cfg, func(string) string { return "pod-1" }, "h"); got != "id-1" {
		t.Errorf("AgentLabel with a client id = %q", got)
	}
	cfg.ControlPlane = nil
	if got := AgentLabel(cfg, func(k string) string { return map[string]string{"KUBERNETES_POD": "pod-1"}[k] }, "h"); got != "pod-1" {
		t.Errorf("AgentLabel in a pod = %q", got)
	}
}
