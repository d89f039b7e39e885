package assess

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/schedule"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// Selection is which jobs the user asked for. Every criterion that is set must hold.
type Selection struct {
	All bool // ignore schedules: every selected job is due (CI)
	// Jobs are names or globs ("cis-*", see waiver.Match): only the jobs they match, each due
	// whatever its schedule; empty = all.
	Jobs []string
	// Labels are "key=value" pairs a job's labels must all have (ANDed).
	Labels []string
	// Severities are the job severities to keep (any of them); empty = all.
	Severities []string
	Shard      schedule.Shard // only the jobs of this shard
}

// SelectionError is a selection that cannot be applied: a malformed --label or --severity.
type SelectionError struct{ Msg string }

func (e *SelectionError) Error() string { return e.Msg }

// selector is a checked Selection.
type selector struct {
	jobs   []string
	labels map[string]string
	sevs   []sdk.Severity
}

func (sel Selection) check() (selector, error) {
	s := selector{jobs: sel.Jobs, labels: map[string]string{}}
	for _, l := range sel.Labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return selector{}, &SelectionError{fmt.Sprintf("--label %q: want KEY=VALUE, like --label team=platform", l)}
		}
		if prev, dup := s.labels[k]; dup && prev != v {
			return selector{}, &SelectionError{fmt.Sprintf("--label %s=%s and --label %s=%s: labels are ANDed, so no job can have both", k, prev, k, v)}
		}
		s.labels[k] = v
	}
	for _, v := range sel.Severities {
		for part := range strings.SplitSeq(v, ",") {
			sev := sdk.Severity(strings.TrimSpace(part))
			if !sev.Valid() {
				return selector{}, &SelectionError{fmt.Sprintf("--severity %q: %q is not a severity: use info, low, medium, high or critical (comma-separated for several)", v, part)}
			}
			s.sevs = append(s.sevs, sev)
		}
	}
	return s, nil
}

// matches reports whether job passes every criterion but the shard.
func (s selector) matches(job *config.Job) bool {
	if len(s.jobs) > 0 && !slices.ContainsFunc(s.jobs, func(p string) bool { return waiver.Match(p, job.Name) }) {
		return false
	}
	for k, v := range s.labels {
		if got, ok := job.Labels[k]; !ok || got != v {
			return false
		}
	}
	sev := job.Severity
	if sev == "" {
		sev = sdk.SeverityMedium
	}
	return len(s.sevs) == 0 || slices.Contains(s.sevs, sev)
}

// Planned is one job and the decision about it.
type Planned struct {
	Job *config.Job
	schedule.Decision
}

// Plan is every selected job with whether it is due.
type Plan struct {
	Jobs []Planned
	// OutOfShard counts the jobs left to other shards.
	OutOfShard int
}

// Due returns the jobs that are due, in name order.
func (p Plan) Due() []Planned {
	var due []Planned
	for _, j := range p.Jobs {
		if j.Due {
			due = append(due, j)
		}
	}
	return due
}

// Warnings are the decisions' warnings (a last start in the future), in job order.
func (p Plan) Warnings() []string {
	var ws []string
	for _, j := range p.Jobs {
		if j.Warning != "" {
			ws = append(ws, j.Warning)
		}
	}
	return ws
}

// UnknownJobError is returned when --job names a job the configuration does not have, or
// holds a glob that matches none.
type UnknownJobError struct {
	Names []string
	// Suggestions are the nearest job names to each of Names (a "did you mean"), by name.
	Suggestions map[string][]string
	Known       int // how many jobs the configuration has
}

func (e *UnknownJobError) Error() string {
	var parts []string
	for _, n := range e.Names {
		var msg string
		if waiver.IsGlob(n) {
			msg = fmt.Sprintf("--job %q matches no job in the configuration", n)
		} else {
			msg = fmt.Sprintf("no job named %q in the configuration", n)
		}
		if near := e.Suggestions[n]; len(near) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", strings.Join(quoteAll(near), " or "))
		}
		parts = append(parts, msg)
	}
	jobs := fmt.Sprintf("%d jobs", e.Known)
	if e.Known == 1 {
		jobs = "1 job"
	}
	return strings.Join(parts, "; ") + " (the configuration has " + jobs + ")"
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// MakePlan decides, for every job of cfg that sel selects, whether it is due at now given what
// the state file recorded of its previous runs.
func MakePlan(cfg *config.Config, states map[string]state.JobState, sel Selection, now time.Time) (Plan, error) {
	s, err := sel.check()
	if err != nil {
		return Plan{}, err
	}
	known := make([]string, len(cfg.Jobs))
	for i, j := range cfg.Jobs {
		known[i] = j.Name
	}
	unknown := &UnknownJobError{Suggestions: map[string][]string{}, Known: len(known)}
	for _, pattern := range sel.Jobs {
		if !slices.ContainsFunc(known, func(n string) bool { return waiver.Match(pattern, n) }) {
			unknown.Names = append(unknown.Names, pattern)
			if near := config.Suggest(pattern, known); len(near) > 0 {
				unknown.Suggestions[pattern] = near
			}
		}
	}
	if len(unknown.Names) > 0 {
		return Plan{}, unknown
	}

	var p Plan
	for i := range cfg.Jobs {
		job := &cfg.Jobs[i]
		if !s.matches(job) {
			continue
		}
		if !sel.Shard.Contains(job.Name) {
			p.OutOfShard++
			continue
		}
		sched, err := schedule.Parse(job.Schedule)
		if err != nil {
			// The loader checks schedules; reaching this is a bug in the caller.
			return Plan{}, fmt.Errorf("job %q: %w", job.Name, err)
		}
		c := schedule.Candidate{Name: job.Name, Schedule: sched, SpecHash: job.SpecHash()}
		if st, ok := states[job.Name]; ok && !st.LastStart.IsZero() {
			c.Last = &schedule.Last{
				SpecHash:   st.SpecHash,
				Start:      st.LastStart,
				Unfinished: st.LastEnd.Before(st.LastStart),
			}
		}
		force := ""
		switch {
		case sel.All:
			force = "--all"
		case len(sel.Jobs) > 0:
			force = "selected with --job"
		}
		p.Jobs = append(p.Jobs, Planned{Job: job, Decision: schedule.Decide(c, now, force)})
	}
	return p, nil
}
