package jobsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/jobsync"
)

// fetcher answers from a script of responses and records the ETags it was sent.
type fetcher struct {
	resp  controlplane.JobsResponse
	err   error
	etags []string
}

func (f *fetcher) Jobs(_ context.Context, _ uuid.UUID, etag string) (controlplane.JobsResponse, error) {
	f.etags = append(f.etags, etag)
	return f.resp, f.err
}

func spec(name, provider string) controlplane.JobSpec {
	return controlplane.JobSpec{Name: name, Provider: provider, Config: json.RawMessage(`{"command":["true"]}`)}
}

func names(specs []controlplane.JobSpec) string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return strings.Join(out, ",")
}

func TestFetchKeepsLastGoodCopy(t *testing.T) {
	dir := t.TempDir()
	rt := uuid.New()
	ctx := t.Context()
	f := &fetcher{resp: controlplane.JobsResponse{ETag: `"v1"`, Jobs: []controlplane.JobSpec{spec("a", "builtin/command")}}}

	// No copy and the control plane down: an error, no specs.
	f.err = errors.New("connection refused")
	specs, src, err := jobsync.Fetch(ctx, f, dir, rt)
	if err == nil || !strings.Contains(err.Error(), "no last good copy") || specs != nil || src != "" {
		t.Fatalf("down, no copy: %v %q %v", specs, src, err)
	}

	// Up: the specs, kept on disk with their ETag.
	f.err = nil
	specs, src, err = jobsync.Fetch(ctx, f, dir, rt)
	if err != nil || src != jobsync.FromControlPlane || names(specs) != "a" {
		t.Fatalf("up: %v %q %v", names(specs), src, err)
	}
	if _, err := os.Stat(filepath.Join(dir, jobsync.CacheFile)); err != nil {
		t.Fatal(err)
	}

	// Unchanged: the ETag is sent, 304 answers, the copy is used.
	f.resp = controlplane.JobsResponse{NotModified: true}
	specs, src, err = jobsync.Fetch(ctx, f, dir, rt)
	if err != nil || src != jobsync.FromUnchanged || names(specs) != "a" || f.etags[len(f.etags)-1] != `"v1"` {
		t.Fatalf("304: %v %q %v, etags %q", names(specs), src, err, f.etags)
	}

	// Down: the copy, with the error as a warning naming when it was fetched.
	f.err = errors.New("connection refused")
	specs, src, err = jobsync.Fetch(ctx, f, dir, rt)
	if src != jobsync.FromLastGood || names(specs) != "a" || err == nil || !strings.Contains(err.Error(), "using the last good copy from ") {
		t.Fatalf("down with a copy: %v %q %v", names(specs), src, err)
	}
	got, err := jobsync.LastGood(dir)
	if err != nil || names(got) != "a" {
		t.Errorf("LastGood: %v %v", names(got), err)
	}
	if got, err := jobsync.LastGood(t.TempDir()); got != nil || err != nil {
		t.Errorf("LastGood with no copy: %v %v", got, err)
	}
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name      string
		specs     []controlplane.JobSpec
		wantJobs  string
		wantWarns []string
	}{
		{"added and sorted", []controlplane.JobSpec{spec("z-remote", "builtin/file"), spec("a-remote", "builtin/file")}, "a-remote,local,z-remote", nil},
		{"local wins", []controlplane.JobSpec{spec("local", "builtin/file")}, "local", []string{`job "local" from the control plane is also defined locally; the local job wins`}},
		{"twice", []controlplane.JobSpec{spec("r", "builtin/file"), spec("r", "builtin/http")}, "local,r", []string{`job "r" comes twice from the control plane; the first wins`}},
		// Issue 15 item 6: a control plane (or whoever is on its path) must not hand out
		// arbitrary commands unless the local configuration says so.
		{"command refused by default", []controlplane.JobSpec{spec("r", "builtin/command")}, "local", []string{`jobs from the control plane may use it only when control_plane.remote_providers lists it`}},
		{"command allowed when listed", []controlplane.JobSpec{spec("r", "builtin/command")}, "local,r", nil},
		{"unlisted provider refused", []controlplane.JobSpec{spec("r", "builtin/file")}, "local", []string{`provider "builtin/file" is not in control_plane.remote_providers (argus.hcl:3,`}},
		{"unknown provider", []controlplane.JobSpec{spec("r", "acme/x")}, "local", []string{`provider "acme/x" is neither built in nor declared`}},
		{"declared provider", []controlplane.JobSpec{spec("r", "cis")}, "cis-job,local,r", nil},
		{"bad name", []controlplane.JobSpec{spec("../x", "builtin/file")}, "local", []string{"is not a valid job name"}},
		{"bad schedule and timeout", []controlplane.JobSpec{{Name: "r", Provider: "builtin/file", Schedule: "sometimes", Timeout: "-1s"}}, "local", []string{`timeout "-1s" is not a positive duration`}},
		{"secret variable", []controlplane.JobSpec{{Name: "r", Provider: "builtin/file", EnvAllow: []string{"ARGUS_CLIENT_SECRET"}}}, "local", []string{`env_allow names "ARGUS_CLIENT_SECRET"`}},
		{"half a subject", []controlplane.JobSpec{{Name: "r", Provider: "builtin/file", Subject: controlplane.SubjectSpec{Type: "x"}}}, "local", []string{"subject needs both type and identifier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{Jobs: []config.Job{{Name: "local", Provider: "builtin/command"}}}
			switch tt.name {
			case "command allowed when listed":
				cfg.ControlPlane = &config.ControlPlane{RemoteProviders: []string{"builtin/command"}}
			case "unlisted provider refused":
				cfg.ControlPlane = &config.ControlPlane{RemoteProviders: []string{"builtin/command"}, RemoteProvidersRange: hcl.Range{Filename: "argus.hcl", Start: hcl.Pos{Line: 3, Column: 3}, End: hcl.Pos{Line: 3, Column: 40}}}
			}
			if tt.name == "declared provider" {
				cfg.Providers = []config.Provider{{Name: "cis"}}
				cfg.Jobs = append(cfg.Jobs, config.Job{Name: "cis-job", Provider: "cis"})
			}
			warns := jobsync.Merge(cfg, tt.specs, "web-1")
			var got []string
			for _, j := range cfg.Jobs {
				got = append(got, j.Name)
			}
			if strings.Join(got, ",") != tt.wantJobs {
				t.Errorf("jobs %v, want %s", got, tt.wantJobs)
			}
			if len(warns) != len(tt.wantWarns) {
				t.Fatalf("warnings %q, want %d", warns, len(tt.wantWarns))
			}
			for i, w := range tt.wantWarns {
				if !strings.Contains(warns[i], w) {
					t.Errorf("warning %q, want it to contain %q", warns[i], w)
				}
			}
		})
	}
}

func TestMergeDefaults(t *testing.T) {
	cfg := &config.Config{}
	jobsync.Merge(cfg, []controlplane.JobSpec{{Name: "r", Provider: "builtin/file"}}, "web-1")
	j := cfg.Jobs[0]
	if j.Schedule != "always" || j.Timeout != config.DefaultJobTimeout || string(j.Config) != "{}" ||
		j.Subject != (config.Subject{Type: "inventory-item", Identifier: "host/web-1"}) || j.Range.Filename != "control plane" {
		t.Errorf("defaults: %+v", j)
	}
}
