package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/state"
)

// argusBinary returns the path of an executable named "argus" that runs argus: the test binary
// itself, linked (or copied) under that name, which TestMain (testscript.Main) dispatches on, as
// the scripts' $PATH does. A symbolic link would not do: argus re-executes itself for built-in
// providers through os.Executable, which resolves a symlink back to the test binary's name.
var argusBinary = sync.OnceValues(func() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the test binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "argus-bin-")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "argus")
	if err := os.Link(self, dst); err == nil {
		return dst, nil
	}
	src, err := os.Open(self)
	if err != nil {
		return "", err
	}
	defer func() { _ = src.Close() }()                                     // read-only
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755) //nolint:gosec // G302: the copy is the argus binary the test runs, so it must be executable
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, src); err != nil {
		_ = out.Close() // the copy already failed; that error is the one to report
		return "", fmt.Errorf("copy the test binary to %s: %w", dst, err)
	}
	return dst, out.Close()
})

func argusPath(t *testing.T) string {
	t.Helper()
	p, err := argusBinary()
	if err != nil {
		t.Fatalf("argus binary: %v", err)
	}
	return p
}

// argusCmd is an argus command with a clean environment: HOME and the XDG directories in dir,
// nothing of a CI runner.
func argusCmd(ctx context.Context, t *testing.T, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argusPath(t), args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, ".home"),
		"XDG_STATE_HOME=" + filepath.Join(dir, ".home", "state"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".home", "cache"),
		"TMPDIR=" + os.TempDir(),
	}
	return cmd
}

// TestKillAssess SIGKILLs `argus assess` at random moments and checks after each kill that what
// it leaves is readable and complete: the state file parses, every outbox item parses, and every
// result of a job the state file says finished is either delivered or in the outbox, exactly
// once. A last run without a kill then delivers everything that was ever put in the outbox.
func TestKillAssess(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill test starts about ten argus processes")
	}
	fake := cptest.Start(t, cptest.Options{})
	// A slow answer widens the window between the control plane's 2xx and the removal of the
	// outbox file, where a kill means a redelivery under the same idempotency key.
	fake.SetSwitches(cptest.Switches{Delay: cptest.Duration(15 * time.Millisecond), Path: "/api/evidence"})
	work := t.TempDir()
	const jobs = 30
	var hcl strings.Builder
	fmt.Fprintf(&hcl, "control_plane {\n  url = %q\n}\n", fake.URL)
	for i := range jobs {
		// Different lengths spread the jobs' ends over the run, so that a kill finds some
		// finished, some running and some not started.
		fmt.Fprintf(&hcl, "job \"slow-%02d\" {\n  provider = \"builtin/command\"\n  schedule = \"every 1h\"\n  config = { command = [\"sleep\", \"0.1%d\"] }\n}\n", i, i%10)
	}
	cfg := filepath.Join(work, "kill.argus.hcl")
	if err := os.WriteFile(cfg, []byte(hcl.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(work, "state")
	args := []string{"assess", "--config", cfg, "--state-dir", stateDir, "--all", "--parallel", "4", "--retry-budget", "2s", "--lock-timeout", "10s"}

	// How long one run takes here (the same jobs, no control plane): the kill moments are drawn
	// over that span, so that kills find jobs finished, running and not started on a fast
	// machine as on a loaded one under the race detector.
	span := calibrateRun(t, work, hcl.String(), fake.URL)

	seed := time.Now().UnixNano()
	t.Logf("seed %d (kill delays are drawn from it)", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0)) //nolint:gosec // G404: kill moments must be reproducible from the logged seed, not unpredictable

	everPut := map[string]bool{} // outbox item IDs seen at any check: all must be delivered in the end
	oldRuns := map[string]bool{} // run IDs seen at earlier checks: their results are not this run's
	killedWithWork := 0
	for i := range 8 {
		started := time.Now()
		// Most kills land while jobs run, some during delivery, a few after the end.
		delay := time.Duration(rng.Int64N(int64(span)))
		cmd := argusCmd(t.Context(), t, work, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		killed := !timer.Stop()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("iteration %d: %v", i, err)
		}
		if !killed && err != nil {
			t.Fatalf("iteration %d: argus exited before the kill: %v\n%s", i, err, stderr.String())
		}
		finished, delivered := checkAfterKill(t, i, stateDir, fake.Fake, started, everPut, oldRuns)
		t.Logf("iteration %d: killed=%v after %v; %d job(s) finished in this run, %d of their results delivered", i, killed, delay.Round(time.Millisecond), finished, delivered)
		if killed && finished > 0 {
			killedWithWork++
		}
	}
	if killedWithWork == 0 {
		// Every kill landed before any job finished: the invariants held vacuously.
		t.Errorf("no kill happened after a job finished; the test checked nothing (seed %d)", seed)
	}

	// A run without a kill delivers what the killed runs left, and its own results.
	started := time.Now()
	out, err := argusCmd(t.Context(), t, work, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	finished, _ := checkAfterKill(t, 8, stateDir, fake.Fake, started, everPut, oldRuns)
	if finished != jobs {
		t.Errorf("final run finished %d jobs, want %d", finished, jobs)
	}
	ob, err := outbox.Open(filepath.Join(stateDir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	if items, err := ob.List(); err != nil || len(items) > 0 {
		t.Errorf("after the final run the outbox holds %d item(s) (err %v), want none", len(items), err)
	}
	rec := fake.Recording()
	keys := map[string]bool{}
	for _, ev := range rec.Evidence {
		keys[ev.IdempotencyKey] = true
	}
	for id := range everPut {
		if !keys[id] {
			t.Errorf("outbox item %s was never delivered", id)
		}
	}
	t.Logf("%d evidence delivered in %d streams; %d redelivery(ies) of an already accepted key (a kill between the 2xx and the removal), answered by idempotency", len(rec.Evidence), len(rec.Streams), rec.Duplicates)
}

// checkAfterKill checks the invariants and returns how many jobs the state file says finished
// since started, and how many of their results the fake has. A result belongs to the run just
// killed when its argus-run-id was not seen at an earlier check (oldRuns, updated here).
func checkAfterKill(t *testing.T, iter int, stateDir string, fake *cptest.Fake, started time.Time, everPut, oldRuns map[string]bool) (finished, delivered int) {
	t.Helper()
	// The state file parses.
	var st struct {
		Version int                       `json:"version"`
		Jobs    map[string]state.JobState `json:"jobs"`
	}
	switch data, err := os.ReadFile(filepath.Join(stateDir, state.StateFile)); {
	case errors.Is(err, os.ErrNotExist):
		// Killed before the first write: nothing finished.
	case err != nil:
		t.Fatalf("iteration %d: read state: %v", iter, err)
	default:
		if err := json.Unmarshal(data, &st); err != nil {
			t.Fatalf("iteration %d: state file does not parse: %v\n%s", iter, err, data)
		}
	}

	// Every outbox item parses (List reports corrupt files as errors).
	type found struct {
		key    string
		job    string
		stream string
		runID  string
	}
	var all []found
	collect := func(key string, ev controlplane.Evidence) {
		f := found{key: key, job: ev.Labels[controlplane.LabelJob], stream: ev.UUID.String()}
		for _, p := range ev.Props {
			if p.Name == "argus-run-id" {
				f.runID = p.Value
			}
		}
		all = append(all, f)
	}
	ob, err := outbox.Open(filepath.Join(stateDir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := ob.List()
	if err != nil {
		t.Fatalf("iteration %d: outbox: %v", iter, err)
	}
	inOutbox := map[string]bool{}
	for _, it := range items {
		var ev controlplane.Evidence
		if err := json.Unmarshal(it.Payload, &ev); err != nil {
			t.Fatalf("iteration %d: outbox item %s payload: %v", iter, it.ID, err)
		}
		everPut[it.ID] = true
		inOutbox[it.ID] = true
		collect(it.ID, ev)
	}
	rec := fake.Recording()
	for _, ev := range rec.Evidence {
		if inOutbox[ev.IdempotencyKey] {
			// Accepted, then killed before the file was removed: the next run resends it
			// under the same key, which the control plane answers without a second record.
			continue
		}
		collect(ev.IdempotencyKey, ev.Body)
	}

	// None twice: by idempotency key, and by (stream, run) — one result of one run must not
	// have been put in the outbox twice under different keys.
	keys := map[string]bool{}
	pairs := map[string]string{}
	for _, f := range all {
		if keys[f.key] {
			t.Errorf("iteration %d: idempotency key %s delivered twice", iter, f.key)
		}
		keys[f.key] = true
		pair := f.stream + " " + f.runID
		if f.runID == "" {
			t.Errorf("iteration %d: evidence %s has no argus-run-id prop", iter, f.key)
		}
		if prev, ok := pairs[pair]; ok {
			t.Errorf("iteration %d: stream %s run %s has two results (keys %s and %s)", iter, f.stream, f.runID, prev, f.key)
		}
		pairs[pair] = f.key
	}

	// None lost: each job the state says finished in this run has its result somewhere, once.
	for name, js := range st.Jobs {
		if js.LastStatus == state.StatusRunning || js.LastEnd.Before(js.LastStart) || js.LastStart.Before(started) {
			continue
		}
		finished++
		n, d := 0, 0
		for _, f := range all {
			if f.job == name && !oldRuns[f.runID] {
				n++
				if !inOutbox[f.key] {
					d++
				}
			}
		}
		if n != 1 {
			t.Errorf("iteration %d: job %s finished at %s but %d result(s) of this run are delivered or in the outbox, want 1", iter, name, js.LastEnd.Format(time.RFC3339Nano), n)
		}
		delivered += d
	}
	for _, f := range all {
		oldRuns[f.runID] = true
	}
	return finished, delivered
}

// calibrateRun runs the kill test's jobs once to the end, without a control plane and in a
// state directory of its own, and returns 1.2 times how long that took: the span kill moments
// are drawn from.
func calibrateRun(t *testing.T, work, hcl, cpURL string) time.Duration {
	t.Helper()
	dir := filepath.Join(work, "calibrate")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	local := strings.Replace(hcl, fmt.Sprintf("control_plane {\n  url = %q\n}\n", cpURL), "", 1)
	cfg := filepath.Join(dir, "kill.argus.hcl")
	if err := os.WriteFile(cfg, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := argusCmd(t.Context(), t, work, "assess", "--config", cfg, "--state-dir", filepath.Join(dir, "state"), "--all", "--parallel", "4")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("calibration run: %v\n%s", err, out)
	}
	span := time.Since(start) * 6 / 5
	t.Logf("a whole run takes %v here; kills are drawn from [0, %v)", time.Since(start).Round(time.Millisecond), span.Round(time.Millisecond))
	return span
}
