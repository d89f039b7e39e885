package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/flock"
)

// The test binary re-executes itself as a second argus process: with
// helperEnv=run it opens the store in helperDirEnv, records the start of job
// "slow", prints "started" and then holds the store until stdin closes (or
// it is killed).
const (
	helperEnv    = "ARGUS_STATE_TEST_HELPER"
	helperDirEnv = "ARGUS_STATE_TEST_DIR"
)

var t0 = time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "run" {
		os.Exit(helperRun(os.Getenv(helperDirEnv)))
	}
	os.Exit(m.Run())
}

func helperRun(dir string) int {
	s, err := Open(context.Background(), dir, 0, fmt.Sprintf("pid %d, argus assess (test helper)", os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := s.Started("slow", "h1", t0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("started")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startHelper(t *testing.T, dir string) *helper {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=run", helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		_ = h.stdin.Close()
		_ = h.cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "started" {
		t.Fatalf("helper process did not start: %q, %v", line, err)
	}
	return h
}

func open(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dir, 0, "test")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", ".argus") // Open creates it
	s := open(t, dir)
	if got := s.Jobs(); len(got) != 0 {
		t.Fatalf("Jobs of a new state dir = %v, want none", got)
	}
	steps := []struct {
		name, hash, status string
		start, end         time.Time
	}{
		{"a", "ha", "pass", t0, t0.Add(time.Second)},
		{"b", "hb", "fail", t0.Add(time.Minute), t0.Add(2 * time.Minute)},
		{"a", "ha2", "error", t0.Add(time.Hour), t0.Add(time.Hour + time.Second)}, // a second run replaces the first
		{"c", "hc", "skip", t0, t0.Add(time.Millisecond)},
	}
	for _, st := range steps {
		if err := s.Started(st.name, st.hash, st.start); err != nil {
			t.Fatalf("Started(%q): %v", st.name, err)
		}
		if err := s.Finished(st.name, st.end, st.status); err != nil {
			t.Fatalf("Finished(%q): %v", st.name, err)
		}
	}
	want := map[string]JobState{
		"a": {SpecHash: "ha2", LastStart: t0.Add(time.Hour), LastEnd: t0.Add(time.Hour + time.Second), LastStatus: "error"},
		"b": {SpecHash: "hb", LastStart: t0.Add(time.Minute), LastEnd: t0.Add(2 * time.Minute), LastStatus: "fail"},
		"c": {SpecHash: "hc", LastStart: t0, LastEnd: t0.Add(time.Millisecond), LastStatus: "skip"},
	}
	if diff := cmp.Diff(want, s.Jobs()); diff != "" {
		t.Errorf("Jobs before reopen (-want +got):\n%s", diff)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Started("d", "hd", t0); err == nil {
		t.Errorf("Started after Close succeeded, want an error")
	}

	s2 := open(t, dir)
	if diff := cmp.Diff(want, s2.Jobs()); diff != "" {
		t.Errorf("Jobs after reopen (-want +got):\n%s", diff)
	}
	if js, ok := s2.Job("b"); !ok || js.LastStatus != "fail" {
		t.Errorf(`Job("b") = %+v, %v`, js, ok)
	}
	if _, ok := s2.Job("missing"); ok {
		t.Errorf(`Job("missing") reported a state`)
	}
	if s2.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s2.Dir(), dir)
	}

	// Jobs returns a copy.
	s2.Jobs()["a"] = JobState{}
	if js, _ := s2.Job("a"); js.SpecHash != "ha2" {
		t.Errorf("modifying the map from Jobs changed the store")
	}
}

func TestFileFormat(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Started("b", "hb", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Started("a", "ha", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Finished("a", t0.Add(1500*time.Millisecond), "pass"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "version": 1,
  "jobs": {
    "a": {
      "spec_hash": "ha",
      "last_start": "2026-11-24T20:00:00Z",
      "last_end": "2026-11-24T20:00:01.5Z",
      "last_status": "pass"
    },
    "b": {
      "spec_hash": "hb",
      "last_start": "2026-11-24T20:00:00Z",
      "last_status": "running"
    }
  }
}
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("state.json (-want +got):\n%s", diff)
	}
}

func TestStartedThenKilled(t *testing.T) {
	dir := t.TempDir()
	// A run finished earlier, so the killed run is a second one.
	s := open(t, dir)
	if err := s.Started("slow", "h0", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Finished("slow", t0.Add(-time.Hour+time.Second), "pass"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	h := startHelper(t, dir)
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Wait()

	// The kernel released the lock with the killed process; its start is on disk.
	s = open(t, dir)
	js, ok := s.Job("slow")
	if !ok {
		t.Fatal(`no state for job "slow" after the crash`)
	}
	want := JobState{SpecHash: "h1", LastStart: t0, LastStatus: StatusRunning}
	if diff := cmp.Diff(want, js); diff != "" {
		t.Errorf("state after a crash between start and end (-want +got):\n%s", diff)
	}
	if !js.LastEnd.Before(js.LastStart) {
		t.Errorf("LastEnd %v is not before LastStart %v for an unfinished run", js.LastEnd, js.LastStart)
	}
}

func TestOpenWhileAnotherProcessHoldsIt(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, dir)

	ctx := t.Context()
	_, err := Open(ctx, dir, 150*time.Millisecond, "second")
	var held *flock.HeldError
	if !errors.As(err, &held) {
		t.Fatalf("Open while another process holds the store = %v, want *flock.HeldError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error does not wrap context.DeadlineExceeded: %v", err)
	}
	wantHolder := fmt.Sprintf("pid %d, argus assess (test helper)", h.cmd.Process.Pid)
	if held.Holder != wantHolder {
		t.Errorf("holder = %q, want %q", held.Holder, wantHolder)
	}
	if !strings.Contains(err.Error(), wantHolder) || !strings.Contains(err.Error(), filepath.Join(dir, LockFile)) {
		t.Errorf("error %q should name the lock file and its holder", err)
	}

	// Once the other process closes the store, Open succeeds and sees its writes.
	if err := h.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v", err)
	}
	s, err := Open(ctx, dir, 10*time.Second, "second")
	if err != nil {
		t.Fatalf("Open after the other process closed the store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	if js, ok := s.Job("slow"); !ok || js.LastStatus != StatusRunning {
		t.Errorf(`Job("slow") = %+v, %v; want the other process's start`, js, ok)
	}
}

func TestOpenTwiceInOneProcess(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := Open(t.Context(), dir, 0, "second"); !errors.As(err, new(*flock.HeldError)) {
		t.Fatalf("second Open = %v, want *flock.HeldError", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, dir)
}

func TestUnusableStateFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
	}{
		{"invalid JSON", `{"version": 1, "jobs": {`, []string{"not a valid state file", "delete it to make every job due again"}},
		{"empty file", ``, []string{"not a valid state file", "delete it"}},
		{"no version", `{"jobs": {}}`, []string{`no "version"`, "delete it"}},
		{"future version", `{"version": 2, "jobs": {}}`, []string{"version 2 is newer than this argus understands (1)", "run a newer argus", "delete it"}},
		{"wrong type", `{"version": 1, "jobs": {"a": {"last_start": 5}}}`, []string{"not a valid state file", "delete it"}},
		{"trailing garbage", `{"version": 1, "jobs": {}} x`, []string{"not a valid state file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, StateFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(t.Context(), dir, 0, "test")
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open = %v, want *FileError", err)
			}
			for _, want := range append(tt.want, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != tt.content {
				t.Errorf("unusable state file was changed: %q, %v", got, err)
			}
			// The lock was released: a fixed file can be opened at once.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			open(t, dir)
		})
	}
}

func TestEmptyJobsInFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, StateFile), []byte(`{"version": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir)
	if err := s.Started("a", "h", t0); err != nil {
		t.Fatalf("Started on a state file without jobs: %v", err)
	}
}

func TestFinishedErrors(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Started("a", "h", t0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, job, status, want string
	}{
		{"never started", "nope", "pass", `record end of job "nope": its start was not recorded`},
		{"invalid status", "a", "running", `invalid status "running"`},
		{"empty status", "a", "", `invalid status ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Finished(tt.job, t0, tt.status)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Finished = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := s.Finished("a", t0.Add(time.Second), "pass"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finished("a", t0.Add(2*time.Second), "fail"); err == nil {
		t.Errorf("second Finished without a new Started succeeded, want an error")
	}
	if err := s.Started("", "h", t0); err == nil {
		t.Errorf("Started with an empty name succeeded, want an error")
	}
}

func TestRuntimeID(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	id, err := s.RuntimeID()
	if err != nil {
		t.Fatalf("RuntimeID: %v", err)
	}
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 4 {
		t.Fatalf("RuntimeID = %q (%v), want a v4 UUID", id, err)
	}
	if again, _ := s.RuntimeID(); again != id {
		t.Errorf("second RuntimeID = %q, want %q", again, id)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir)
	if again, err := s.RuntimeID(); err != nil || again != id {
		t.Errorf("RuntimeID after reopening = %q, %v; want %q", again, err, id)
	}
	if other, _ := open(t, t.TempDir()).RuntimeID(); other == id {
		t.Errorf("two state directories got the same runtime id %q", id)
	}
}

func TestRuntimeIDInvalid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RuntimeIDFile)
	if err := os.WriteFile(path, []byte("not-a-uuid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := open(t, dir).RuntimeID()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("RuntimeID with an invalid file = %v, want a *FileError for %q that says to delete it", err, path)
	}
	if got, _ := os.ReadFile(path); string(got) != "not-a-uuid\n" {
		t.Errorf("invalid runtime id file was overwritten: %q", got)
	}
}

func TestConcurrentUpdates(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("job-%02d", i)
			if err := s.Started(name, "h", t0); err != nil {
				errs <- err
				return
			}
			_ = s.Jobs() // readers race with writers
			if err := s.Finished(name, t0.Add(time.Duration(i)*time.Second), "pass"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Every goroutine's update reached the file.
	jobs := open(t, dir).Jobs()
	if len(jobs) != n {
		t.Fatalf("state file has %d jobs, want %d", len(jobs), n)
	}
	for i := range n {
		name := fmt.Sprintf("job-%02d", i)
		js := jobs[name]
		if js.LastStatus != "pass" || !js.LastEnd.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Errorf("%s = %+v", name, js)
		}
	}
}

// BenchmarkFinished measures one Finished call on a state of 10,000 jobs:
// write-through (a full atomic rewrite of the file, the default) and
// write-behind (memory only; the file is written later, see SetWriteBehind).
func BenchmarkFinished(b *testing.B) {
	b.Run("write-through", func(b *testing.B) { benchmarkFinished(b, 0) })
	b.Run("write-behind", func(b *testing.B) { benchmarkFinished(b, time.Hour) })
}

func benchmarkFinished(b *testing.B, writeBehind time.Duration) {
	dir := b.TempDir()
	f := file{Version: Version, Jobs: map[string]JobState{}}
	for i := range 10_000 {
		f.Jobs[fmt.Sprintf("job-%05d", i)] = JobState{
			SpecHash:  "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			LastStart: t0, LastEnd: t0.Add(time.Second), LastStatus: "pass",
		}
	}
	data, err := json.Marshal(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, StateFile), data, 0o600); err != nil {
		b.Fatal(err)
	}
	s := open(b, dir)
	if err := s.SetWriteBehind(writeBehind); err != nil {
		b.Fatal(err)
	}
	const name = "job-05000"
	if err := s.Started(name, "h", t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		// Back to "running" without a write, so that each Finished is valid.
		s.jobs[name] = JobState{SpecHash: "h", LastStart: t0, LastStatus: StatusRunning}
		if err := s.Finished(name, t0.Add(time.Second), "pass"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if writeBehind > 0 {
		return // the file was not rewritten
	}
	fi, err := os.Stat(filepath.Join(dir, StateFile))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size()), "file-bytes")
}

func readFileJobs(t *testing.T, dir string) map[string]JobState {
	t.Helper()
	jobs, err := readStateFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func TestWriteBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		if err := s.SetWriteBehind(time.Second); err != nil {
			t.Fatal(err)
		}
		if err := s.Started("a", "h", t0); err != nil {
			t.Fatal(err)
		}
		if got := readFileJobs(t, dir); len(got) != 0 {
			t.Fatalf("state file written before the interval: %v", got)
		}
		if _, ok := s.Job("a"); !ok {
			t.Fatalf("deferred start is not visible in memory")
		}

		time.Sleep(time.Second)
		synctest.Wait()
		if got := readFileJobs(t, dir)["a"]; got.LastStatus != StatusRunning {
			t.Fatalf("after the interval the file has %+v, want the start of a", got)
		}

		// Flush writes at once and cancels the pending timer.
		if err := s.Finished("a", t0.Add(time.Second), "pass"); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := readFileJobs(t, dir)["a"]; got.LastStatus != "pass" {
			t.Fatalf("after Flush the file has %+v, want a passed", got)
		}

		// Close writes what is pending.
		if err := s.Started("b", "h", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := readFileJobs(t, dir)["b"]; got.LastStatus != StatusRunning {
			t.Fatalf("after Close the file has %+v, want the start of b", got)
		}
		if err := s.Flush(); err == nil {
			t.Errorf("Flush after Close succeeded, want an error")
		}
	})
}

func TestWriteBehindBackToWriteThrough(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.SetWriteBehind(time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Started("a", "h", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWriteBehind(0); err != nil {
		t.Fatal(err)
	}
	if _, ok := readFileJobs(t, dir)["a"]; !ok {
		t.Fatalf("pending change not written when write-through was restored")
	}
	if err := s.Finished("a", t0, "pass"); err != nil {
		t.Fatal(err)
	}
	if got := readFileJobs(t, dir)["a"]; got.LastStatus != "pass" {
		t.Fatalf("write-through Finished not on disk: %+v", got)
	}
}

func TestWriteBehindFailureIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		if err := s.SetWriteBehind(time.Second); err != nil {
			t.Fatal(err)
		}
		// A directory where the state file goes makes every write fail.
		if err := os.Mkdir(filepath.Join(dir, StateFile), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, StateFile, "x"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.Started("a", "h", t0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if err := s.Finished("a", t0, "pass"); err == nil || !strings.Contains(err.Error(), "write state file") {
			t.Fatalf("Finished after a failed deferred write = %v, want that write's error", err)
		}
		if err := s.Flush(); err == nil {
			t.Fatalf("Flush while the file cannot be written succeeded")
		}
		// Once the obstacle is gone, everything recorded reaches the file.
		if err := os.RemoveAll(filepath.Join(dir, StateFile)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if got := readFileJobs(t, dir)["a"]; got.LastStatus != "pass" {
			t.Fatalf("after recovery the file has %+v, want a passed", got)
		}
	})
}

func TestRenderMatchesMarshalIndent(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	names := []string{"z", "a", "<html>&", "unicode-é", `quote"d`, "m"}
	for i, name := range names {
		if err := s.Started(name, fmt.Sprintf("h%d", i), t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := s.Finished(name, t0.Add(time.Hour), "fail"); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := json.MarshalIndent(file{Version: Version, Jobs: s.Jobs()}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want)+"\n", string(got)); diff != "" {
		t.Errorf("state file differs from json.MarshalIndent (-want +got):\n%s", diff)
	}

	// And a reopened store renders a file it read identically.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := string(s.renderLocked()); got != string(want)+"\n" {
		t.Errorf("render after reopen differs:\n%s", cmp.Diff(string(want)+"\n", got))
	}
}

func TestEmptyStateRender(t *testing.T) {
	s := open(t, t.TempDir())
	want, _ := json.MarshalIndent(file{Version: Version, Jobs: map[string]JobState{}}, "", "  ")
	if got := string(s.renderLocked()); got != string(want)+"\n" {
		t.Errorf("empty render = %q, want %q", got, string(want)+"\n")
	}
}
