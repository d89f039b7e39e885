// Package jobsync brings job specs from the control plane into a configuration: it fetches
// them (with ETag, so an unchanged set costs one 304), keeps the last good copy in the state
// directory for when the control plane cannot be reached, and merges them with the local HCL
// jobs, where a local job wins a name clash.
//
// It is not responsible for the HTTP exchange (package controlplane) or for local HCL
// (package config).
package jobsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/schedule"
)

// Fetcher gets the job specs of one runtime.
type Fetcher interface {
	Jobs(ctx context.Context, runtimeID uuid.UUID, etag string) (controlplane.JobsResponse, error)
}

var _ Fetcher = (*controlplane.Client)(nil)

// CacheFile is the last good copy of the control plane's job specs, in the state directory.
const CacheFile = "controlplane-jobs.json"

type cached struct {
	ETag    string          `json:"etag,omitempty"`
	Fetched time.Time       `json:"fetched"`
	Data    json.RawMessage `json:"data"`
}

// Source says where the specs came from.
type Source string

// The sources Fetch reports.
const (
	FromControlPlane Source = "control plane"
	FromUnchanged    Source = "control plane (unchanged since the last fetch)"
	FromLastGood     Source = "last good copy"
)

// Fetch returns the control plane's job specs. When the control plane cannot be reached it
// returns the last good copy with FromLastGood and the fetch error (a warning for the caller);
// when there is no copy either, it returns only the error.
func Fetch(ctx context.Context, f Fetcher, stateDir string, runtimeID uuid.UUID) ([]controlplane.JobSpec, Source, error) {
	path := filepath.Join(stateDir, CacheFile)
	prev, prevErr := readCache(path)
	etag := ""
	if prevErr == nil {
		etag = prev.ETag
	}
	resp, err := f.Jobs(ctx, runtimeID, etag)
	switch {
	case err == nil && resp.NotModified && prevErr == nil:
		specs, derr := decode(prev.Data)
		return specs, FromUnchanged, derr
	case err == nil && !resp.NotModified:
		data, merr := json.Marshal(struct {
			Jobs      []controlplane.JobSpec      `json:"jobs"`
			Providers []controlplane.ProviderSpec `json:"providers,omitempty"`
		}{resp.Jobs, resp.Providers})
		if merr == nil {
			b, _ := json.MarshalIndent(cached{ETag: resp.ETag, Fetched: time.Now().UTC(), Data: data}, "", "  ")
			if werr := atomicfile.WriteFile(path, b, 0o600); werr != nil {
				return resp.Jobs, FromControlPlane, fmt.Errorf("keep last good copy of the job specs: %w", werr)
			}
		}
		return resp.Jobs, FromControlPlane, nil
	case err == nil:
		err = errors.New("the control plane answered 304 Not Modified but there is no last good copy")
	}
	if prevErr != nil {
		return nil, "", fmt.Errorf("fetch job specs from the control plane (and no last good copy: %w): %w", prevErr, err)
	}
	specs, derr := decode(prev.Data)
	if derr != nil {
		return nil, "", errors.Join(err, derr)
	}
	return specs, FromLastGood, fmt.Errorf("fetch job specs from the control plane, using the last good copy from %s: %w", prev.Fetched.Format(time.RFC3339), err)
}

func readCache(path string) (cached, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the job spec cache in argus's own state directory
	if err != nil {
		return cached{}, err
	}
	var c cached
	if err := json.Unmarshal(b, &c); err != nil {
		return cached{}, fmt.Errorf("read %s: %w", path, err)
	}
	return c, nil
}

func decode(data json.RawMessage) ([]controlplane.JobSpec, error) {
	var d struct {
		Jobs []controlplane.JobSpec `json:"jobs"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decode last good copy of the job specs: %w", err)
	}
	return d.Jobs, nil
}

// Merge adds the specs to cfg.Jobs. A spec whose name a local job already has is dropped (the
// local one wins), and so is a spec that is not valid or names a provider the local
// configuration does not allow remote jobs to use (config.Config.RemoteProvider); each drop is
// one warning. hostname fills in the default subject.
func Merge(cfg *config.Config, specs []controlplane.JobSpec, hostname string) (warnings []string) {
	local := map[string]bool{}
	for _, j := range cfg.Jobs {
		local[j.Name] = true
	}
	seen := map[string]bool{}
	for _, s := range specs {
		switch {
		case local[s.Name]:
			warnings = append(warnings, fmt.Sprintf("job %q from the control plane is also defined locally; the local job wins", s.Name))
			continue
		case seen[s.Name]:
			warnings = append(warnings, fmt.Sprintf("job %q comes twice from the control plane; the first wins", s.Name))
			continue
		}
		j, err := toJob(s, cfg.RemoteProvider, hostname)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("job %q from the control plane is skipped: %v", s.Name, err))
			continue
		}
		seen[s.Name] = true
		cfg.Jobs = append(cfg.Jobs, j)
	}
	slices.SortFunc(cfg.Jobs, func(a, b config.Job) int { return strings.Compare(a.Name, b.Name) })
	return warnings
}

func toJob(s controlplane.JobSpec, allowed func(provider string) error, hostname string) (config.Job, error) {
	var errs []error
	if !config.ValidName(s.Name) {
		errs = append(errs, fmt.Errorf("name %q is not a valid job name (letters, digits, _ . -)", s.Name))
	}
	if err := allowed(s.Provider); err != nil {
		errs = append(errs, err)
	}
	sched := s.Schedule
	if sched == "" {
		sched = "always"
	}
	if _, err := schedule.Parse(sched); err != nil {
		errs = append(errs, err)
	}
	timeout := config.DefaultJobTimeout
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("timeout %q is not a positive duration like \"30s\"", s.Timeout))
		}
		timeout = d
	}
	cfgJSON := json.RawMessage("{}")
	if len(s.Config) > 0 && string(s.Config) != "null" {
		var obj map[string]any
		if err := json.Unmarshal(s.Config, &obj); err != nil {
			errs = append(errs, fmt.Errorf("config is not a JSON object: %w", err))
		}
		cfgJSON = s.Config
	}
	for _, n := range s.EnvAllow {
		if !config.PassableEnvName(n) {
			errs = append(errs, fmt.Errorf("env_allow names %q, which is not a variable a provider may see", n))
		}
	}
	subject := config.Subject{Type: s.Subject.Type, Identifier: s.Subject.Identifier}
	if subject.Type == "" && subject.Identifier == "" {
		subject = config.Subject{Type: "inventory-item", Identifier: "host/" + hostname}
	} else if subject.Type == "" || subject.Identifier == "" {
		errs = append(errs, errors.New("subject needs both type and identifier"))
	}
	if err := errors.Join(errs...); err != nil {
		return config.Job{}, err
	}
	j := config.Job{
		Name:     s.Name,
		Provider: s.Provider,
		Schedule: sched,
		Timeout:  timeout,
		Labels:   s.Labels,
		Subject:  subject,
		Config:   cfgJSON,
		EnvAllow: s.EnvAllow,
	}
	j.Range.Filename = "control plane"
	return j, nil
}

// LastGood returns the last good copy of the control plane's job specs without any network
// request (for `argus plan`), or nil when there is none.
func LastGood(stateDir string) ([]controlplane.JobSpec, error) {
	c, err := readCache(filepath.Join(stateDir, CacheFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decode(c.Data)
}
