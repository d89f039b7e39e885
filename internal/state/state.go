package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/flock"
)

// File names inside the state directory.
const (
	StateFile     = "state.json"
	LockFile      = "state.lock"
	RuntimeIDFile = "runtime-id"
)

// Version is the state file format this argus reads and writes.
const Version = 1

// StatusRunning is the LastStatus of a job between Started and Finished. A
// job left in this status was interrupted or killed before its end was
// recorded.
const StatusRunning = "running"

// finalStatuses are the statuses Finished accepts: a job's worst result.
var finalStatuses = map[string]bool{"pass": true, "fail": true, "error": true, "skip": true}

// JobState is what the state file records about one job's most recent run.
type JobState struct {
	SpecHash  string    `json:"spec_hash"`
	LastStart time.Time `json:"last_start"`
	// LastEnd is zero while the run that started at LastStart has not
	// finished, so LastEnd.Before(LastStart) holds exactly for an
	// unfinished run, whatever the clock did in between.
	LastEnd    time.Time `json:"last_end,omitzero"`
	LastStatus string    `json:"last_status,omitempty"` // pass|fail|error|skip, or "running" between start and end
}

// file is the on-disk document.
type file struct {
	Version int                 `json:"version"`
	Jobs    map[string]JobState `json:"jobs"`
}

// Store is the opened state directory. Its methods are safe for concurrent
// use by several goroutines.
type Store struct {
	dir  string
	path string
	lock *flock.Lock

	mu        sync.Mutex // guards everything below and serialises writes of the state file
	jobs      map[string]JobState
	runtimeID string
	closed    bool
}

// FileError reports a state directory file that argus cannot use. argus
// never overwrites such a file; the user decides what to do with it.
type FileError struct {
	Path    string
	Problem string // what is wrong, e.g. "invalid JSON: …"
	Hint    string // what to do
	Err     error  // underlying error, if any
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s: %s; %s", e.Path, e.Problem, e.Hint)
}

func (e *FileError) Unwrap() error { return e.Err }

// Open creates dir if needed, acquires <dir>/state.lock (waiting at most
// wait, under ctx; a wait of zero or less tries once) and reads
// <dir>/state.json (a missing file is an empty state). holderInfo is
// recorded in the lock file so that a waiting invocation can say who holds
// it (see flock.Describe). When the lock stays held, the error wraps a
// *flock.HeldError and the context's error.
func Open(ctx context.Context, dir string, wait time.Duration, holderInfo string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %q: %w", dir, err)
	}
	lockCtx, cancel := context.WithTimeout(ctx, max(wait, 0))
	defer cancel()
	lock, err := flock.Acquire(lockCtx, filepath.Join(dir, LockFile), holderInfo)
	if err != nil {
		return nil, fmt.Errorf("lock state directory: %w", err)
	}
	s := &Store{dir: dir, path: filepath.Join(dir, StateFile), lock: lock}
	if s.jobs, err = readStateFile(s.path); err != nil {
		_ = lock.Release()
		return nil, err
	}
	return s, nil
}

func readStateFile(path string) (map[string]JobState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]JobState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	const hint = "move it aside or delete it to make every job due again (argus will not overwrite it)"
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &FileError{Path: path, Problem: fmt.Sprintf("not a valid state file: %v", err), Hint: hint, Err: err}
	}
	switch {
	case f.Version == 0:
		return nil, &FileError{Path: path, Problem: `not a valid state file: no "version"`, Hint: hint}
	case f.Version > Version:
		return nil, &FileError{
			Path:    path,
			Problem: fmt.Sprintf("state file version %d is newer than this argus understands (%d)", f.Version, Version),
			Hint:    "run a newer argus, or " + hint,
		}
	case f.Version < Version:
		return nil, &FileError{Path: path, Problem: fmt.Sprintf("unknown state file version %d", f.Version), Hint: hint}
	}
	if f.Jobs == nil {
		f.Jobs = map[string]JobState{}
	}
	return f.Jobs, nil
}

// Dir returns the state directory.
func (s *Store) Dir() string { return s.dir }

// Job returns the recorded state of the named job, and whether there is one.
func (s *Store) Job(name string) (JobState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	js, ok := s.jobs[name]
	return js, ok
}

// Jobs returns a copy of every job's recorded state.
func (s *Store) Jobs() map[string]JobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.jobs)
}

// Started records that the named job started at at with the given spec
// hash, marks it "running" and writes the state file before returning.
func (s *Store) Started(name, specHash string, at time.Time) error {
	if name == "" {
		return errors.New("record job start: empty job name")
	}
	return s.update(name, func(JobState, bool) (JobState, error) {
		return JobState{SpecHash: specHash, LastStart: at, LastStatus: StatusRunning}, nil
	})
}

// Finished records that the named job, started earlier through Started,
// ended at at with status (pass, fail, error or skip), and writes the state
// file before returning.
func (s *Store) Finished(name string, at time.Time, status string) error {
	if !finalStatuses[status] {
		return fmt.Errorf("record end of job %q: invalid status %q (want pass, fail, error or skip)", name, status)
	}
	return s.update(name, func(js JobState, ok bool) (JobState, error) {
		if !ok || js.LastStatus != StatusRunning {
			return js, fmt.Errorf("record end of job %q: its start was not recorded", name)
		}
		js.LastEnd, js.LastStatus = at, status
		return js, nil
	})
}

// update applies fn to one job and persists. If persisting fails the
// in-memory state keeps the change, so the next successful write catches
// the file up; the error is returned either way.
func (s *Store) update(name string, fn func(JobState, bool) (JobState, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("record job %q: state store %q is closed", name, s.dir)
	}
	old, ok := s.jobs[name]
	js, err := fn(old, ok)
	if err != nil {
		return err
	}
	s.jobs[name] = js
	return s.persistLocked()
}

func (s *Store) persistLocked() error {
	data, err := json.MarshalIndent(file{Version: Version, Jobs: s.jobs}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state file: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(s.path, data, 0o600); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	return nil
}

// RuntimeID returns the UUID this installation reports to the control
// plane. It is generated (random, v4) on first use and kept in
// <dir>/runtime-id, so it is stable across runs for as long as the state
// directory lives.
func (s *Store) RuntimeID() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runtimeID != "" {
		return s.runtimeID, nil
	}
	path := filepath.Join(s.dir, RuntimeIDFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		id, perr := uuid.Parse(strings.TrimSpace(string(data)))
		if perr != nil {
			return "", &FileError{
				Path:    path,
				Problem: fmt.Sprintf("not a valid runtime id: %v", perr),
				Hint:    "delete it to have argus generate a new one (the control plane will then see a new runtime)",
				Err:     perr,
			}
		}
		s.runtimeID = id.String()
	case errors.Is(err, os.ErrNotExist):
		id := uuid.New().String()
		if err := atomicfile.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
			return "", fmt.Errorf("write runtime id: %w", err)
		}
		s.runtimeID = id
	default:
		return "", fmt.Errorf("read runtime id: %w", err)
	}
	return s.runtimeID, nil
}

// Close releases the state lock. Later Started or Finished calls fail.
// Calling Close more than once is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.lock.Release(); err != nil {
		return fmt.Errorf("release state lock: %w", err)
	}
	return nil
}
