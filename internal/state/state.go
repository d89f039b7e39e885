package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
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

	mu   sync.Mutex // guards everything below and serialises writes of the state file
	jobs map[string]JobState
	// Each write re-encodes only the job that changed: entries caches every
	// job's encoded `"name": {…}` member and names keeps them in file order,
	// so a write is a concatenation plus the atomic file replace.
	entries   map[string][]byte
	names     []string // sorted
	buf       bytes.Buffer
	runtimeID string
	closed    bool

	// Write-behind mode (see SetWriteBehind): writeBehind > 0 defers
	// writes; dirty says memory is ahead of the file; timer, owned by the
	// store and stopped by Flush and Close, performs the deferred write;
	// flushErr keeps a failed deferred write for the next caller.
	writeBehind time.Duration
	dirty       bool
	timer       *time.Timer
	flushErr    error
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
	if err := os.MkdirAll(dir, 0o700); err != nil { //nolint:gosec // G703: dir is the state directory the operator configured; creating it is the point
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
	s.entries = make(map[string][]byte, len(s.jobs))
	for name, js := range s.jobs {
		if s.entries[name], err = encodeEntry(name, js); err != nil {
			_ = lock.Release()
			return nil, err
		}
	}
	s.names = slices.Sorted(maps.Keys(s.jobs))
	return s, nil
}

func readStateFile(path string) (map[string]JobState, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the state file in argus's own state directory
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

// LockWarning is why the state lock's holder info could not be recorded (a full disk), or
// nil. The lock is held either way: the record is advisory, and on a full disk the commands
// that free space must still run. Callers log it.
func (s *Store) LockWarning() error { return s.lock.Warning() }

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
	entry, err := encodeEntry(name, js)
	if err != nil {
		return err
	}
	if !ok {
		i, _ := slices.BinarySearch(s.names, name)
		s.names = slices.Insert(s.names, i, name)
	}
	s.jobs[name], s.entries[name] = js, entry
	if s.writeBehind <= 0 {
		return s.persistLocked()
	}
	s.dirty = true
	if s.timer == nil {
		s.timer = time.AfterFunc(s.writeBehind, s.deferredFlush)
	}
	err = s.flushErr
	s.flushErr = nil
	return err
}

// SetWriteBehind trades durability for speed when the state holds many
// jobs (BenchmarkFinished: a write-through Finished rewrites the whole file,
// about 6 ms for 10,000 jobs). With interval > 0, Started and Finished only
// update memory, and the file is written at most interval after the first
// unwritten change, and by Flush and Close. interval <= 0 restores
// write-through (the default), writing pending changes first.
//
// The trade-off: a SIGKILL loses the changes of the last interval. A lost
// Started leaves the job's previous run on record, so the job is as due as
// it was; a lost Finished leaves the job "running", so it runs again. Either
// way a job runs once more than needed, never once less. A deferred write
// that fails is returned by the next Started, Finished, Flush or Close.
func (s *Store) SetWriteBehind(interval time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeBehind = interval
	if interval > 0 || s.closed {
		return nil
	}
	return s.flushLocked()
}

// Flush writes pending changes now. It is a no-op in write-through mode.
func (s *Store) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("flush state: state store %q is closed", s.dir)
	}
	return s.flushLocked()
}

func (s *Store) flushLocked() error {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	err := s.flushErr
	s.flushErr = nil
	if s.dirty {
		if werr := s.persistLocked(); werr != nil {
			return werr // still dirty: the next flush retries
		}
		err = nil // the pending failure has been made good
	}
	return err
}

// deferredFlush runs on the timer's goroutine.
func (s *Store) deferredFlush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if s.closed || !s.dirty {
		return
	}
	if err := s.persistLocked(); err != nil {
		s.flushErr = err
	}
}

// encodeEntry encodes one member of the "jobs" object exactly as
// json.MarshalIndent(file, "", "  ") would, so the file reads the same as if
// it were marshalled whole (TestRenderMatchesMarshalIndent checks this).
func encodeEntry(name string, js JobState) ([]byte, error) {
	key, err := json.Marshal(name)
	if err != nil {
		return nil, fmt.Errorf("encode state of job %q: %w", name, err)
	}
	val, err := json.MarshalIndent(js, "    ", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state of job %q: %w", name, err)
	}
	entry := make([]byte, 0, 4+len(key)+2+len(val))
	entry = append(entry, "    "...)
	entry = append(entry, key...)
	entry = append(entry, ": "...)
	return append(entry, val...), nil
}

// renderLocked builds the state file in s.buf.
func (s *Store) renderLocked() []byte {
	s.buf.Reset()
	fmt.Fprintf(&s.buf, "{\n  \"version\": %d,\n  \"jobs\": {", Version)
	for i, name := range s.names {
		if i > 0 {
			s.buf.WriteByte(',')
		}
		s.buf.WriteByte('\n')
		s.buf.Write(s.entries[name])
	}
	if len(s.names) > 0 {
		s.buf.WriteString("\n  ")
	}
	s.buf.WriteString("}\n}\n")
	return s.buf.Bytes()
}

func (s *Store) persistLocked() error {
	if err := atomicfile.WriteFile(s.path, s.renderLocked(), 0o600); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	s.dirty = false
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
	data, err := os.ReadFile(path) //nolint:gosec // G304: the runtime ID file in argus's own state directory
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

// Close writes pending changes (write-behind mode) and releases the state
// lock. Later Started or Finished calls fail.
// Calling Close more than once is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	// Write pending changes while the lock is still held.
	flushErr := s.flushLocked()
	s.closed = true
	if err := s.lock.Release(); err != nil {
		return errors.Join(flushErr, fmt.Errorf("release state lock: %w", err))
	}
	return flushErr
}
