package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadCCF loads the CCF plugin attributes of provider and job blocks: an OCI source makes
// a CCF plugin, a job's policies replace its provider's, config becomes strings, policy_data
// and policy_behavior keep their shapes.
func TestLoadCCF(t *testing.T) {
	dir := t.TempDir()
	src := `
provider "ssh" {
  source           = "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"
  protocol_version = 2
  policies         = ["ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1"]
}
provider "local" {
  source = "./plugins/apt"
  kind   = "ccf-plugin"
}
provider "layout" {
  source = "oci-layout://./oci:v1"
}
job "a" {
  provider = "ssh"
  config   = { host = "localhost", port = 22, strict = true, ratio = 0.5 }
}
job "b" {
  provider        = "ssh"
  policies        = ["policies/ssh", "./bundle.tar.gz"]
  policy_data     = { max_auth_tries = 4, users = ["root"], limits = { cpu = 2 } }
  policy_behavior = { skip = ["rule-a", "rule-b"] }
}
job "c" {
  provider = "local"
}
`
	path := filepath.Join(dir, "x.argus.hcl")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(path, testOptions(nil))
	if diags.HasErrors() {
		t.Fatalf("Load: %s", renderDiags(cfg, diags))
	}
	kinds := map[string][2]bool{} // name -> CCF, OCI
	for _, p := range cfg.Providers {
		kinds[p.Name] = [2]bool{p.IsCCFPlugin(), p.IsOCI()}
	}
	if want := map[string][2]bool{"ssh": {true, true}, "local": {true, false}, "layout": {true, true}}; !cmp.Equal(kinds, want) {
		t.Errorf("kinds (CCF, OCI) = %v, want %v", kinds, want)
	}
	if p := cfg.Providers[2]; p.Name != "ssh" || p.ProtocolVersion != 2 {
		t.Errorf("provider ssh = %+v, want protocol_version 2", p)
	}
	a, b, c := cfg.Jobs[0], cfg.Jobs[1], cfg.Jobs[2]
	if want := map[string]string{"host": "localhost", "port": "22", "strict": "true", "ratio": "0.5"}; !cmp.Equal(a.PluginConfig, want) {
		t.Errorf("job a plugin config = %v, want %v", a.PluginConfig, want)
	}
	if want := []string{"ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1"}; !cmp.Equal(a.Policies, want) {
		t.Errorf("job a policies = %v, want the provider's %v", a.Policies, want)
	}
	if want := []string{"policies/ssh", "./bundle.tar.gz"}; !cmp.Equal(b.Policies, want) {
		t.Errorf("job b policies = %v, want its own %v", b.Policies, want)
	}
	wantData := map[string]any{"max_auth_tries": float64(4), "users": []any{"root"}, "limits": map[string]any{"cpu": float64(2)}}
	if !cmp.Equal(b.PolicyData, wantData) {
		t.Errorf("job b policy_data = %v, want %v", b.PolicyData, wantData)
	}
	if want := map[string][]string{"skip": {"rule-a", "rule-b"}}; !cmp.Equal(b.PolicyBehavior, want) {
		t.Errorf("job b policy_behavior = %v, want %v", b.PolicyBehavior, want)
	}
	if c.Policies != nil || len(c.PluginConfig) != 0 {
		t.Errorf("job c = policies %v, config %v; want none", c.Policies, c.PluginConfig)
	}
	if a.SpecHash() == b.SpecHash() {
		t.Error("jobs with different policies have the same spec hash")
	}
}
