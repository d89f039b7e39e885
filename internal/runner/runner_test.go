//go:build unix

package runner

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sync/errgroup"

	"github.com/compliance-framework/argus/sdk"
)

// jobTokenPrefix starts the job token Linux providers get (see TestRunJobToken); tests that
// compare whole environments leave it out.
const jobTokenPrefix = "ARGUS_JOB_TOKEN=" //nolint:gosec // G101: a variable name, not a credential

// self returns the command that runs the test binary as the named test provider.
func self(t testing.TB, name string, args ...string) Command {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Command{Path: exe, Args: append([]string{providerSwitch, name}, args...)}
}

// coverEnv is GOCOVERDIR=<dir> when `go test -cover` gave this test binary a coverage directory,
// else nothing. A test provider is this binary re-executed: built with coverage, it writes its
// counters on exit and, without GOCOVERDIR in the sanitised environment the runner gives it,
// prints a warning to stderr that the tests would take for the provider's own output. Tests
// that run a test provider add coverEnv to the runner's BaseEnv and coverAllow to the task's
// EnvAllow; the children's counters then join the package's coverage.
func coverEnv() []string {
	if f := flag.Lookup("test.gocoverdir"); f != nil && f.Value.String() != "" {
		return []string{"GOCOVERDIR=" + f.Value.String()}
	}
	return nil
}

// coverAllow is the EnvAllow entry that lets coverEnv's variable through, when it is set.
func coverAllow() []string {
	if len(coverEnv()) == 0 {
		return nil
	}
	return []string{"GOCOVERDIR"}
}

// testRunner returns a runner with small limits whose job directories live in a directory the
// test can inspect.
func testRunner(t testing.TB) *Runner {
	return &Runner{
		OutputLimit: 64 << 10,
		StderrLimit: 4 << 10,
		Grace:       300 * time.Millisecond,
		BaseEnv:     append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, coverEnv()...),
		TempDir:     t.TempDir(),
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func testRequest() sdk.Request {
	return sdk.Request{
		RunID:   "2b1f0a4e-0000-4000-8000-000000000001",
		Job:     sdk.Job{Name: "etc-passwd-perms", Labels: map[string]string{"team": "platform"}},
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
		Config:  json.RawMessage(`{"path":"/etc/passwd"}`),
	}
}

// evidence decodes one evidence value of the first observation of the first result.
func evidence[T any](t *testing.T, o Outcome, key string) T {
	t.Helper()
	if len(o.Results) == 0 || len(o.Results[0].Observations) == 0 {
		t.Fatalf("outcome has no observation: %+v", o)
	}
	raw, err := json.Marshal(o.Results[0].Observations[0].Evidence[key])
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode evidence %q: %v", key, err)
	}
	return v
}

func TestRunGoodProvider(t *testing.T) {
	r := testRunner(t)
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "good"), Request: testRequest(), Timeout: time.Minute})
	if o.Failure != nil {
		t.Fatalf("Failure = %v, stderr:\n%s", o.Failure, o.Stderr)
	}
	if len(o.Results) != 1 || o.Results[0].Title != "good" || o.Results[0].Status != sdk.StatusPass {
		t.Fatalf("Results = %+v, want the provider's one pass result", o.Results)
	}
	if want := "good provider: first line\ngood provider: second line\n"; o.Stderr != want {
		t.Errorf("Stderr = %q, want %q", o.Stderr, want)
	}
	if !o.Start.Before(o.End) {
		t.Errorf("Start %v is not before End %v", o.Start, o.End)
	}

	// The request as the provider received it: protocol and deadline filled in, the rest intact.
	var got sdk.Request
	if err := json.Unmarshal([]byte(evidence[string](t, o, "request")), &got); err != nil {
		t.Fatal(err)
	}
	want := testRequest()
	want.Protocol = sdk.ProtocolVersion
	want.Deadline = got.Deadline
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if d := got.Deadline.Sub(o.Start); d < time.Minute-time.Second || d > time.Minute {
		t.Errorf("deadline is %v after start, want the one-minute timeout", d)
	}
}

func TestRunKeepsAnExplicitDeadline(t *testing.T) {
	r := testRunner(t)
	req := testRequest()
	req.Deadline = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	req.Protocol = 7 // the runner speaks protocol 1, whatever the caller put here
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "good"), Request: req, Timeout: time.Minute})
	if o.Failure != nil {
		t.Fatalf("Failure = %v", o.Failure)
	}
	var got sdk.Request
	if err := json.Unmarshal([]byte(evidence[string](t, o, "request")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Protocol != 1 || !got.Deadline.Equal(req.Deadline) {
		t.Errorf("provider got protocol %d, deadline %v; want 1, %v", got.Protocol, got.Deadline, req.Deadline)
	}
}

func TestRunWorkingDirectoryIsFreshAndRemoved(t *testing.T) {
	r := testRunner(t)
	var dirs []string
	for range 2 {
		o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "good"), Request: testRequest(), Timeout: time.Minute})
		if o.Failure != nil {
			t.Fatalf("Failure = %v", o.Failure)
		}
		cwd := evidence[string](t, o, "cwd")
		if n := evidence[int](t, o, "cwd_entries"); n != 0 {
			t.Errorf("working directory %s had %d entries at start, want a fresh empty one", cwd, n)
		}
		if filepath.Dir(cwd) != r.TempDir {
			t.Errorf("working directory %s is not in TempDir %s", cwd, r.TempDir)
		}
		if _, err := os.Stat(cwd); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("working directory %s still exists after Run (stat: %v)", cwd, err)
		}
		dirs = append(dirs, cwd)
	}
	if dirs[0] == dirs[1] {
		t.Errorf("two runs shared working directory %s", dirs[0])
	}
	// Also after a timeout.
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "hang"), Request: testRequest(), Timeout: 100 * time.Millisecond})
	var timeout *TimeoutError
	if !errors.As(o.Failure, &timeout) {
		t.Fatalf("Failure = %v, want a timeout", o.Failure)
	}
	if left, _ := os.ReadDir(r.TempDir); len(left) != 0 {
		t.Errorf("TempDir still holds %v after a timed-out run", left)
	}
}

func TestRunEnvironmentIsSanitized(t *testing.T) {
	r := testRunner(t)
	home, tmp := t.TempDir(), t.TempDir()
	r.BaseEnv = []string{
		"PATH=/usr/bin:/bin", "HOME=" + home, "TMPDIR=" + tmp, "LANG=C.UTF-8",
		"FOO=bar", "UNLISTED=nope", "FOO=bar-last", // the last definition wins, as in os/exec
		"ARGUS_CLIENT_SECRET=s3cret", "ARGUS_CLIENT_ID=client", "ARGUS_CONFIG=/etc/argus", "ARGUS_PROTOCOL=7",
		"argus_lower=x", "AWS_SECRET_ACCESS_KEY=aws",
	}
	r.BaseEnv = append(r.BaseEnv, coverEnv()...)
	o := r.Run(t.Context(), Task{
		Command:  self(t, "good"),
		Request:  testRequest(),
		Timeout:  time.Minute,
		EnvAllow: append([]string{"FOO", "ARGUS_CLIENT_SECRET", "ARGUS_CLIENT_ID", "ARGUS_CONFIG", "ARGUS_PROTOCOL", "argus_lower", "MISSING", "FOO"}, coverAllow()...),
	})
	if o.Failure != nil {
		t.Fatalf("Failure = %v, stderr:\n%s", o.Failure, o.Stderr)
	}
	got := evidence[[]string](t, o, "env")
	got = slices.DeleteFunc(got, func(kv string) bool { return strings.HasPrefix(kv, jobTokenPrefix) }) // see TestRunJobToken
	slices.Sort(got)
	want := append([]string{"ARGUS_PROTOCOL=1", "FOO=bar-last", "HOME=" + home, "LANG=C.UTF-8", "PATH=/usr/bin:/bin", "TMPDIR=" + tmp}, coverEnv()...)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("provider environment (-want +got):\n%s", diff)
	}
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\necho hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	segv := filepath.Join(dir, "segv.sh")
	if err := os.WriteFile(segv, []byte("#!/bin/sh\necho 'about to crash' >&2\nkill -SEGV $$\n"), 0o755); err != nil { //nolint:gosec // G306: a provider executable
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "argus-provider-missing")

	tests := []struct {
		name    string
		command Command
		timeout time.Duration
		check   func(t *testing.T, err error)
		reason  []string // substrings of the error result's reason
		remarks []string // substrings of its remarks (the stderr tail)
	}{
		{
			name:    "missing executable",
			command: Command{Path: missing},
			check:   isA[*StartError],
			reason:  []string{missing, "no such file or directory", "; HINT-START"},
		},
		{
			name:    "not executable",
			command: Command{Path: notExecutable},
			check:   isA[*StartError],
			reason:  []string{notExecutable, "permission denied", "; HINT-START"},
		},
		{
			name:    "panic",
			command: self(t, "panic"),
			check:   exitCode(2),
			reason:  []string{"provider exited with status 2"},
			remarks: []string{"panic: boom: the provider crashed", "goroutine"},
		},
		{
			name:    "abort",
			command: self(t, "abort"),
			check:   exitSignal("SIGABRT"),
			reason:  []string{"provider killed by signal SIGABRT"},
			remarks: []string{"boom: the provider aborted"},
		},
		{
			name:    "segmentation fault",
			command: Command{Path: segv},
			check:   exitSignal("SIGSEGV"),
			reason:  []string{"provider killed by signal SIGSEGV", "last stderr line: about to crash"},
			remarks: []string{"about to crash"},
		},
		{
			name:    "non-zero exit",
			command: self(t, "print", "", "3"),
			check:   exitCode(3),
			reason:  []string{"provider exited with status 3", "last stderr line: print provider: done"},
			remarks: []string{"print provider: done"},
		},
		{
			name:    "valid output but non-zero exit",
			command: self(t, "print", fixedResponse, "4"),
			check:   exitCode(4),
			reason:  []string{"provider exited with status 4"},
			remarks: []string{"print provider: done"},
		},
		{
			name:    "timeout",
			command: self(t, "hang"),
			timeout: 200 * time.Millisecond,
			check:   isA[*TimeoutError],
			reason:  []string{"provider timed out after 200ms"},
			remarks: []string{"hang provider: sleeping"},
		},
		{
			// SIGTERM comes first, and the timeout wins even though the provider then exits 0.
			name:    "timeout, provider handles SIGTERM",
			command: self(t, "term-handler"),
			timeout: 200 * time.Millisecond,
			check:   isA[*TimeoutError],
			reason:  []string{"provider timed out after 200ms"},
			remarks: []string{"received SIGTERM, cleaning up"},
		},
		{
			name:    "timeout, provider ignores SIGTERM",
			command: self(t, "ignore-term"),
			timeout: 200 * time.Millisecond,
			check:   isA[*TimeoutError],
			reason:  []string{"provider timed out after 200ms"},
			remarks: []string{"sleeping through SIGTERM"},
		},
		{
			name:    "stdout flood",
			command: self(t, "flood"),
			check:   outputExceeded(64 << 10),
			reason:  []string{"provider output exceeds 64 KiB"},
		},
		{
			name:    "garbage output",
			command: self(t, "print", "hello, this is not JSON\n"),
			check:   isA[*OutputError],
			reason:  []string{"decode provider output", "invalid character"},
		},
		{
			name:    "nothing on stdout",
			command: self(t, "print", ""),
			check:   isA[*OutputError],
			reason:  []string{"printed nothing on stdout"},
		},
		{
			name:    "two documents",
			command: self(t, "print", fixedResponse+fixedResponse),
			check:   isA[*OutputError],
			reason:  []string{"more than one JSON document"},
		},
		{
			name:    "unknown field",
			command: self(t, "print", `{"results":[{"title":"t","status":"pass","colour":"red"}]}`),
			check:   isA[*OutputError],
			reason:  []string{`unknown field "colour"`},
		},
		{
			name:    "no results",
			command: self(t, "print", `{"results":[]}`),
			check:   isA[*OutputError],
			reason:  []string{"response has no results"},
		},
		{
			name:    "bad status",
			command: self(t, "print", `{"results":[{"title":"t","status":"ok"}]}`),
			check:   isA[*OutputError],
			reason:  []string{`status "ok" is not one of pass, fail, error, skip`},
		},
		{
			name:    "stderr flood",
			command: self(t, "stderr-flood"),
			check:   exitCode(1),
			reason:  []string{"provider exited with status 1", "last stderr line: TAIL-MARKER"},
			remarks: []string{"TAIL-MARKER"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRunner(t)
			// The runner names no argus command; its Hint (exitcode.FailureHint) ends the
			// reason of the failures it has advice for, and only of those.
			r.Hint = func(err error) string {
				if isStart := errors.As(err, new(*StartError)); isStart {
					return "; HINT-START"
				}
				return ""
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = time.Minute
			}
			o := r.Run(t.Context(), Task{Command: tt.command, EnvAllow: coverAllow(), Request: testRequest(), Timeout: timeout})
			tt.check(t, o.Failure)
			if len(o.Results) != 1 {
				t.Fatalf("got %d results, want one error result: %+v", len(o.Results), o.Results)
			}
			res := o.Results[0]
			if res.Status != sdk.StatusError || res.Title == "" {
				t.Errorf("result has status %q and title %q, want status error and a title", res.Status, res.Title)
			}
			if res.Reason == "" || !strings.HasPrefix(res.Reason, o.Failure.Error()) {
				t.Errorf("reason %q does not start with the failure %q", res.Reason, o.Failure)
			}
			for _, s := range tt.reason {
				if !strings.Contains(res.Reason, s) {
					t.Errorf("reason %q does not contain %q", res.Reason, s)
				}
			}
			if !slices.Contains(tt.reason, "; HINT-START") && strings.Contains(res.Reason, "HINT-START") {
				t.Errorf("reason %q has the hint of a start failure", res.Reason)
			}
			for _, s := range tt.remarks {
				if !strings.Contains(res.Remarks, s) {
					t.Errorf("remarks %q do not contain %q", res.Remarks, s)
				}
			}
			if len(tt.remarks) == 0 && res.Remarks != "" && o.Stderr == "" {
				t.Errorf("remarks %q without any stderr", res.Remarks)
			}
			if err := (sdk.Response{Results: o.Results}).Validate(); err != nil {
				t.Errorf("the error result is not a valid result: %v", err)
			}
			if left, _ := os.ReadDir(r.TempDir); len(left) != 0 {
				t.Errorf("TempDir still holds %v", left)
			}
		})
	}
}

func isA[E error](t *testing.T, err error) {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("Failure = %v (%T), want a %T", err, err, target)
	}
}

func exitCode(code int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *ExitError
		if !errors.As(err, &e) || e.Code != code || e.Signal != "" {
			t.Fatalf("Failure = %v (%#v), want exit status %d", err, err, code)
		}
	}
}

func exitSignal(sig string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *ExitError
		if !errors.As(err, &e) || e.Signal != sig {
			t.Fatalf("Failure = %v (%#v), want killed by %s", err, err, sig)
		}
	}
}

func outputExceeded(limit int64) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *OutputError
		if !errors.As(err, &e) || !e.Exceeded || e.Limit != limit {
			t.Fatalf("Failure = %v (%#v), want output exceeding %d bytes", err, err, limit)
		}
	}
}

func TestRunStderrIsBounded(t *testing.T) {
	r := testRunner(t)
	r.StderrLimit = 1 << 10
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "stderr-flood"), Request: testRequest(), Timeout: time.Minute})
	isA[*ExitError](t, o.Failure)
	if !strings.HasPrefix(o.Stderr, "HEAD-MARKER\n") || !strings.HasSuffix(o.Stderr, "TAIL-MARKER\n") {
		t.Errorf("stderr lost its head or tail: %q ... %q", o.Stderr[:min(40, len(o.Stderr))], o.Stderr[max(0, len(o.Stderr)-40):])
	}
	if !strings.Contains(o.Stderr, " bytes omitted ...") {
		t.Errorf("stderr has no omission marker")
	}
	if len(o.Stderr) > r.StderrLimit+100 {
		t.Errorf("kept %d bytes of stderr, want about %d", len(o.Stderr), r.StderrLimit)
	}
	if len(o.Results[0].Remarks) > remarksTail+100 {
		t.Errorf("remarks hold %d bytes, want at most about %d", len(o.Results[0].Remarks), remarksTail)
	}
}

func TestRunProviderThatDoesNotReadStdin(t *testing.T) {
	r := testRunner(t)
	req := testRequest()
	// Far more than a pipe buffer holds, so writing it would block forever if the runner waited.
	req.Config = json.RawMessage(`{"blob":"` + strings.Repeat("a", 4<<20) + `"}`)
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "noread"), Request: req, Timeout: time.Minute})
	if o.Failure != nil {
		t.Fatalf("Failure = %v", o.Failure)
	}
	if o.Results[0].Title != "fixed" {
		t.Errorf("Results = %+v", o.Results)
	}
}

// TestRunKillsLeftoverChildren checks that a child which ignores SIGTERM, and so survives the
// provider's own death, is killed with the rest of the process group.
func TestRunKillsLeftoverChildren(t *testing.T) {
	tests := []struct {
		mode  string
		check func(*testing.T, error)
	}{
		{"hang", isA[*TimeoutError]}, // the provider times out: SIGTERM, then SIGKILL for the child
		{"exit", func(t *testing.T, err error) { // the provider answers and exits, the child stays
			if err != nil {
				t.Fatalf("Failure = %v, want the provider's results to stand", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			r := testRunner(t)
			pidFile := filepath.Join(t.TempDir(), "child.pid")
			o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "spawn", pidFile, tt.mode), Request: testRequest(), Timeout: 2 * time.Second})
			data, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatalf("the provider's child did not record its pid: %v (stderr: %s)", err, o.Stderr)
			}
			pid, err := strconv.Atoi(string(data))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails
			tt.check(t, o.Failure)
			waitGone(t, pid)
		})
	}
}

// waitGone waits until pid no longer runs. SIGKILL is delivered asynchronously, and an orphan
// stays a zombie until its new parent reaps it (some container inits never do), so a zombie
// counts as gone; a process that survived the runner would sleep for an hour and fail this.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) || zombie(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child process %d is still alive after Run returned (kill -0: %v)", pid, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// zombie reports whether pid has exited but is not yet reaped (Linux only; elsewhere false).
func zombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may contain spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

func TestRunRelativePathIsRelativeToArgus(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\ncat >/dev/null\necho '{\"results\":[{\"title\":\"from sh\",\"status\":\"skip\"}]}'\n"
	if err := os.MkdirAll(filepath.Join(dir, "providers"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "providers", "argus-provider-sh"), []byte(script), 0o755); err != nil { //nolint:gosec // G306: a provider executable
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := testRunner(t)
	o := r.Run(t.Context(), Task{Command: Command{Path: "./providers/argus-provider-sh"}, Request: testRequest(), Timeout: time.Minute})
	if o.Failure != nil {
		t.Fatalf("Failure = %v", o.Failure)
	}
	if o.Results[0].Title != "from sh" {
		t.Errorf("Results = %+v", o.Results)
	}
}

func TestRunCancelledBeforeStart(t *testing.T) {
	r := testRunner(t)
	ctx, cancel := context.WithCancelCause(t.Context())
	cause := errors.New("received SIGTERM")
	cancel(cause)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	o := r.Run(ctx, Task{EnvAllow: coverAllow(), Command: self(t, "spawn", pidFile, "exit"), Request: testRequest(), Timeout: time.Minute})
	isA[*NotStartedError](t, o.Failure)
	if !errors.Is(o.Failure, cause) {
		t.Errorf("Failure %v does not wrap the cancellation cause", o.Failure)
	}
	if len(o.Results) != 1 || o.Results[0].Status != sdk.StatusError {
		t.Errorf("Results = %+v, want one error result", o.Results)
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the provider ran although the context was cancelled")
	}
}

func TestRunStreamsStderrToLogger(t *testing.T) {
	r := testRunner(t)
	h := &recordHandler{}
	r.Logger = slog.New(h)
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "good"), Request: testRequest(), Timeout: time.Minute})
	if o.Failure != nil {
		t.Fatalf("Failure = %v", o.Failure)
	}
	want := []string{"good provider: first line", "good provider: second line"}
	if diff := cmp.Diff(want, h.lines()); diff != "" {
		t.Errorf("logged stderr lines (-want +got):\n%s", diff)
	}
}

type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *recordHandler) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var lines []string
	for _, r := range h.records {
		if r.Message != "provider stderr" || r.Level != slog.LevelDebug {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "line" {
				lines = append(lines, a.Value.String())
			}
			return true
		})
	}
	return lines
}

func TestRunInParallel(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		t.Run(fmt.Sprint("parallel ", parallel), func(t *testing.T) {
			r := testRunner(t)
			dir := t.TempDir()
			const total = 12
			tasks := make([]Task, total)
			for i := range tasks {
				tasks[i] = Task{EnvAllow: coverAllow(), Command: self(t, "counter", dir, strconv.Itoa(i), strconv.Itoa(parallel), strconv.Itoa(total)),
					Request: testRequest(), Timeout: time.Minute}
			}
			var mu sync.Mutex
			seen := make(map[int]int)
			maxRunning := 0
			runAll(t.Context(), r, tasks, parallel, func(i int, o Outcome) {
				mu.Lock()
				defer mu.Unlock()
				seen[i]++
				if o.Failure != nil {
					t.Errorf("task %d: %v\n%s", i, o.Failure, o.Stderr)
					return
				}
				maxRunning = max(maxRunning, evidence[int](t, o, "max_running"))
			})
			for i := range tasks {
				if seen[i] != 1 {
					t.Errorf("task %d reported %d times, want once", i, seen[i])
				}
			}
			if left, _ := os.ReadDir(r.TempDir); len(left) != 0 {
				t.Errorf("TempDir still holds %v after the runs", left)
			}
			if maxRunning != parallel {
				t.Errorf("at most %d providers ran at once, want exactly %d", maxRunning, parallel)
			}
		})
	}
}

func TestRunCancellationStopsNewTasks(t *testing.T) {
	r := testRunner(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Opened read-write so that neither this open nor the providers' opens block.
	f, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // the test's own handle on its fifo

	const total, parallel = 10, 2
	tasks := make([]Task, total)
	for i := range tasks {
		tasks[i] = Task{EnvAllow: coverAllow(), Command: self(t, "fifo", dir), Request: testRequest(), Timeout: time.Minute}
	}
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	go func() {
		// Cancel once both workers' providers are running.
		buf := make([]byte, parallel)
		for n := 0; n < parallel; {
			k, err := f.Read(buf[n:])
			if err != nil {
				return
			}
			n += k
		}
		cancel(errors.New("received SIGINT"))
	}()

	var mu sync.Mutex
	failures := make(map[int]error)
	runAll(ctx, r, tasks, parallel, func(i int, o Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := failures[i]; dup {
			t.Errorf("task %d reported twice", i)
		}
		failures[i] = o.Failure
	})
	var interrupted, notStarted int
	for i := range total {
		var ie *InterruptedError
		var ns *NotStartedError
		switch err := failures[i]; {
		case errors.As(err, &ie):
			interrupted++
		case errors.As(err, &ns):
			notStarted++
		default:
			t.Errorf("task %d: Failure = %v, want interrupted or not started", i, err)
		}
	}
	if interrupted != parallel || notStarted != total-parallel {
		t.Errorf("%d interrupted and %d not started, want %d and %d", interrupted, notStarted, parallel, total-parallel)
	}
	if left, _ := os.ReadDir(r.TempDir); len(left) != 0 {
		t.Errorf("TempDir still holds %v after the runs", left)
	}
	started, _ := filepath.Glob(filepath.Join(dir, "started-*"))
	if len(started) != parallel {
		t.Errorf("%d providers started, want %d: none after the cancellation", len(started), parallel)
	}
}

// runAll runs tasks at most parallel at a time, as assess.Executor does, and calls done once
// per task, possibly concurrently. A task whose turn comes after ctx is done is still run, so
// that Run reports it as not started.
func runAll(ctx context.Context, r *Runner, tasks []Task, parallel int, done func(i int, o Outcome)) {
	var g errgroup.Group
	g.SetLimit(max(parallel, 1))
	for i, task := range tasks {
		g.Go(func() error {
			done(i, r.Run(ctx, task))
			return nil
		})
	}
	_ = g.Wait() // the tasks report through done, never through the group
}

// Results that share a title would put conflicting statuses into one stream in random order:
// they become one error result naming the title (issue 15, item 10). More results than the
// limit are cut, the excess becoming an error result (item 12).
func TestRunVetsResults(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		results string
		want    []sdk.Result
		failure string
	}{
		{
			name:    "unique titles stand",
			results: `{"title":"a","status":"pass"},{"title":"b","status":"fail"}`,
			want:    []sdk.Result{{Title: "a", Status: sdk.StatusPass}, {Title: "b", Status: sdk.StatusFail}},
		},
		{
			name:    "duplicate titles",
			results: `{"title":"a","status":"pass"},{"title":"dup","status":"pass"},{"title":"b","status":"fail"},{"title":"dup","status":"fail"}`,
			want: []sdk.Result{{Title: "a", Status: sdk.StatusPass}, {Title: "b", Status: sdk.StatusFail},
				{Title: "dup", Status: sdk.StatusError, Reason: `the provider returned 2 results titled "dup": titles must be unique within a job (each is a stream of its own), so argus cannot tell which status stands`}},
			failure: `provider returned several results titled "dup" (titles must be unique within a job)`,
		},
		{
			name:    "more than the limit",
			max:     2,
			results: `{"title":"a","status":"pass"},{"title":"b","status":"pass"},{"title":"c","status":"pass"}`,
			want: []sdk.Result{{Title: "a", Status: sdk.StatusPass}, {Title: "b", Status: sdk.StatusPass},
				{Title: "too many results", Status: sdk.StatusError, Reason: "the provider returned 3 results; argus kept the first 2 (raise --max-results if the job really has that many checks)"}},
			failure: "provider returned 3 results, more than the 2 argus keeps of one job",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRunner(t)
			r.MaxResults = tt.max
			o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "print", `{"results":[`+tt.results+`]}`), Request: testRequest(), Timeout: time.Minute})
			if diff := cmp.Diff(tt.want, o.Results); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			switch {
			case tt.failure == "" && o.Failure != nil:
				t.Errorf("Failure = %v, want none", o.Failure)
			case tt.failure != "" && (o.Failure == nil || o.Failure.Error() != tt.failure):
				t.Errorf("Failure = %v, want %q", o.Failure, tt.failure)
			}
		})
	}
}

func TestRunDefaultResultLimit(t *testing.T) {
	r := testRunner(t)
	r.OutputLimit = 4 << 20
	o := r.Run(t.Context(), Task{EnvAllow: coverAllow(), Command: self(t, "many", strconv.Itoa(DefaultMaxResults+5)), Request: testRequest(), Timeout: time.Minute})
	if len(o.Results) != DefaultMaxResults+1 || o.Results[DefaultMaxResults].Status != sdk.StatusError {
		t.Fatalf("got %d results (failure %v), want %d and an error result", len(o.Results), o.Failure, DefaultMaxResults+1)
	}
	isA[*ResultsError](t, o.Failure)
}
