package assess

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/schedule"
	"github.com/compliance-framework/argus/internal/state"
)

// Selection is which jobs the user asked for.
type Selection struct {
	All   bool           // ignore schedules: every selected job is due (CI)
	Jobs  []string       // only these jobs, each due whatever its schedule; empty = all
	Shard schedule.Shard // only the jobs of this shard
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

// UnknownJobError is returned when --job names a job the configuration does not have.
type UnknownJobError struct {
	Names []string
	Known []string
}

func (e *UnknownJobError) Error() string {
	return fmt.Sprintf("no job named %s in the configuration (jobs: %s)", strings.Join(quoteAll(e.Names), ", "), strings.Join(e.Known, ", "))
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
	var unknown []string
	for _, name := range sel.Jobs {
		if !slices.ContainsFunc(cfg.Jobs, func(j config.Job) bool { return j.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		known := make([]string, len(cfg.Jobs))
		for i, j := range cfg.Jobs {
			known[i] = j.Name
		}
		return Plan{}, &UnknownJobError{Names: unknown, Known: known}
	}

	var p Plan
	for i := range cfg.Jobs {
		job := &cfg.Jobs[i]
		if len(sel.Jobs) > 0 && !slices.Contains(sel.Jobs, job.Name) {
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
