package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/ccfplugin/evidence"
	"github.com/compliance-framework/argus/sdk"
)

// The test plugin is built once per test binary, into a directory removed by TestMain.
var testPlugin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testPlugin.dir != "" {
		_ = os.RemoveAll(testPlugin.dir)
	}
	os.Exit(code)
}

// buildTestPlugin builds internal/ccfplugin/testplugin with the go command running the tests.
func buildTestPlugin(t testing.TB) string {
	t.Helper()
	testPlugin.once.Do(func() {
		testPlugin.dir, testPlugin.err = os.MkdirTemp("", "argus-testplugin-") //nolint:usetesting // built once for every test of the binary, so it outlives each test; removed in TestMain
		if testPlugin.err != nil {
			return
		}
		testPlugin.path = filepath.Join(testPlugin.dir, "plugin")
		// Built once for every test of the binary, so not under one test's context.
		cmd := exec.CommandContext(context.Background(), "go", "build", "-o", testPlugin.path, "../testplugin")
		if out, err := cmd.CombinedOutput(); err != nil {
			testPlugin.err = fmt.Errorf("build test plugin: %w\n%s", err, out)
		}
	})
	if testPlugin.err != nil {
		t.Fatal(testPlugin.err)
	}
	return testPlugin.path
}

// recorder is a slog handler that keeps every record.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) pluginLines() (n int, byLevel map[slog.Level]int, limitHit bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byLevel = map[slog.Level]int{}
	for _, rec := range r.records {
		if strings.Contains(rec.Message, "plugin log limit reached") {
			limitHit = true
		}
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "source" && a.Value.String() == "plugin" {
				n++
				byLevel[rec.Level]++
			}
			return true
		})
	}
	return n, byLevel, limitHit
}

// groupAlive lists the live (not zombie) processes in process group pgid.
func groupAlive(t *testing.T, pgid int) []string {
	t.Helper()
	if pgid <= 0 {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var alive []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces, so split after the last ')'.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			alive = append(alive, e.Name()+" "+f[0])
		}
	}
	return alive
}

type received struct {
	Config         map[string]string   `json:"config"`
	PolicyData     map[string]any      `json:"policy_data"`
	PolicyBehavior map[string][]string `json:"policy_behavior"`
	PolicyPaths    []string            `json:"policy_paths"`
	InitServer     uint32              `json:"init_api_server"`
	EvalServer     uint32              `json:"eval_api_server"`
	Dir            string              `json:"dir"`
	Env            []string            `json:"env"`
	Calls          []string            `json:"calls"`
}

type run struct {
	res     Result
	rec     *recorder
	got     received
	dir     string
	elapsed time.Duration
}

type opts struct {
	mode           string
	pluginProtocol int // what the test plugin speaks
	protocol       int // what the job says
	timeout        time.Duration
	host           *Host
	ctx            context.Context
}

func runPlugin(t *testing.T, o opts) run {
	t.Helper()
	path := buildTestPlugin(t)
	dir := t.TempDir()
	recordFile := filepath.Join(t.TempDir(), "record.json")
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOSTNAME=host-a",
		"AWS_PROFILE=allowed",
		"ARGUS_TESTPLUGIN_MODE=" + o.mode,
		"ARGUS_TESTPLUGIN_RECORD=" + recordFile,
		"TMPDIR=/must/be/replaced",
	}
	if o.pluginProtocol == 2 {
		env = append(env, "ARGUS_TESTPLUGIN_PROTOCOL=2")
	}
	rec := &recorder{}
	h := o.host
	if h == nil {
		h = &Host{}
	}
	h.Logger = slog.New(rec)
	h.Grace = cmpOr(h.Grace, 500*time.Millisecond)
	ctx := o.ctx
	if ctx == nil {
		ctx = t.Context()
	}
	req := Request{
		Job:            "apt",
		Plugin:         path,
		Dir:            dir,
		PolicyPaths:    []string{".compliance-framework/policies/org/pol/v1/policies", "local/policies"},
		Config:         map[string]string{"host": "localhost"},
		PolicyData:     map[string]any{"max_auth_tries": 4, "allowed": []string{"a", "b"}},
		PolicyBehavior: map[string][]string{"skip": {"rule-a"}},
		Protocol:       o.protocol,
		Env:            env,
		Timeout:        cmpOr(o.timeout, 20*time.Second),
		Agent:          "argus-test",
		Labels:         map[string]string{"team": "platform", "type": "job-label"},
	}
	start := time.Now()
	res := h.Run(ctx, req)
	r := run{res: res, rec: rec, dir: dir, elapsed: time.Since(start)}
	if b, err := os.ReadFile(recordFile); err == nil {
		if err := json.Unmarshal(b, &r.got); err != nil {
			t.Fatalf("decode the plugin's record: %v", err)
		}
	}
	// Whatever happened, nothing of the plugin may be left running.
	if alive := groupAlive(t, res.Pid); len(alive) > 0 {
		t.Errorf("processes left in the plugin's group %d: %v", res.Pid, alive)
	}
	if tmp := r.pluginTmp(); tmp != "" {
		if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("plugin TMPDIR %s left behind (%v)", tmp, err)
		}
	}
	return r
}

func (r run) pluginTmp() string {
	for _, kv := range r.got.Env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok {
			return v
		}
	}
	return ""
}

func failure(t *testing.T, res Result, stage Stage, contains ...string) {
	t.Helper()
	var e *Error
	if !errors.As(res.Err, &e) {
		t.Fatalf("Err = %v, want an *Error at stage %s", res.Err, stage)
	}
	if e.Stage != stage {
		t.Errorf("stage %s, want %s (%v)", e.Stage, stage, e)
	}
	for _, s := range contains {
		if !strings.Contains(e.Error(), s) {
			t.Errorf("error does not say %q:\n%v", s, e)
		}
	}
	if e.Job != "apt" || !strings.HasPrefix(e.Error(), `plugin "apt": `+string(stage)) {
		t.Errorf("error does not name the job and stage: %v", e)
	}
	// The report shows it as an error result.
	rs := res.Results()
	if last := rs[len(rs)-1]; last.Status != sdk.StatusError {
		t.Errorf("last result %+v is not an error", last)
	}
}

func TestGoodProtocol1(t *testing.T) {
	r := runPlugin(t, opts{mode: "good"})
	if r.res.Err != nil {
		t.Fatalf("Err: %v\nstderr:\n%s", r.res.Err, r.res.Stderr)
	}
	if len(r.res.Evidence) != 3 || len(r.res.Problems) != 0 {
		t.Fatalf("evidence %d, problems %v", len(r.res.Evidence), r.res.Problems)
	}
	var states []string
	for _, ev := range r.res.Evidence {
		states = append(states, ev.Status.State)
	}
	if d := cmp.Diff([]string{"satisfied", "not-satisfied", "satisfied"}, states); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	ev := r.res.Evidence[0]
	wantLabels := map[string]string{
		"_agent": "argus-test", "_plugin": "apt", "team": "platform",
		"type":     "testplugin", // the plugin's label wins over the job's
		"hostname": "host-a", "_policy_path": ".compliance-framework/policies/org/pol/v1/policies,local/policies",
	}
	if d := cmp.Diff(wantLabels, ev.Labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	var statuses []sdk.Status
	for _, res := range r.res.Results() {
		statuses = append(statuses, res.Status)
	}
	if d := cmp.Diff([]sdk.Status{sdk.StatusPass, sdk.StatusFail, sdk.StatusPass}, statuses); d != "" {
		t.Errorf("report statuses (-want +got):\n%s", d)
	}

	// What the plugin received.
	g := r.got
	if d := cmp.Diff([]string{"Configure", "Eval"}, g.Calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if g.EvalServer != 1 {
		t.Errorf("Eval apiServer %d, want broker id 1", g.EvalServer)
	}
	if d := cmp.Diff(map[string]string{"host": "localhost"}, g.Config); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]any{"max_auth_tries": 4.0, "allowed": []any{"a", "b"}}, g.PolicyData); d != "" {
		t.Errorf("policy data (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string][]string{"skip": {"rule-a"}}, g.PolicyBehavior); d != "" {
		t.Errorf("policy behavior (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{".compliance-framework/policies/org/pol/v1/policies", "local/policies"}, g.PolicyPaths); d != "" {
		t.Errorf("policy paths (-want +got):\n%s", d)
	}
	if wantDir, _ := filepath.EvalSymlinks(r.dir); g.Dir != wantDir && g.Dir != r.dir {
		t.Errorf("working directory %s, want %s", g.Dir, r.dir)
	}
	// The environment is exactly what the caller passed, go-plugin's variables and TMPDIR.
	var names []string
	for _, kv := range g.Env {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"ARGUS_TESTPLUGIN_MODE", "ARGUS_TESTPLUGIN_RECORD", "AWS_PROFILE", "HOSTNAME", "PATH",
		"PLUGIN_MAX_PORT", "PLUGIN_MIN_PORT", "PLUGIN_PROTOCOL_VERSIONS", "RUNNER_PLUGIN", "TMPDIR"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("plugin environment (-want +got):\n%s", d)
	}
	if slices.Contains(g.Env, "TMPDIR=/must/be/replaced") {
		t.Errorf("TMPDIR not replaced by the plugin's own")
	}
	// The plugin's hclog lines came through at their levels.
	n, byLevel, _ := r.rec.pluginLines()
	if n == 0 || byLevel[slog.LevelInfo] == 0 || byLevel[slog.LevelWarn] == 0 {
		t.Errorf("plugin log lines not re-logged at their levels: %d lines, %v", n, byLevel)
	}
}

func TestGoodProtocol2(t *testing.T) {
	r := runPlugin(t, opts{mode: "templates", pluginProtocol: 2, protocol: 2})
	if r.res.Err != nil {
		t.Fatalf("Err: %v", r.res.Err)
	}
	if d := cmp.Diff([]string{"Configure", "Init", "Eval"}, r.got.Calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if r.got.InitServer != 1 || r.got.EvalServer != 2 {
		t.Errorf("broker ids Init %d Eval %d, want 1 and 2", r.got.InitServer, r.got.EvalServer)
	}
	if len(r.res.Evidence) != 3 {
		t.Errorf("evidence %d, want 3", len(r.res.Evidence))
	}
	if len(r.res.RiskTemplates) != 1 || len(r.res.RiskTemplates[0].RiskTemplates) != 1 {
		t.Fatalf("risk templates %+v", r.res.RiskTemplates)
	}
	rt := r.res.RiskTemplates[0].RiskTemplates[0]
	if !rt.IsActive || rt.Remediation.Tasks[1].OrderIndex != 1 || r.res.RiskTemplates[0].PackageName != "compliance_framework.test" {
		t.Errorf("risk template not enriched: %+v", rt)
	}
	if len(r.res.SubjectTemplates) != 1 || len(r.res.SubjectTemplates[0].SubjectTemplates) != 1 {
		t.Fatalf("subject templates %+v", r.res.SubjectTemplates)
	}
	st := r.res.SubjectTemplates[0].SubjectTemplates[0]
	if st.SourceMode != evidence.SourceModeRuntime || !slices.Contains(st.SelectorLabels, evidence.LabelSelector{Key: "_plugin", Value: "apt"}) {
		t.Errorf("subject template not enriched: %+v", st)
	}
}

func TestProtocol1PluginRunAsProtocol2(t *testing.T) {
	r := runPlugin(t, opts{mode: "good", pluginProtocol: 1, protocol: 2})
	failure(t, r.res, StageInit, "does not implement Init", "protocol_version = 1")
	var ce *ConfigError
	if !errors.As(r.res.Err, &ce) {
		t.Errorf("not a ConfigError: %v", r.res.Err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		timeout  time.Duration
		stage    Stage
		contains []string
		check    func(t *testing.T, r run)
	}{
		{name: "hang in eval", mode: "hang", timeout: 2 * time.Second, stage: StageEval,
			contains: []string{"timeout of 2s", "killed"},
			check: func(t *testing.T, r run) {
				var te *TimeoutError
				if !errors.As(r.res.Err, &te) {
					t.Errorf("not a TimeoutError: %v", r.res.Err)
				}
				// timeout + Shutdown grace + wait grace, plus slack for a loaded machine.
				if limit := 2*time.Second + 2*500*time.Millisecond + 2*time.Second; r.elapsed > limit {
					t.Errorf("Run took %s, more than %s", r.elapsed, limit)
				}
			}},
		{name: "hang before the handshake", mode: "hang-start", timeout: 2 * time.Second, stage: StageStart,
			contains: []string{"timeout of 2s"},
			check: func(t *testing.T, r run) {
				var te *TimeoutError
				if !errors.As(r.res.Err, &te) {
					t.Errorf("not a TimeoutError: %v", r.res.Err)
				}
			}},
		{name: "crash", mode: "crash", stage: StageEval, contains: []string{"crashed", "panic: testplugin: crash requested"}},
		{name: "never dials the broker", mode: "no-dial", stage: StageEval, contains: []string{"never called CreateEvidence"},
			check: func(t *testing.T, r run) {
				var nc *NoCallbackError
				if !errors.As(r.res.Err, &nc) {
					t.Errorf("not a NoCallbackError: %v", r.res.Err)
				}
			}},
		{name: "garbage before the handshake", mode: "garbage", stage: StageStart,
			contains: []string{"Unrecognized remote plugin message", "hello from a wrapper"}},
		{name: "wrong cookie", mode: "wrong-cookie", stage: StageStart,
			contains: []string{"rejected the handshake cookie", "This binary is a plugin"}},
		{name: "wrong version", mode: "wrong-version", stage: StageStart, contains: []string{"incompatible API version", "Plugin version: 2"}},
		{name: "old-style callback", mode: "old-callback", stage: StageCallback,
			contains: []string{"/proto.ApiHelper/CreateObservations", "argus does not serve"},
			check: func(t *testing.T, r run) {
				var uc *UnsupportedCallbackError
				if !errors.As(r.res.Err, &uc) || uc.Method != "/proto.ApiHelper/CreateObservations" {
					t.Errorf("not an UnsupportedCallbackError for CreateObservations: %v", r.res.Err)
				}
			}},
		{name: "eval error", mode: "eval-error", stage: StageEval, contains: []string{`exec: "sshd": executable file not found`}},
		{name: "eval status FAILURE", mode: "eval-failure", stage: StageEval, contains: []string{"FAILURE"},
			check: func(t *testing.T, r run) {
				if len(r.res.Evidence) != 3 {
					t.Errorf("evidence sent before the failure lost: %d", len(r.res.Evidence))
				}
				if n := len(r.res.Results()); n != 4 {
					t.Errorf("%d results, want 3 evidence and 1 error", n)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runPlugin(t, opts{mode: tt.mode, timeout: tt.timeout})
			failure(t, r.res, tt.stage, tt.contains...)
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestBadEvidenceKeepsTheRest(t *testing.T) {
	tests := []struct{ mode, field string }{
		{"bad-uuid", "UUID"},
		{"future", "End"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			r := runPlugin(t, opts{mode: tt.mode})
			if r.res.Err != nil {
				t.Fatalf("one bad evidence failed the job: %v", r.res.Err)
			}
			if len(r.res.Evidence) != 2 || len(r.res.Problems) != 1 {
				t.Fatalf("evidence %d, problems %v; want 2 and 1", len(r.res.Evidence), r.res.Problems)
			}
			p := r.res.Problems[0]
			if p.Field != tt.field || p.Plugin != "apt" || p.Index != 1 {
				t.Errorf("problem %+v, want field %s of evidence #1 of plugin apt", p, tt.field)
			}
			rs := r.res.Results()
			if len(rs) != 3 || rs[2].Status != sdk.StatusError || !strings.Contains(rs[2].Reason, tt.field) {
				t.Errorf("results %+v", rs)
			}
		})
	}
}

func TestStderrFloodIsBounded(t *testing.T) {
	h := &Host{LogLines: 50, LogBytes: 1 << 20, StderrTail: 4 << 10}
	r := runPlugin(t, opts{mode: "flood", host: h})
	if r.res.Err != nil {
		t.Fatalf("Err: %v", r.res.Err)
	}
	if len(r.res.Evidence) != 3 {
		t.Errorf("evidence %d, want 3", len(r.res.Evidence))
	}
	n, _, limitHit := r.rec.pluginLines()
	if n > 50 || !limitHit {
		t.Errorf("%d plugin lines re-logged (limit 50), limit message logged: %v", n, limitHit)
	}
	if len(r.res.Stderr) > 4<<10+64 || !strings.Contains(r.res.Stderr, "earlier bytes omitted") {
		t.Errorf("stderr tail is %d bytes (limit 4 KiB) or lacks the omission marker", len(r.res.Stderr))
	}
	if !strings.Contains(r.res.Stderr, "flood line") {
		t.Errorf("stderr tail lacks the last lines: %q", r.res.Stderr[:min(200, len(r.res.Stderr))])
	}
}

func TestInterruptStopsThePlugin(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(time.Second, cancel)
	r := runPlugin(t, opts{mode: "hang", timeout: time.Minute, ctx: ctx})
	failure(t, r.res, StageEval, "interrupted")
	if r.elapsed > 10*time.Second {
		t.Errorf("Run took %s after an interrupt at 1s", r.elapsed)
	}
}

func TestConfigErrors(t *testing.T) {
	h := &Host{}
	res := h.Run(t.Context(), Request{Job: "apt", Plugin: "/nonexistent", Protocol: 3})
	var ce *ConfigError
	if !errors.As(res.Err, &ce) || !strings.Contains(res.Err.Error(), "protocol_version 3") {
		t.Errorf("protocol 3: %v", res.Err)
	}
	res = h.Run(t.Context(), Request{Job: "apt", Plugin: "/nonexistent", PolicyData: map[string]any{"f": func() {}}})
	if !errors.As(res.Err, &ce) || !strings.Contains(res.Err.Error(), "policy_data") {
		t.Errorf("bad policy data: %v", res.Err)
	}
	res = h.Run(t.Context(), Request{Job: "apt", Plugin: filepath.Join(t.TempDir(), "missing"), Timeout: 5 * time.Second})
	if e := (*Error)(nil); !errors.As(res.Err, &e) || e.Stage != StageStart {
		t.Errorf("missing executable: %v", res.Err)
	}
}

// A plugin's stderr is untrusted: lines that look like hclog JSON but have the wrong types, and
// a line longer than any buffer, are logged without harm (go-plugin's own parser would panic on
// the first); real hclog lines keep their level.
func TestHostileStderr(t *testing.T) {
	r := runPlugin(t, opts{mode: "hostile-log"})
	if r.res.Err != nil {
		t.Fatalf("Err: %v", r.res.Err)
	}
	_, byLevel, _ := r.rec.pluginLines()
	if byLevel[slog.LevelError] == 0 || byLevel[slog.LevelWarn] < 2 {
		t.Errorf("levels not kept: %v", byLevel)
	}
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	var sawReal bool
	for _, rec := range r.rec.records {
		if rec.Message == "a real error line" && rec.Level == slog.LevelError {
			sawReal = true
		}
		if len(rec.Message) > maxLogLine+64 {
			t.Errorf("a log message of %d bytes: long lines must be cut", len(rec.Message))
		}
	}
	if !sawReal {
		t.Errorf("the hclog error line was not re-logged as an error")
	}
}

// A plugin cannot make argus hold unbounded evidence: past the limit the call is refused and
// the job fails saying so.
func TestTooMuchEvidence(t *testing.T) {
	r := runPlugin(t, opts{mode: "good", host: &Host{MaxEvidence: 2}})
	failure(t, r.res, StageCallback, "more than 2 evidence")
	var te *TooMuchEvidenceError
	if !errors.As(r.res.Err, &te) {
		t.Errorf("not a TooMuchEvidenceError: %v", r.res.Err)
	}
}
