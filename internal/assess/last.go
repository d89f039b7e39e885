package assess

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
)

// LastResultsFile, in the state directory, holds each job's most recent results, so that a run
// in which a job is not due can still report it (see CarryLast).
const LastResultsFile = "last-results.json"

// lastVersion is the format of LastResultsFile.
const lastVersion = 1

type lastFile struct {
	Version int                `json:"version"`
	Jobs    map[string]lastJob `json:"jobs"`
}

type lastJob struct {
	// SpecHash is the job's spec when it ran: results of a different spec say nothing about
	// the job as configured now (and such a job is due anyway).
	SpecHash string     `json:"spec_hash"`
	Job      result.Job `json:"job"`
}

// CarryLast records the results of the jobs that ran in run as their last results in stateDir,
// and appends to run, marked NotDue, the last results of the jobs plan found not due, so that
// reports cover every selected job and not only those whose schedule came round: a scheduled
// run that uploads SARIF would otherwise close the alerts of jobs that merely did not run.
// Jobs that never ran, or whose spec changed since, have nothing to carry.
//
// A missing or unreadable file only means there is nothing to carry: the error says so and the
// run's own results are still recorded.
func CarryLast(stateDir string, plan Plan, run *result.Run) error {
	path := filepath.Join(stateDir, LastResultsFile)
	last, readErr := readLast(path)
	specs := map[string]string{}
	for _, p := range plan.Jobs {
		specs[p.Job.Name] = p.Job.SpecHash()
	}
	ran := 0
	for _, j := range run.Jobs {
		if j.NotDue {
			continue
		}
		if hash, ok := specs[j.Name]; ok {
			last.Jobs[j.Name] = lastJob{SpecHash: hash, Job: j}
			ran++
		}
	}
	var writeErr error
	if ran > 0 {
		data, err := json.Marshal(last)
		if err == nil {
			err = atomicfile.WriteFile(path, data, 0o600)
		}
		if err != nil {
			writeErr = fmt.Errorf("keep last results in %s: %w", path, err)
		}
	}
	for _, p := range plan.Jobs {
		if p.Due {
			continue
		}
		prev, ok := last.Jobs[p.Job.Name]
		if !ok || prev.SpecHash != specs[p.Job.Name] {
			continue
		}
		j := prev.Job
		j.NotDue = true
		// Where the job is declared now: lines move when the file is edited.
		j.Location = result.Location{File: p.Job.Range.Filename, Line: p.Job.Range.Start.Line, Column: p.Job.Range.Start.Column}
		run.Jobs = append(run.Jobs, j)
	}
	slices.SortStableFunc(run.Jobs, func(a, b result.Job) int { return strings.Compare(a.Name, b.Name) })
	return errors.Join(readErr, writeErr)
}

// WaiveCarried applies the waivers of rules, as they stand at now, to the not-due jobs of run:
// their results are an earlier run's, but whether a failure is waived is today's decision (a
// waiver may have expired, or been written, since), as it is for the jobs that ran.
func WaiveCarried(run *result.Run, rules []waiver.Waiver, now time.Time) {
	for i := range run.Jobs {
		if run.Jobs[i].NotDue {
			waive(&run.Jobs[i], rules, now)
		}
	}
}

func readLast(path string) (lastFile, error) {
	empty := lastFile{Version: lastVersion, Jobs: map[string]lastJob{}}
	data, err := os.ReadFile(path) //nolint:gosec // G304: argus's own state directory
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return empty, fmt.Errorf("read last results (not-due jobs are left out of the reports): %w", err)
	}
	var f lastFile
	if err := json.Unmarshal(data, &f); err != nil || f.Version != lastVersion || f.Jobs == nil {
		if err == nil {
			err = fmt.Errorf("version %d, want %d", f.Version, lastVersion)
		}
		return empty, fmt.Errorf("read last results %s (not-due jobs are left out of the reports; the file is rewritten by this run): %w", path, err)
	}
	return f, nil
}
