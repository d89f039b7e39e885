package assess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/outcome"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/internal/session"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/sdk"
)

// testWorkspace is a Workspace and Providers over a real state directory (and, when the
// configuration has a control_plane block, a real session): only the providers are fake.
type testWorkspace struct {
	t     *testing.T
	cfg   *config.Config
	dir   string
	store *state.Store
	sess  *session.Session
}

func newWorkspace(t *testing.T, cfg *config.Config) *testWorkspace {
	return &testWorkspace{t: t, cfg: cfg, dir: t.TempDir()}
}

func (w *testWorkspace) Config(context.Context) (*config.Config, error) { return w.cfg, nil }

func (w *testWorkspace) State(ctx context.Context) (*state.Store, error) {
	if w.store == nil {
		s, err := state.Open(ctx, w.dir, time.Second, "handler test")
		if err != nil {
			return nil, err
		}
		w.store = s
	}
	return w.store, nil
}

func (w *testWorkspace) Session(ctx context.Context) (*session.Session, error) {
	if w.sess == nil {
		store, err := w.State(ctx)
		if err != nil {
			return nil, err
		}
		if w.sess, err = session.Open(w.cfg, store, nil); err != nil {
			return nil, err
		}
	}
	return w.sess, nil
}

func (w *testWorkspace) Resolver(context.Context, *config.Config) (Resolver, error) {
	return fakeResolver{}, nil
}

// close ends the invocation, as the real workspace does after the handler returns.
func (w *testWorkspace) close() {
	if w.store != nil {
		if err := w.store.Close(); err != nil {
			w.t.Error(err)
		}
		w.store, w.sess = nil, nil
	}
}

func noEnv(string) (string, bool) { return "", false }

func newHandler(ws *testWorkspace, r Runner, stdout, stderr *bytes.Buffer) *Handler {
	return &Handler{Workspace: ws, Providers: ws, Runner: r, Stdout: stdout, Stderr: stderr, Getenv: noEnv}
}

func status(s sdk.Status) func(context.Context, runner.Task) runner.Outcome {
	return func(_ context.Context, t runner.Task) runner.Outcome {
		return runner.Outcome{Results: []sdk.Result{{Title: t.Request.Job.Name, Status: s}}}
	}
}

func TestAssessViewGoesToStderrWhenAReportClaimsStdout(t *testing.T) {
	tests := []struct {
		name    string
		reports []string
		// wantView is where the terminal view ("PASS  a …") is printed.
		wantView string
	}{
		{"no report", nil, "stdout"},
		{"report to a file", []string{"json=" + filepath.Join(t.TempDir(), "r.json")}, "stdout"},
		{"report to stdout", []string{"json=-"}, "stderr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ws := newWorkspace(t, testConfig(job("a", "always")))
			defer ws.close()
			_, err := newHandler(ws, &fakeRunner{outcome: pass}, &stdout, &stderr).Assess(context.Background(), &Request{All: true, Reports: tt.reports, FailOn: result.FailOnFail})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{"stdout": strings.Contains(stdout.String(), "PASS"), "stderr": strings.Contains(stderr.String(), "PASS")}
			want := map[string]bool{"stdout": tt.wantView == "stdout", "stderr": tt.wantView == "stderr"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("where the view went (-want +got):\n%s\nstdout:\n%s\nstderr:\n%s", diff, &stdout, &stderr)
			}
			if tt.wantView == "stderr" && !json.Valid(stdout.Bytes()) {
				t.Errorf("stdout is not one JSON document:\n%s", &stdout)
			}
		})
	}
}

func TestAssessExitDecision(t *testing.T) {
	blocked := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	unwritable := "json=" + filepath.Join(blocked, "r.json") // under a file: cannot be created
	tests := []struct {
		name    string
		status  sdk.Status
		failOn  result.FailOn
		reports []string
		want    outcome.Kind
		wantErr bool // Outcome.Err set: the run itself did not complete cleanly
	}{
		{"pass", sdk.StatusPass, result.FailOnFail, nil, outcome.Passed, false},
		{"fail fails the gate", sdk.StatusFail, result.FailOnFail, nil, outcome.GateFailed, false},
		{"never reports only", sdk.StatusFail, result.FailOnNever, nil, outcome.Passed, false},
		{"error is incomplete", sdk.StatusError, result.FailOnFail, nil, outcome.Incomplete, false},
		{"error fails the gate on error", sdk.StatusError, result.FailOnError, nil, outcome.GateFailed, false},
		{"unwritable report: incomplete", sdk.StatusPass, result.FailOnFail, []string{unwritable}, outcome.Incomplete, true},
		{"unwritable report never hides a failed gate", sdk.StatusFail, result.FailOnFail, []string{unwritable}, outcome.GateFailed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ws := newWorkspace(t, testConfig(job("a", "always")))
			defer ws.close()
			out, err := newHandler(ws, &fakeRunner{outcome: status(tt.status)}, &stdout, &stderr).Assess(context.Background(), &Request{All: true, Reports: tt.reports, FailOn: tt.failOn})
			if err != nil {
				t.Fatal(err)
			}
			if out.Exit.Kind != tt.want || (out.Exit.Err != nil) != tt.wantErr {
				t.Errorf("outcome = %v (err %v), want %v (err: %v)", out.Exit.Kind, out.Exit.Err, tt.want, tt.wantErr)
			}
			if out.Run == nil || len(out.Run.Jobs) != 1 {
				t.Errorf("run = %+v, want the one job", out.Run)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	runErr := errors.New("write state file: disk full")
	tests := []struct {
		name    string
		verdict result.Verdict
		pending int
		runErr  error
		want    outcome.Kind
	}{
		{"passed", result.VerdictPassed, 0, nil, outcome.Passed},
		{"undelivered", result.VerdictPassed, 2, nil, outcome.Undelivered},
		{"incomplete beats undelivered", result.VerdictIncomplete, 2, nil, outcome.Incomplete},
		{"a failed write is incomplete", result.VerdictPassed, 2, runErr, outcome.Incomplete},
		{"gate beats everything", result.VerdictGateFailed, 2, runErr, outcome.GateFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(tt.verdict, tt.pending, tt.runErr)
			if got.Kind != tt.want || got.Pending != tt.pending || !errors.Is(got.Err, tt.runErr) {
				t.Errorf("decide = %+v, want kind %v, pending %d, err %v", got, tt.want, tt.pending, tt.runErr)
			}
		})
	}
}

// A signal stops the run: what finished stays in the outbox (not delivered by the
// interrupted run, which must exit promptly) and the next run delivers it.
func TestAssessInterruptKeepsResultsForTheNextRun(t *testing.T) {
	fake := cptest.New(cptest.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := testConfig(job("a-quick", "always"), job("b-interrupted", "always"), job("c-never-started", "always"))
	cfg.ControlPlane = &config.ControlPlane{URL: srv.URL}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	interrupt := func(ctx context.Context, t runner.Task) runner.Outcome {
		if t.Request.Job.Name == "a-quick" {
			return pass(ctx, t)
		}
		cancel(errors.New("test signal"))
		return runner.Outcome{Results: []sdk.Result{{Status: sdk.StatusError}}, Failure: &runner.InterruptedError{Cause: context.Cause(ctx)}}
	}
	var stdout, stderr bytes.Buffer
	ws := newWorkspace(t, cfg)
	out, err := newHandler(ws, &fakeRunner{outcome: interrupt}, &stdout, &stderr).Assess(ctx, &Request{All: true, Parallel: 1, FailOn: result.FailOnFail})
	if err != nil {
		t.Fatal(err)
	}
	want := outcome.Outcome{Kind: outcome.Interrupted, NotRun: 2, Kept: true}
	if diff := cmp.Diff(want, out.Exit); diff != "" {
		t.Errorf("outcome (-want +got):\n%s", diff)
	}
	if n := len(fake.Recording().Evidence); n != 0 {
		t.Errorf("the interrupted run delivered %d evidence, want none (it must stop, not deliver)", n)
	}
	waiting := outboxItems(t, ws.dir)
	if waiting == 0 {
		t.Fatal("nothing kept in the outbox for the finished job")
	}
	ws.close()

	// The next run delivers what the interrupted one kept, and its own results.
	stdout.Reset()
	stderr.Reset()
	next, err := newHandler(ws, &fakeRunner{outcome: pass}, &stdout, &stderr).Assess(context.Background(), &Request{Jobs: []string{"a-quick"}, FailOn: result.FailOnFail})
	ws.close()
	if err != nil {
		t.Fatal(err)
	}
	if next.Exit.Kind != outcome.Passed || next.Exit.Pending != 0 {
		t.Errorf("next run: %+v, want passed with nothing pending", next.Exit)
	}
	if got := len(fake.Recording().Evidence); got != 2*waiting {
		t.Errorf("control plane received %d evidence, want %d (kept) + %d (new)", got, waiting, waiting)
	}
	if n := outboxItems(t, ws.dir); n != 0 {
		t.Errorf("%d item(s) still in the outbox", n)
	}
}

func outboxItems(t *testing.T, stateDir string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(stateDir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			n++
		}
	}
	return n
}

func TestAssessDryRunPrintsThePlanAndRunsNothing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ws := newWorkspace(t, testConfig(job("a", "always"), job("b", "every 1h")))
	defer ws.close()
	r := &fakeRunner{outcome: func(context.Context, runner.Task) runner.Outcome {
		t.Error("a dry run ran a provider")
		return runner.Outcome{}
	}}
	out, err := newHandler(ws, r, &stdout, &stderr).Assess(context.Background(), &Request{DryRun: true, Shard: "1/1"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Run != nil || !out.Exit.Quiet() {
		t.Errorf("dry run outcome = %+v, want no run and nothing to say", out)
	}
	for _, want := range []string{"due  a", "due  b", "2 of 2 jobs due."} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, &stdout)
		}
	}
}

func TestAssessSaysWhenNoJobIsDue(t *testing.T) {
	ws := newWorkspace(t, testConfig(job("a", "every 1h")))
	var stdout, stderr bytes.Buffer
	// The state records the job's end from the outcome: it must have one to count as finished.
	finished := func(ctx context.Context, t runner.Task) runner.Outcome {
		out := pass(ctx, t)
		out.Start, out.End = time.Now(), time.Now()
		return out
	}
	h := newHandler(ws, &fakeRunner{outcome: finished}, &stdout, &stderr)
	if _, err := h.Assess(context.Background(), &Request{FailOn: result.FailOnFail}); err != nil {
		t.Fatal(err)
	}
	ws.close()
	stdout.Reset()
	out, err := h.Assess(context.Background(), &Request{FailOn: result.FailOnFail})
	ws.close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "No job is due (1 not due). Next due at ") || out.Exit.Kind != outcome.Passed {
		t.Errorf("second run: %+v\n%s", out.Exit, &stdout)
	}
}

func TestAssessAnnotatesGitHub(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_WORKSPACE": t.TempDir()}
	var stdout, stderr bytes.Buffer
	ws := newWorkspace(t, testConfig(job("bad", "always")))
	defer ws.close()
	h := newHandler(ws, &fakeRunner{outcome: status(sdk.StatusFail)}, &stdout, &stderr)
	h.Getenv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	out, err := h.Assess(context.Background(), &Request{All: true, FailOn: result.FailOnFail})
	if err != nil {
		t.Fatal(err)
	}
	if out.Exit.Kind != outcome.GateFailed {
		t.Errorf("outcome %v, want gate failed", out.Exit.Kind)
	}
	if !strings.Contains(stdout.String(), "::error ") {
		t.Errorf("no ::error annotation on the view:\n%s", &stdout)
	}
	if b, err := os.ReadFile(summary); err != nil || !strings.Contains(string(b), "bad") {
		t.Errorf("step summary = %q, %v; want it to name the failed job", b, err)
	}
}

func TestParallelism(t *testing.T) {
	cfg := testConfig()
	if got := parallelism(3, cfg); got != 3 {
		t.Errorf("flag: %d, want 3", got)
	}
	cfg.Argus.Parallel = 5
	if got := parallelism(0, cfg); got != 5 {
		t.Errorf("argus.parallel: %d, want 5", got)
	}
	if got := parallelism(0, testConfig()); got < 1 {
		t.Errorf("default: %d, want the CPUs", got)
	}
}

// Issue 15 item 17: a signal during the final delivery is an interrupt (143), not an outage (4).
func TestAssessSignalDuringFinalDeliveryIsInterrupted(t *testing.T) {
	fake := cptest.New(cptest.Options{})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "evidence") {
			cancel(errors.New("test signal")) // SIGTERM while results are being sent
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := testConfig(job("a", "always"))
	cfg.ControlPlane = &config.ControlPlane{URL: srv.URL}
	var stdout, stderr bytes.Buffer
	ws := newWorkspace(t, cfg)
	defer ws.close()
	out, err := newHandler(ws, &fakeRunner{outcome: pass}, &stdout, &stderr).Assess(ctx, &Request{All: true, FailOn: result.FailOnFail})
	if err != nil {
		t.Fatal(err)
	}
	if out.Exit.Kind != outcome.Interrupted || !out.Exit.Kept || out.Exit.Pending == 0 {
		t.Errorf("outcome = %+v, want interrupted with the results kept", out.Exit)
	}
}

// Issue 15 item 17: --fail-on never reports only (README): results waiting in the outbox are
// said (Pending), not failed on.
func TestAssessFailOnNeverWithUndeliveredResultsPasses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer srv.Close()
	cfg := testConfig(job("a", "always"))
	cfg.ControlPlane = &config.ControlPlane{URL: srv.URL}
	for _, tt := range []struct {
		failOn result.FailOn
		want   outcome.Kind
	}{{result.FailOnNever, outcome.Passed}, {result.FailOnFail, outcome.Undelivered}} {
		var stdout, stderr bytes.Buffer
		ws := newWorkspace(t, cfg)
		out, err := newHandler(ws, &fakeRunner{outcome: status(sdk.StatusFail)}, &stdout, &stderr).Assess(context.Background(), &Request{All: true, FailOn: tt.failOn})
		ws.close()
		if err != nil {
			t.Fatal(err)
		}
		if tt.failOn == result.FailOnFail {
			tt.want = outcome.GateFailed // the failed result still fails its gate
		}
		if out.Exit.Kind != tt.want || out.Exit.Pending == 0 || out.Exit.Quiet() {
			t.Errorf("--fail-on %s: outcome = %+v, want %v with the pending results said", tt.failOn, out.Exit, tt.want)
		}
	}
}

// Issue 15 item 17: due jobs stopped before any finished are not "No job was due".
func TestAssessStoppedBeforeAnyJobFinishedSaysSo(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := func(ctx context.Context, _ runner.Task) runner.Outcome {
		cancel(errors.New("test signal"))
		return runner.Outcome{Results: []sdk.Result{{Status: sdk.StatusError}}, Failure: &runner.InterruptedError{Cause: context.Cause(ctx)}}
	}
	var stdout, stderr bytes.Buffer
	ws := newWorkspace(t, testConfig(job("a", "always"), job("b", "always")))
	defer ws.close()
	out, err := newHandler(ws, &fakeRunner{outcome: stop}, &stdout, &stderr).Assess(ctx, &Request{All: true, Parallel: 1, FailOn: result.FailOnFail})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), "No job was due") || !strings.Contains(stdout.String(), "Nothing finished: 2 due job(s) did not run.") {
		t.Errorf("view:\n%s", &stdout)
	}
	if out.Exit.Kind != outcome.Interrupted || out.Exit.NotRun != 2 {
		t.Errorf("outcome = %+v", out.Exit)
	}
}
