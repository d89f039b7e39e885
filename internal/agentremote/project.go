package agentremote

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Job is the part of one argus job the agent's format can express, with the source of its
// provider. It is this package's own shape, so that the protocol does not depend on how the
// configuration loader grows; the caller maps its jobs to and from it.
type Job struct {
	Name     string
	Provider string // the provider block (or built-in) the job runs
	Source   string // that provider's source: an OCI reference, a path, or the built-in's name
	Schedule string // "" when the job sets none
	// Config is the job's config object as JSON ("{}" or empty when unset).
	Config          json.RawMessage
	Labels          map[string]string
	Policies        []string
	PolicyData      map[string]any
	PolicyBehavior  map[string][]string
	ProtocolVersion int
	// New marks a job that only the overlay declares (Unproject sets it).
	New bool
}

// Project is the agent document of jobs: one enabled plugin per job, named as the job.
func Project(jobs []Job) (Document, error) {
	d := Document{Plugins: make(map[string]*Plugin, len(jobs))}
	for _, j := range jobs {
		p := &Plugin{
			Source:          j.Source,
			Policies:        slices.Clone(j.Policies),
			Labels:          maps.Clone(j.Labels),
			PolicyData:      j.PolicyData,
			PolicyBehavior:  j.PolicyBehavior,
			ProtocolVersion: j.ProtocolVersion,
		}
		if j.Schedule != "" {
			s := j.Schedule
			p.Schedule = &s
		}
		if len(bytes.TrimSpace(j.Config)) > 0 {
			v, err := decode(j.Config)
			if err != nil {
				return Document{}, fmt.Errorf("job %q: config: %w", j.Name, err)
			}
			m, ok := v.(map[string]any)
			if !ok && v != nil {
				return Document{}, fmt.Errorf("job %q: config is not an object", j.Name)
			}
			if len(m) > 0 {
				p.Config = m
			}
		}
		d.Plugins[j.Name] = p
	}
	return d, nil
}

// SourceError is a plugin source the effective configuration names that no provider of the
// local configuration has: argus runs only providers that `argus init` resolved, verified and
// pinned, so it cannot fetch one because an overlay asks for it.
type SourceError struct{ Plugin, Source string }

func (e *SourceError) Error() string {
	return fmt.Sprintf("plugins.%s: source %q is not the source of any provider of the local configuration; argus runs only providers pinned by `argus init`: declare a provider with this source and run `argus init`", e.Plugin, e.Source)
}

// Unproject maps an effective document back to jobs: a job of base keeps what the agent's
// format cannot express (its subject, timeout, environment, ...) and takes the rest from its
// plugin; a disabled or removed plugin drops its job; a plugin only the overlay declares
// becomes a New job. providers maps a source to the provider that has it.
func Unproject(eff Document, base []Job, providers map[string]string) ([]Job, error) {
	byName := map[string]Job{}
	for _, j := range base {
		byName[j.Name] = j
	}
	var out []Job
	for _, name := range sortedKeys(eff.Plugins) {
		p := eff.Plugins[name]
		if !p.IsEnabled() {
			continue
		}
		j, ok := byName[name]
		if !ok {
			j = Job{Name: name, New: true}
		}
		if !ok || p.Source != j.Source {
			prov, known := providers[p.Source]
			if !known {
				return nil, &SourceError{Plugin: name, Source: p.Source}
			}
			j.Provider, j.Source = prov, p.Source
		}
		j.Schedule = ""
		if p.Schedule != nil {
			j.Schedule = *p.Schedule
		}
		cfg := p.Config
		if cfg == nil {
			cfg = map[string]any{}
		}
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("plugins.%s.config: %w", name, err)
		}
		j.Config = b
		j.Labels = p.Labels
		j.Policies = p.Policies
		j.PolicyData = p.PolicyData
		j.PolicyBehavior = p.PolicyBehavior
		j.ProtocolVersion = p.ProtocolVersion
		out = append(out, j)
	}
	return out, nil
}
