package agentremote

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/compliance-framework/argus/internal/config"
)

// A CCF plugin job's policies, policy_data and policy_behavior go out and come back; its
// config becomes the map of strings the plugin receives.
func TestConfigJoinCCFPlugin(t *testing.T) {
	cfg := &config.Config{
		Providers: []config.Provider{{Name: "ssh", Source: "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3", Kind: config.KindCCFPlugin,
			ProtocolVersion: 2, Policies: []string{"ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1"}}},
		Jobs: []config.Job{{Name: "ssh", Provider: "ssh", Schedule: "every 1h", Config: []byte(`{"host":"localhost"}`),
			PluginConfig: map[string]string{"host": "localhost"}, Policies: []string{"ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1"},
			PolicyData: map[string]any{"max_auth_tries": float64(4)}}},
	}
	jobs, providers := FromConfig(cfg)
	if j := jobs[0]; len(j.Policies) != 1 || j.ProtocolVersion != 2 || j.PolicyData["max_auth_tries"] != float64(4) {
		t.Fatalf("projected %+v", j)
	}
	base, err := Project(jobs)
	if err != nil {
		t.Fatal(err)
	}
	eff, err := Merge(base, []byte(`{"plugins":{"ssh":{"config":{"port":"2222"},"policy_data":{"max_auth_tries":3},"policy_behavior":{"skip":["r1"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unproject(eff, jobs, providers)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkPolicyFields(back, isCCFPlugin(cfg)); err != nil {
		t.Fatal(err)
	}
	if err := ToConfig(cfg, back, "h"); err != nil {
		t.Fatal(err)
	}
	j := cfg.Jobs[0]
	if j.PluginConfig["port"] != "2222" || j.PluginConfig["host"] != "localhost" || j.PolicyBehavior["skip"][0] != "r1" ||
		!sameJSON(j.PolicyData, map[string]any{"max_auth_tries": 3}) || len(j.Policies) != 1 {
		t.Fatalf("job %+v", j)
	}
	var m map[string]any
	if err := json.Unmarshal(j.Config, &m); err != nil || m["port"] != "2222" {
		t.Fatalf("config %s", j.Config)
	}
	// A structured value is not a CCF plugin config value.
	back[0].Config = json.RawMessage(`{"hosts":["a","b"]}`)
	if err := ToConfig(cfg, back, "h"); err == nil {
		t.Fatal("a list in a CCF plugin's config converted")
	}
}

func TestCheckCCFPluginConfig(t *testing.T) {
	ccf := func(string) bool { return true }
	if err := checkPolicyFields([]Job{{Name: "a", Provider: "ssh", Config: json.RawMessage(`{"l":[1]}`)}}, ccf); err == nil {
		t.Fatal("a list in a CCF plugin's config passed the check")
	}
	if err := checkPolicyFields([]Job{{Name: "a", Provider: "ssh", Config: json.RawMessage(`{"n":1,"b":true,"s":"x"}`)}}, ccf); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRemoteProviders(t *testing.T) {
	base := []Job{{Name: "a", Provider: "builtin/command", Config: json.RawMessage(`{"command":["true"]}`)}}
	deny := func(p string) error {
		if p == "builtin/command" {
			return errors.New("not allowed")
		}
		return nil
	}
	for _, tc := range []struct {
		name string
		eff  []Job
		ok   bool
	}{
		{"unchanged (schedule only)", []Job{{Name: "a", Provider: "builtin/command", Schedule: "every 5m", Config: json.RawMessage(`{ "command": ["true"] }`)}}, true},
		{"config changed", []Job{{Name: "a", Provider: "builtin/command", Config: json.RawMessage(`{"command":["rm"]}`)}}, false},
		{"new job", []Job{base[0], {Name: "b", Provider: "builtin/command", New: true}}, false},
		{"new job, allowed provider", []Job{base[0], {Name: "b", Provider: "builtin/file", New: true}}, true},
		{"provider changed", []Job{{Name: "a", Provider: "builtin/file", Config: base[0].Config}}, true},
	} {
		err := checkRemoteProviders(tc.eff, base, deny)
		var fe *ForbiddenError
		if tc.ok != (err == nil) || (err != nil && !errors.As(err, &fe)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestCheckProtocolVersions(t *testing.T) {
	cfg := &config.Config{Providers: []config.Provider{{Name: "ssh", Kind: config.KindCCFPlugin, ProtocolVersion: 2}}}
	if err := checkProtocolVersions([]Job{{Name: "a", Provider: "ssh", ProtocolVersion: 2}}, cfg); err != nil {
		t.Fatal(err)
	}
	var ue *UnsupportedError
	if err := checkProtocolVersions([]Job{{Name: "a", Provider: "ssh", ProtocolVersion: 1}}, cfg); !errors.As(err, &ue) {
		t.Fatalf("a per-job protocol version: %v", err)
	}
}
