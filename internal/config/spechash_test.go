package config

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

func TestSpecHash(t *testing.T) {
	base := Job{
		Name:     "etc-passwd-perms",
		Provider: "builtin/file",
		Schedule: "every 1h",
		Timeout:  30 * time.Second,
		Labels:   map[string]string{"team": "platform", "control": "ac-6"},
		Subject:  Subject{Type: "inventory-item", Identifier: "host/web-1"},
		Config:   json.RawMessage(`{"path":"/etc/passwd","max_mode":"0644"}`),
		EnvAllow: []string{"A", "B"},
	}
	h := base.SpecHash()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
		t.Fatalf("SpecHash = %q, want 64 hex digits", h)
	}
	tests := []struct {
		name   string
		change func(*Job)
		same   bool
	}{
		{"schedule", func(j *Job) { j.Schedule = "0 3 * * *" }, true},
		{"name", func(j *Job) { j.Name = "renamed" }, true},
		{"range", func(j *Job) { j.Range.Start.Line = 99 }, true},
		{"config key order and space", func(j *Job) { j.Config = json.RawMessage("{ \"max_mode\": \"0644\",\n \"path\": \"/etc/passwd\" }") }, true},
		{"env_allow order", func(j *Job) { j.EnvAllow = []string{"B", "A"} }, true},
		{"provider", func(j *Job) { j.Provider = "builtin/command" }, false},
		{"config value", func(j *Job) { j.Config = json.RawMessage(`{"path":"/etc/shadow","max_mode":"0644"}`) }, false},
		{"config nested order", func(j *Job) { j.Config = json.RawMessage(`{"path":"/etc/passwd","max_mode":"0644","x":{"b":1,"a":2}}`) }, false},
		{"subject type", func(j *Job) { j.Subject.Type = "service" }, false},
		{"subject identifier", func(j *Job) { j.Subject.Identifier = "host/web-2" }, false},
		{"label value", func(j *Job) { j.Labels = map[string]string{"team": "sre", "control": "ac-6"} }, false},
		{"label added", func(j *Job) { j.Labels = map[string]string{"team": "platform", "control": "ac-6", "x": ""} }, false},
		{"timeout", func(j *Job) { j.Timeout = time.Minute }, false},
		{"env_allow", func(j *Job) { j.EnvAllow = []string{"A"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := base
			j.Labels = map[string]string{"team": "platform", "control": "ac-6"}
			j.EnvAllow = []string{"A", "B"}
			tt.change(&j)
			if got := j.SpecHash(); (got == h) != tt.same {
				t.Errorf("SpecHash after changing %s: same = %v, want %v", tt.name, got == h, tt.same)
			}
		})
	}
	if base.EnvAllow[0] != "A" || base.EnvAllow[1] != "B" {
		t.Errorf("SpecHash reordered the job's EnvAllow: %v", base.EnvAllow)
	}
}

func TestSpecHashEquivalentEmpties(t *testing.T) {
	a := Job{Provider: "p", Config: nil}
	b := Job{Provider: "p", Config: json.RawMessage("{}"), Labels: map[string]string{}, EnvAllow: []string{}}
	if a.SpecHash() != b.SpecHash() {
		t.Error("nil and empty config, labels and env_allow hash differently")
	}
	// Config that is not JSON (Load never produces it) still hashes, distinctly.
	c := Job{Provider: "p", Config: json.RawMessage("{not json")}
	d := Job{Provider: "p", Config: json.RawMessage("{not json either")}
	if c.SpecHash() == d.SpecHash() || c.SpecHash() == a.SpecHash() {
		t.Error("invalid configs hash alike")
	}
}

// The hash of a loaded job must not depend on how its config was written in HCL.
func TestSpecHashOfLoadedConfig(t *testing.T) {
	load := func(config string) string {
		t.Helper()
		path := writeConfig(t, "job \"j\" {\n  provider = \"builtin/file\"\n  config = "+config+"\n}\n")
		cfg, diags := Load(path, testOptions(nil))
		if diags.HasErrors() {
			t.Fatalf("unexpected diagnostics:\n%s", renderDiags(cfg, diags))
		}
		return cfg.Jobs[0].SpecHash()
	}
	a := load(`{ path = "/etc/passwd", owner = "root" }`)
	b := load("{\n    owner = \"root\"\n    path  = \"/etc/passwd\"\n  }")
	if a != b {
		t.Error("reformatting a job's config changed its spec hash")
	}
}
