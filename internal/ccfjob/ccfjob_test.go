package ccfjob

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/ocitest"
)

// TestPolicyPaths checks that every kind of policy source reaches the plugin as the string the
// agent would pass (the path is part of every stream UUID), and that the working directory
// holds exactly those paths, with the verified content.
func TestPolicyPaths(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "project")
	abs := filepath.Join(root, "abs-policies")
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "plugin"), "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "plugin"), 0o755); err != nil { //nolint:gosec // G302: the plugin must be executable
		t.Fatal(err)
	}
	write(filepath.Join(dir, "policies", "ssh", "policies", "a.rego"), "package compliance_framework.a\n")
	write(filepath.Join(root, "outside", "flat", "b.rego"), "package compliance_framework.b\n")
	write(filepath.Join(dir, "bundle.tar.gz"), "bundle bytes")
	write(filepath.Join(abs, "policies", "c.rego"), "package compliance_framework.c\n")
	ocitest.Push(t, ocitest.Layout(t, filepath.Join(dir, "layout")), "v1", ocitest.Policy(t, "v1", map[string]string{"d.rego": "package compliance_framework.d\n"}))

	sources := []string{"policies/ssh", "../outside/flat", "./bundle.tar.gz", abs, "oci-layout://./layout:v1"}
	cfg := &config.Config{
		Dir:       dir,
		Providers: []config.Provider{{Name: "p", Source: "./plugin", LocalPath: filepath.Join(dir, "plugin"), Kind: config.KindCCFPlugin}},
		Jobs:      []config.Job{{Name: "j", Provider: "p", Policies: sources}},
	}
	ca := &cache.Cache{Dir: t.TempDir()}
	res, err := install.Init(context.Background(), install.Request{Config: cfg, Cache: ca, Fetcher: nil0{}})
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	r := &Runner{Verifier: &install.Verifier{Cache: ca, Config: cfg, Lock: res.Lock}, WorkDir: filepath.Join(ca.Dir, "run")}
	pj, err := r.Prepare(context.Background(), &cfg.Jobs[0])
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	j, ok := pj.(*pluginJob)
	if !ok {
		t.Fatalf("Prepare returned %T", pj)
	}
	var args []string
	for _, p := range j.policies {
		args = append(args, p.arg)
	}
	want := []string{"policies/ssh/policies", "../outside/flat", "./bundle.tar.gz", filepath.Join(abs, "policies"), ".compliance-framework/policies/layout/v1/policies"}
	if !slices.Equal(args, want) {
		t.Fatalf("policy paths\n got %q\nwant %q", args, want)
	}
	base, cwd, err := j.workDir()
	if err != nil {
		t.Fatalf("workDir: %v", err)
	}
	defer func() { _ = os.RemoveAll(base) }()
	for _, f := range []string{"policies/ssh/policies/a.rego", "../outside/flat/b.rego", "bundle.tar.gz", ".compliance-framework/policies/layout/v1/policies/d.rego", ".compliance-framework/policies/layout/v1/data.json"} {
		p := filepath.Join(cwd, f)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s in the working directory: %v, %v (want a regular file)", f, fi, err)
		}
		if rel, _ := filepath.Rel(base, p); rel == "" || rel[0] == '.' && rel != "." && rel[:2] == ".." {
			t.Errorf("%s lands outside the run's directory", f)
		}
	}

	// A changed absolute source fails before anything runs, as a tampered cache entry does.
	write(filepath.Join(abs, "policies", "c.rego"), "package compliance_framework.changed\n")
	r.Verifier = &install.Verifier{Cache: ca, Config: cfg, Lock: res.Lock}
	if _, err := r.Prepare(context.Background(), &cfg.Jobs[0]); err == nil {
		t.Error("Prepare accepted an absolute policy source changed since it was locked")
	}
}

// nil0 is the argus-registry fetcher of an install that must not use it.
type nil0 struct{}

func (nil0) Fetch(context.Context, string, string) error { return os.ErrInvalid }

// A job spec from the control plane has only the common attributes: its plugin config comes
// from its JSON config, its policies from its provider.
func TestFromSpec(t *testing.T) {
	cfg := &config.Config{Providers: []config.Provider{{Name: "p", Kind: config.KindCCFPlugin, Policies: []string{"./pol"}}}}
	j, err := fromSpec(&config.Job{Name: "remote", Provider: "p", Config: []byte(`{"host":"h","port":22,"strict":true}`)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"host": "h", "port": "22", "strict": "true"}; !maps.Equal(j.PluginConfig, want) || !slices.Equal(j.Policies, []string{"./pol"}) {
		t.Errorf("fromSpec = config %v, policies %v", j.PluginConfig, j.Policies)
	}
	if _, err := fromSpec(&config.Job{Name: "remote", Provider: "p", Config: []byte(`{"nested":{"a":1}}`)}, cfg); err == nil {
		t.Error("fromSpec accepted an object in a plugin's config")
	}
}
