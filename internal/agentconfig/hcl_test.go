package agentconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/compliance-framework/argus/internal/config"
)

// The blocks and attributes of the HCL shape argus uses for CCF plugins (CCF-SPEC.md). The
// converter must write nothing else.
var (
	specFile = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "control_plane"},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "job", LabelNames: []string{"name"}},
	}}
	specControlPlane = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "url", Required: true}, {Name: "client_id"}, {Name: "client_secret"},
	}}
	specProvider = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true}, {Name: "kind"}, {Name: "protocol_version"}, {Name: "policies"},
	}}
	specJob = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "provider", Required: true}, {Name: "schedule"}, {Name: "timeout"}, {Name: "config"},
		{Name: "policies"}, {Name: "policy_data"}, {Name: "policy_behavior"}, {Name: "labels"}, {Name: "env_allow"},
	}}
)

// envCtx evaluates env() as argus does, with every variable unset.
var envCtx = &hcl.EvalContext{Functions: map[string]function.Function{
	"env": function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl:   func([]cty.Value, cty.Type) (cty.Value, error) { return cty.StringVal(""), nil },
	}),
}}

// parseHCL parses the converter's output with HCL's own parser, checks it against the CCF
// shape, evaluates every attribute, and returns the attribute values by "block.label.attr".
func parseHCL(t testing.TB, src string) map[string]cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "out.argus.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("output does not parse: %v\n%s", diags, src)
	}
	vals := map[string]cty.Value{}
	content, diags := f.Body.Content(specFile)
	if diags.HasErrors() {
		t.Fatalf("output has blocks outside the CCF shape: %v\n%s", diags, src)
	}
	providers := map[string]bool{}
	for _, b := range content.Blocks {
		schema := map[string]*hcl.BodySchema{"control_plane": specControlPlane, "provider": specProvider, "job": specJob}[b.Type]
		bc, diags := b.Body.Content(schema)
		if diags.HasErrors() {
			t.Fatalf("%s block outside the CCF shape: %v\n%s", b.Type, diags, src)
		}
		prefix := b.Type + "."
		if len(b.Labels) > 0 {
			prefix += b.Labels[0] + "."
			if !config.ValidName(b.Labels[0]) {
				t.Errorf("%s name %q is not a valid argus name", b.Type, b.Labels[0])
			}
		}
		if b.Type == "provider" {
			providers[b.Labels[0]] = true
		}
		for name, attr := range bc.Attributes {
			v, diags := attr.Expr.Value(envCtx)
			if diags.HasErrors() {
				t.Fatalf("%s%s does not evaluate: %v", prefix, name, diags)
			}
			vals[prefix+name] = v
		}
	}
	for k, v := range vals {
		if strings.HasPrefix(k, "job.") && strings.HasSuffix(k, ".provider") && !providers[v.AsString()] {
			t.Errorf("%s = %q names no provider block", k, v.AsString())
		}
	}
	return vals
}

// TestParsedValues reads the full example's output back with the HCL parser and checks the
// values a plugin will receive.
func TestParsedValues(t *testing.T) {
	out, err := ConvertFile(Request{Path: "testdata/full.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	vals := parseHCL(t, string(out))
	str := func(k string) string {
		v, ok := vals[k]
		if !ok {
			t.Errorf("no %s", k)
			return ""
		}
		return v.AsString()
	}
	checks := map[string]string{
		"control_plane.url":            "https://ccf.example.com",
		"control_plane.client_id":      "123e4567-e89b-12d3-a456-426614174000",
		"provider.local-ssh.source":    "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3",
		"provider.local-ssh.kind":      "ccf-plugin",
		"job.local-ssh.schedule":       "0 3 * * *",
		"job.apt_versions.schedule":    "every 90m",
		"provider.apt_versions.source": "../plugin-apt-versions/dist",
		"provider.plain.source":        "./plugins/plain",
		"job.aws-ec2.schedule":         "0 0 * * *",
		"job.plain.schedule":           "* * * * *",
		"job.local-ssh.provider":       "local-ssh",
	}
	for k, want := range checks {
		if got := str(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if v := vals["provider.local-ssh.protocol_version"]; !v.Equals(cty.NumberIntVal(2)).True() {
		t.Errorf("protocol_version = %#v", v)
	}
	cfg := vals["job.local-ssh.config"].AsValueMap()
	for k, want := range map[string]string{"host": "localhost", "port": "22", "strict": "1", "password": ""} {
		if got := cfg[k].AsString(); got != want {
			t.Errorf("config.%s = %q, want %q", k, got, want)
		}
	}
	labels := vals["job.local-ssh.labels"].AsValueMap()
	if len(labels) != 2 || labels["team"].AsString() != "platform" || labels["env"].AsString() != "prod" {
		t.Errorf("labels = %#v", labels)
	}
	pd := vals["job.local-ssh.policy_data"]
	if !pd.GetAttr("max_auth_tries").Equals(cty.NumberIntVal(4)).True() || pd.GetAttr("allowed_users").LengthInt() != 2 ||
		!pd.GetAttr("limits").GetAttr("cpu").Equals(cty.NumberIntVal(2)).True() || pd.GetAttr("limits").Type().HasAttribute("mem limit") {
		t.Errorf("policy_data = %#v", pd)
	}
	pol := vals["job.local-ssh.policies"].AsValueSlice()
	if len(pol) != 2 || pol[1].AsString() != "policies/ssh" {
		t.Errorf("policies = %#v", pol)
	}
	if got := vals["job.local-ssh.policy_behavior"].GetAttr("skip").LengthInt(); got != 2 {
		t.Errorf("policy_behavior.skip has %d entries", got)
	}
	for _, secret := range []string{"agent-client-secret-do-not-print", "hunter2-do-not-print"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("output holds the secret %q", secret)
		}
	}
}

// TestLoads loads the converter's output with argus's own configuration loader.
func TestLoads(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARGUS_CLIENT_SECRET": "from-the-environment"}
	opts := &config.LoadOptions{
		Env:      func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Hostname: func() (string, error) { return "host-1", nil },
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			out, err := ConvertFile(Request{Path: in})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "agent.argus.hcl")
			if err := os.WriteFile(path, out, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, diags := config.Load(path, opts)
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					t.Errorf("the loader rejects the output: %s", d.Error())
				}
			}
			if diags.HasErrors() {
				return
			}
			if len(cfg.Providers) > 0 && !cfg.Providers[0].IsCCFPlugin() {
				t.Errorf("provider %q has kind %q, want %q", cfg.Providers[0].Name, cfg.Providers[0].Kind, config.KindCCFPlugin)
			}
			if cfg.ControlPlane == nil || cfg.ControlPlane.ClientSecret != env["ARGUS_CLIENT_SECRET"] && cfg.ControlPlane.ClientID != "" {
				t.Errorf("control plane = %+v", cfg.ControlPlane)
			}
		})
	}
}
