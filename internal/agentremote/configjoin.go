package agentremote

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/schedule"
)

// This file is the one join between the protocol and the configuration loader.

// FromConfig projects the configuration's jobs, and lists its providers by source.
func FromConfig(cfg *config.Config) ([]Job, map[string]string) {
	sources := map[string]string{}
	bySource := map[string]string{}
	byName := map[string]config.Provider{}
	for _, p := range cfg.Providers {
		byName[p.Name] = p
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
		pj := Job{Name: j.Name, Provider: j.Provider, Source: src, Schedule: sched,
			Config: j.Config, Labels: maps.Clone(j.Labels)}
		if p, ok := byName[j.Provider]; ok && p.IsCCFPlugin() {
			pj.Policies = slices.Clone(j.Policies)
			pj.PolicyData = j.PolicyData
			pj.PolicyBehavior = j.PolicyBehavior
			pj.ProtocolVersion = p.ProtocolVersion
		}
		jobs = append(jobs, pj)
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
	providers := map[string]config.Provider{}
	for _, p := range cfg.Providers {
		providers[p.Name] = p
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
		cj.PluginConfig, cj.Policies, cj.PolicyData, cj.PolicyBehavior = nil, nil, nil, nil
		if p, ok := providers[j.Provider]; ok && p.IsCCFPlugin() {
			pc, err := pluginConfig(cj.Config)
			if err != nil {
				return fmt.Errorf("plugins.%s.config: %w", j.Name, err)
			}
			cj.PluginConfig = pc
			cj.Policies = j.Policies
			if len(cj.Policies) == 0 {
				cj.Policies = p.Policies // the provider's default, as the loader does
			}
			cj.PolicyData, cj.PolicyBehavior = j.PolicyData, j.PolicyBehavior
		}
		out = append(out, cj)
	}
	slices.SortFunc(out, func(a, b config.Job) int { return strings.Compare(a.Name, b.Name) })
	cfg.Jobs = out
	return nil
}

// agentDescriptors are the agent's cron shorthands, written out as argus's 5-field cron.
var agentDescriptors = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
	"@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// ArgusSchedule reads a schedule as argus writes it, else as the agent does: a cron
// descriptor or "@every D". A TZ= prefix is refused: argus reads cron in UTC, and moving a
// schedule to another zone silently is worse than saying so. (argus convert agent-config, in
// package agentconfig, converts the same forms; it cannot be imported from here, since it
// depends on the command layer.)
func ArgusSchedule(s string) (string, error) {
	spec := strings.TrimSpace(s)
	if spec == "" {
		return "always", nil
	}
	if _, err := schedule.Parse(spec); err == nil {
		return spec, nil
	}
	conv := spec
	switch {
	case agentDescriptors[spec] != "":
		conv = agentDescriptors[spec]
	case strings.HasPrefix(spec, "@every "):
		conv = "every " + strings.TrimSpace(strings.TrimPrefix(spec, "@every "))
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return "", fmt.Errorf("%q: argus reads cron in UTC and takes no time zone prefix; write the schedule in UTC", s)
	}
	if _, err := schedule.Parse(conv); err != nil {
		return "", fmt.Errorf("%q is neither an argus nor an agent schedule: %w", s, err)
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

// isCCFPlugin says which providers of cfg are CCF plugins.
func isCCFPlugin(cfg *config.Config) func(string) bool {
	ccf := map[string]bool{}
	for _, p := range cfg.Providers {
		ccf[p.Name] = p.IsCCFPlugin()
	}
	return func(name string) bool { return ccf[name] }
}

// pluginConfig is a CCF plugin's config as the map of strings its Configure receives: scalars
// only, as the loader requires.
func pluginConfig(raw []byte) (map[string]string, error) {
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case string:
			out[k] = t
		case bool:
			out[k] = strconv.FormatBool(t)
		case float64:
			out[k] = strconv.FormatFloat(t, 'f', -1, 64)
		default:
			return nil, fmt.Errorf("%s: a CCF plugin's config values are strings, numbers or booleans", k)
		}
	}
	return out, nil
}

// checkProtocolVersions refuses a protocol_version an overlay gives a CCF plugin job that is
// not its provider's: argus pins the protocol per provider (in the lock), not per job.
func checkProtocolVersions(jobs []Job, cfg *config.Config) error {
	version := map[string]int{}
	for _, p := range cfg.Providers {
		if p.IsCCFPlugin() {
			version[p.Name] = p.ProtocolVersion
		}
	}
	for _, j := range jobs {
		if v, ok := version[j.Provider]; ok && j.ProtocolVersion != 0 && j.ProtocolVersion != v {
			return &UnsupportedError{Msg: fmt.Sprintf("plugins.%s.protocol_version: %d is not the protocol version of provider %q (%d); argus sets it per provider, in the provider block", j.Name, j.ProtocolVersion, j.Provider, v)}
		}
	}
	return nil
}
