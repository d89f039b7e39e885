package agentremote

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/internal/agentconfig"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/schedule"
)

// This file is the one join between the protocol and the configuration loader.
// TODO(issue 12 integration): when config.Job grows policies, policy_data, policy_behavior
// and config.Provider kind/protocol_version, map them in FromConfig and ToConfig.

// FromConfig projects the configuration's jobs, and lists its providers by source.
func FromConfig(cfg *config.Config) ([]Job, map[string]string) {
	sources := map[string]string{}
	bySource := map[string]string{}
	for _, p := range cfg.Providers {
		sources[p.Name] = p.Source
		if _, dup := bySource[p.Source]; !dup {
			bySource[p.Source] = p.Name
		}
	}
	jobs := make([]Job, 0, len(cfg.Jobs))
	for _, j := range cfg.Jobs {
		src := sources[j.Provider]
		if strings.HasPrefix(j.Provider, config.BuiltinPrefix) {
			src = j.Provider
			bySource[src] = j.Provider
		}
		sched := j.Schedule
		if sched == "always" {
			sched = ""
		}
		jobs = append(jobs, Job{Name: j.Name, Provider: j.Provider, Source: src, Schedule: sched,
			Config: j.Config, Labels: maps.Clone(j.Labels)})
	}
	return jobs, bySource
}

// ToConfig replaces cfg.Jobs with jobs: an existing job keeps its subject, timeout and
// environment; a new one gets the defaults and subject of the configuration's first job (or
// host/<hostname>). A schedule in the agent's form (cron descriptors, @every) is converted.
func ToConfig(cfg *config.Config, jobs []Job, hostname string) error {
	old := map[string]config.Job{}
	for _, j := range cfg.Jobs {
		old[j.Name] = j
	}
	out := make([]config.Job, 0, len(jobs))
	for _, j := range jobs {
		cj, ok := old[j.Name]
		if !ok {
			cj = config.Job{Name: j.Name, Timeout: config.DefaultJobTimeout,
				Subject: config.Subject{Type: "inventory-item", Identifier: "host/" + hostname}}
		}
		cj.Provider = j.Provider
		sched, err := ArgusSchedule(j.Schedule)
		if err != nil {
			return fmt.Errorf("plugins.%s.schedule: %w", j.Name, err)
		}
		cj.Schedule = sched
		cj.Config = j.Config
		if len(cj.Config) == 0 {
			cj.Config = []byte(`{}`)
		}
		cj.Labels = j.Labels
		out = append(out, cj)
	}
	slices.SortFunc(out, func(a, b config.Job) int { return strings.Compare(a.Name, b.Name) })
	cfg.Jobs = out
	return nil
}

// ArgusSchedule reads a schedule as argus writes it, else as the agent does.
func ArgusSchedule(s string) (string, error) {
	if s == "" {
		return "always", nil
	}
	if _, err := schedule.Parse(s); err == nil {
		return s, nil
	}
	conv, _, err := agentconfig.ConvertSchedule(s)
	if err != nil {
		return "", fmt.Errorf("%q is neither an argus nor an agent schedule: %w", s, err)
	}
	if _, err := schedule.Parse(conv); err != nil {
		return "", fmt.Errorf("%q: %w", s, err)
	}
	return conv, nil
}

// Settings of the configuration's remote_config block, with the effective mode.
func SettingsOf(cfg *config.Config) Settings {
	s := Settings{Mode: cfg.RemoteConfigMode(), TrustedSources: []string{}, OverridableConfigFlags: []string{}}
	if rc := cfg.RemoteConfig; rc != nil {
		s.TrustedSources = append(s.TrustedSources, rc.TrustedSources...)
		s.OverridableConfigFlags = append(s.OverridableConfigFlags, rc.OverridableConfigFlags...)
		s.AllowLocalSources = rc.AllowLocalSources
	}
	return s
}

// isCCFPlugin says which providers of cfg are CCF plugins. None is until the configuration
// loader knows the kind (issue 12 integration).
func isCCFPlugin(*config.Config) func(string) bool {
	return func(string) bool { return false }
}
