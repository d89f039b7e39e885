package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A provider that daemonises (a child that calls setsid and keeps none of the provider's pipes)
// escapes the process-group kill. argus, a subreaper, gets the orphan, recognises it by its
// job's token and kills it when the job ends; the job is an error, since a provider must not
// leave processes behind (issue 15, item 2).
func TestRunKillsDaemonisedChild(t *testing.T) {
	r := testRunner(t)
	pidFile := filepath.Join(t.TempDir(), "daemon.pid")
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "daemon", pidFile), Request: testRequest(), Timeout: 10 * time.Second})
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the daemon did not record its pid: %v (failure %v, stderr: %s)", err, o.Failure, o.Stderr)
	}
	pid, err := strconv.Atoi(string(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails
	// Gone when Run returns, not eventually: nothing of the job may run after it.
	if err := syscall.Kill(pid, 0); err == nil && !zombie(pid) {
		t.Errorf("daemonised child %d still runs after Run returned", pid)
	}
	isA[*EscapedError](t, o.Failure)
	if !strings.Contains(o.Results[0].Reason, "left its process group") {
		t.Errorf("reason = %q, want it to say a process left the provider's group", o.Results[0].Reason)
	}
}

// Every job has its own token, and it is in the provider's environment.
func TestRunJobToken(t *testing.T) {
	r := testRunner(t)
	var tokens []string
	for range 2 {
		o := r.Run(t.Context(), Task{Command: self(t, "good"), Request: testRequest(), Timeout: time.Minute, EnvAllow: coverAllow()})
		if o.Failure != nil {
			t.Fatalf("Failure = %v, stderr:\n%s", o.Failure, o.Stderr)
		}
		i := slices.IndexFunc(evidence[[]string](t, o, "env"), func(kv string) bool { return strings.HasPrefix(kv, jobTokenPrefix) })
		if i < 0 {
			t.Fatalf("no %s in the provider's environment", jobTokenVar)
		}
		tokens = append(tokens, evidence[[]string](t, o, "env")[i])
	}
	if tokens[0] == tokens[1] || len(tokens[0]) != len(jobTokenPrefix)+32 {
		t.Errorf("job tokens %q: want two different 128-bit tokens", tokens)
	}
}

// An orphan of a job that still runs (it left the job's group and its parent exited, so it is
// argus's child now) is left alone when another job ends, by its token; it is killed when its
// own job ends.
func TestRunSweepSparesRunningJobs(t *testing.T) {
	r := testRunner(t)
	pidFile := filepath.Join(t.TempDir(), "orphan.pid")
	done := make(chan Outcome, 1)
	go func() {
		done <- r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "orphan-then-hang", pidFile), Request: testRequest(), Timeout: 3 * time.Second})
	}()
	var pid int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if data, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(string(data))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hanging provider's orphan did not start")
		}
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	// The orphan is the test process's child once its parent has exited.
	for deadline := time.Now().Add(5 * time.Second); !slices.Contains(childPids(os.Getpid()), pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d was not re-parented to the test process", pid)
		}
	}
	if o := r.Run(t.Context(), Task{Command: self(t, "fixed"), Request: testRequest(), Timeout: time.Minute, EnvAllow: coverAllow()}); o.Failure != nil {
		t.Fatalf("second job: %v", o.Failure)
	}
	if err := syscall.Kill(pid, 0); err != nil || zombie(pid) {
		t.Fatalf("the running job's orphan was killed when another job ended (kill -0: %v)", err)
	}
	isA[*TimeoutError](t, (<-done).Failure)
	if err := syscall.Kill(pid, 0); err == nil && !zombie(pid) {
		t.Errorf("the orphan %d still runs after its own job ended", pid)
	}
}

// Both ways of listing argus's children find the same ones: the per-thread children files and,
// for kernels without them, the scan of every process's parent.
func TestChildPids(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	fromTasks, ok := taskChildren(os.Getpid())
	if !ok {
		t.Fatal("no /proc/self/task/*/children on this kernel")
	}
	for name, got := range map[string][]int{"task children": fromTasks, "scan": scanChildren(os.Getpid()), "childPids": childPids(os.Getpid())} {
		if !slices.Contains(got, cmd.Process.Pid) {
			t.Errorf("%s: %v lacks the child %d", name, got, cmd.Process.Pid)
		}
	}
	if group, state, ok := procStat(cmd.Process.Pid); !ok || group != syscall.Getpgrp() || state == 'Z' {
		t.Errorf("procStat = group %d, state %c, %v; want argus's group %d, running", group, state, ok, syscall.Getpgrp())
	}
	if _, _, ok := procStat(1 << 30); ok {
		t.Error("procStat of no process succeeded")
	}
}

func TestEscapedAndResultsErrors(t *testing.T) {
	for err, want := range map[error]string{
		&EscapedError{}:          "a process started by the provider left its process group and outlived the provider (a provider must not leave processes behind: wait for what it starts)",
		&EscapedError{Killed: 2}: "2 process(es) started by the provider left its process group and outlived the provider; argus killed them (a provider must not leave processes behind: wait for what it starts)",
		&ResultsError{Returned: 5, Limit: 3, Duplicates: []string{"a", "b"}}: `provider returned 5 results, more than the 3 argus keeps of one job; provider returned several results titled "a", "b" (titles must be unique within a job)`,
	} {
		if got := err.Error(); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
}
