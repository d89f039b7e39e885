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
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/compliance-framework/argus/internal/ccfplugin/ccfpb"
	"github.com/compliance-framework/argus/internal/ccfplugin/evidence"
	"github.com/compliance-framework/argus/sdk"
)

// The handshake every CCF plugin expects (the agent's, for both CCF protocol versions).
const (
	CookieKey   = "RUNNER_PLUGIN"
	CookieValue = "AC755DCE-C118-481A-8EFA-18D8675D8122"
	// AppProtocol is go-plugin's application protocol version; CCF protocol 2 does not change it.
	AppProtocol = 1
	// PluginName is the one entry of the plugin map. Dispensing it is local: nothing of it goes
	// on the wire.
	PluginName = "runner"
)

// Defaults for the zero values of [Host]'s fields.
const (
	DefaultGrace       = 2 * time.Second
	DefaultStderrTail  = 8 << 10
	DefaultLogLines    = 1000
	DefaultLogBytes    = 256 << 10
	DefaultMaxEvidence = 10000
	defaultValueLength = 2 << 10
	// remarksTail is about how much of the stderr tail goes into an error's message.
	remarksTail = 2 << 10
)

// Host runs CCF plugins. The zero value is ready to use; a Host may run many jobs at once.
type Host struct {
	Logger *slog.Logger // plugin log lines and the host's own; nil discards
	// Grace bounds the graceful Shutdown before the process group is killed, and then the wait
	// for go-plugin to finish; 0 means DefaultGrace.
	Grace      time.Duration
	StderrTail int    // bytes of stderr kept for the result; 0 means DefaultStderrTail
	LogLines   int    // plugin log lines re-logged per job; 0 means DefaultLogLines
	LogBytes   int    // plugin log bytes re-logged per job; 0 means DefaultLogBytes
	TempDir    string // parent of each plugin's own TMPDIR; "" means os.TempDir()
	// MaxEvidence bounds the evidence one job may send (memory, and the outbox behind it);
	// 0 means DefaultMaxEvidence.
	MaxEvidence int
	Now         func() time.Time
}

// Request is one job for one plugin.
type Request struct {
	Job    string // the job's (config) name: label _plugin, and the name in every message
	Plugin string // the plugin executable, verified by the caller
	// Dir is the plugin's working directory. PolicyPaths are relative to it, formed as the
	// agent forms them, because the path string is part of every stream UUID.
	Dir         string
	PolicyPaths []string
	Config      map[string]string
	// PolicyData is sent as a google.protobuf.Struct; it must be JSON-like (it goes through
	// encoding/json). Nil sends none.
	PolicyData map[string]any
	// PolicyBehavior is sent as policyBehavior when it is not empty.
	PolicyBehavior map[string][]string
	Protocol       int // CCF protocol: 1 or 2; 0 means 1
	// Env is the plugin's whole environment, already sanitized by the caller (with HOSTNAME and
	// the job's env_allow). go-plugin adds its own variables; the host sets TMPDIR.
	Env     []string
	Timeout time.Duration // for everything, start to shutdown; 0 means only ctx bounds it
	Agent   string        // label _agent
	Labels  map[string]string
}

// Result is what running one plugin produced. Evidence delivered before a failure stays.
type Result struct {
	Evidence         []evidence.Evidence
	RiskTemplates    []evidence.RiskTemplateBatch
	SubjectTemplates []evidence.SubjectTemplateBatch
	// Problems are evidence (or templates) the plugin sent that argus refused.
	Problems []*evidence.Problem
	// Err is nil when the plugin ran to a successful Eval. Otherwise a *Error.
	Err        error
	Stderr     string // the tail of the plugin's stderr
	Pid        int    // the plugin's pid (and process group), 0 when it never started
	Start, End time.Time
}

// Results is the result as argus's reports show it: one result per evidence, one error result
// per problem, and one error result for a failure. A successful run that sent no evidence at
// all is one skip result.
func (r Result) Results() []sdk.Result {
	out := make([]sdk.Result, 0, len(r.Evidence)+len(r.Problems)+1)
	for _, ev := range r.Evidence {
		out = append(out, ev.Result())
	}
	for _, p := range r.Problems {
		out = append(out, evidence.ProblemResult(p))
	}
	if r.Err != nil {
		res := sdk.Result{Title: "plugin failed", Status: sdk.StatusError, Reason: r.Err.Error()}
		var e *Error
		if errors.As(r.Err, &e) {
			res.Title = fmt.Sprintf("plugin %s failed (%s)", e.Job, e.Stage)
			res.Reason = e.Err.Error()
			res.Remarks = lastBytes(e.Stderr, remarksTail)
		}
		out = append(out, res)
	}
	if len(out) == 0 {
		out = append(out, sdk.Result{Title: "plugin sent no evidence", Status: sdk.StatusSkip,
			Reason: "the plugin called CreateEvidence without any evidence"})
	}
	return out
}

// Stage is the step of the lifecycle where a run failed.
type Stage string

// The stages.
const (
	StageStart     Stage = "start"
	StageConfigure Stage = "configure"
	StageInit      Stage = "init"
	StageEval      Stage = "eval"
	StageCallback  Stage = "callback"
)

// Error is a failed plugin run.
type Error struct {
	Job    string
	Stage  Stage
	Err    error
	Stderr string // the stderr tail, also in the message
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("plugin %q: %s: %v", e.Job, e.Stage, e.Err)
	if s := strings.TrimSpace(lastBytes(e.Stderr, remarksTail)); s != "" {
		msg += "\nplugin stderr (last lines):\n" + s
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// TimeoutError is the job's timeout running out.
type TimeoutError struct{ Timeout time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the plugin did not finish within the job's timeout of %s; it was killed", e.Timeout)
}

// ConfigError is a job whose configuration cannot work with this plugin (a protocol-2 job for
// a protocol-1 plugin, policy data that is not JSON-like, an unknown protocol).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// UnsupportedCallbackError is a plugin calling a host method argus does not serve: a plugin
// built against an older agent (CreateResult, CreateObservations, CreateFindings), or a
// protocol-2 callback from a job run as protocol 1.
type UnsupportedCallbackError struct{ Method string }

func (e *UnsupportedCallbackError) Error() string {
	return fmt.Sprintf("the plugin called %s, which argus does not serve: it speaks a protocol generation argus cannot run (plugins built against CCF agent v0.2 or later call /proto.ApiHelper/CreateEvidence)", e.Method)
}

// TooMuchEvidenceError is a plugin sending more evidence than [Host.MaxEvidence]. What it
// sent in earlier calls, within the limit, is kept; the call that crosses it is refused whole.
type TooMuchEvidenceError struct{ Max int }

func (e *TooMuchEvidenceError) Error() string {
	return fmt.Sprintf("the plugin sent more than %d evidence in one run; argus refused the rest (raise the host's limit if this is intended)", e.Max)
}

// NoCallbackError is an Eval that succeeded without the plugin ever calling back.
type NoCallbackError struct{}

func (e *NoCallbackError) Error() string {
	return "Eval returned success, but the plugin never called CreateEvidence: it assessed nothing (a CCF plugin reports every result through that callback)"
}

// Run runs one plugin job and reports what happened. It returns once the plugin's process
// group is gone (or, if a process escaped it, after the grace periods). It never returns an
// error: a failure is [Result.Err].
func (h *Host) Run(ctx context.Context, req Request) (res Result) {
	now := h.now
	res.Start = now()
	stderr := newTail(cmpOr(h.StderrTail, DefaultStderrTail))
	fail := func(stage Stage, err error) {
		if res.Err == nil {
			res.Err = &Error{Job: req.Job, Stage: stage, Err: err}
		}
	}
	defer func() {
		res.End = now()
		res.Stderr = stderr.String()
		var e *Error
		if errors.As(res.Err, &e) {
			e.Stderr = res.Stderr
		}
	}()

	protocol := req.Protocol
	if protocol == 0 {
		protocol = 1
	}
	if protocol != 1 && protocol != 2 {
		fail(StageStart, &ConfigError{Msg: fmt.Sprintf("protocol_version %d is not supported: CCF plugins speak protocol 1 or 2", req.Protocol)})
		return res
	}
	configure, err := configureRequest(req)
	if err != nil {
		fail(StageConfigure, err)
		return res
	}
	if ctx.Err() != nil {
		fail(StageStart, fmt.Errorf("not started: %w", context.Cause(ctx)))
		return res
	}

	jobCtx, cancel := ctx, context.CancelFunc(func() {})
	if req.Timeout > 0 {
		jobCtx, cancel = context.WithTimeoutCause(ctx, req.Timeout, &TimeoutError{Timeout: req.Timeout})
	}
	defer cancel()
	logger := h.logger().With(slog.String("job", req.Job))

	tmp, err := os.MkdirTemp(h.TempDir, "argus-ccf-")
	if err != nil {
		fail(StageStart, fmt.Errorf("create the plugin's temporary directory: %w", err))
		return res
	}
	defer func() {
		if err := os.RemoveAll(tmp); err != nil {
			logger.Warn("remove the plugin's temporary directory", "dir", tmp, "error", err)
		}
	}()

	path := req.Plugin
	if !filepath.IsAbs(path) {
		// exec resolves a relative path against cmd.Dir; the caller means its own directory.
		if path, err = filepath.Abs(path); err != nil {
			fail(StageStart, fmt.Errorf("resolve plugin path %q: %w", req.Plugin, err))
			return res
		}
	}
	cmd := exec.CommandContext(jobCtx, path) //nolint:gosec // G204: running the job's plugin is this package's purpose; the caller verified the executable
	cmd.Dir = req.Dir
	cmd.Env = pluginEnv(req.Env, tmp)
	isolate(cmd)

	budget := &logBudget{
		maxLines: cmpOr(h.LogLines, DefaultLogLines), maxBytes: cmpOr(h.LogBytes, DefaultLogBytes),
		logger: logger, ctx: jobCtx, maxValueLength: defaultValueLength,
	}
	rawStderr := &stderrLog{tail: stderr, budget: budget}
	defer func() {
		rawStderr.flush()
		if n := budget.droppedLines(); n > 0 {
			logger.Warn("plugin log lines dropped over the limit", "lines", n)
		}
	}()
	startTimeout := time.Minute // go-plugin's default, as the agent has it
	if d, ok := jobCtx.Deadline(); ok {
		startTimeout = min(startTimeout, max(time.Until(d), time.Millisecond))
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion: AppProtocol, MagicCookieKey: CookieKey, MagicCookieValue: CookieValue,
		},
		Plugins:          plugin.PluginSet{PluginName: &runnerPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		SkipHostEnv:      true,
		StartTimeout:     startTimeout,
		Logger:           newHCLogAdapter(budget, filepath.Base(path)),
		// The plugin's own stderr (where hclog writes: the plugins create their logger before
		// go-plugin swaps os.Stderr) is parsed and re-logged; what it writes to os.Stdout and
		// os.Stderr after the handshake arrives through the stdio stream and is kept in the tail.
		Stderr:     rawStderr,
		SyncStdout: stderr,
		SyncStderr: stderr,
	})
	// Collected after stop (defers run last first), so that nothing arrives afterwards.
	cb := &callbacks{
		base: evidence.Base{Plugin: req.Job, Agent: req.Agent, Labels: req.Labels}, protocol: protocol, now: now,
		maxEvidence: cmpOr(h.MaxEvidence, DefaultMaxEvidence),
	}
	defer func() {
		cb.mu.Lock()
		defer cb.mu.Unlock()
		res.Evidence, res.Problems = cb.evidence, cb.problems
		res.RiskTemplates, res.SubjectTemplates = cb.risk, cb.subject
		res.Pid = pidOf(cmd)
	}()
	defer h.stop(logger, client, cmd)

	rpc, err := start(client)
	if err != nil {
		// Stopped first, so that go-plugin has read all of the plugin's stderr: what the plugin
		// said on its way out is usually the reason. (Stopping again in the defer is harmless.)
		h.stop(logger, client, cmd)
		fail(StageStart, h.classify(jobCtx, startHint(err, stderr.String()), "start the plugin"))
		return res
	}
	logger.Debug("plugin connected", "path", path, "pid", pidOf(cmd), "protocol", protocol)
	defer rpc.stopServers() // before stop: defers run last first

	if _, err := rpc.runner.Configure(jobCtx, configure); err != nil {
		fail(StageConfigure, h.classify(jobCtx, err, "Configure"))
		return res
	}
	behavior := policyBehavior(req.PolicyBehavior)
	if protocol == 2 {
		id, err := rpc.serve(cb)
		if err != nil {
			fail(StageInit, err)
			return res
		}
		_, err = rpc.runner.Init(jobCtx, &ccfpb.InitRequest{PolicyPaths: req.PolicyPaths, ApiServer: id, PolicyBehavior: behavior})
		if cbErr := cb.unsupported(); cbErr != nil {
			fail(StageCallback, cbErr)
			return res
		}
		if status.Code(err) == codes.Unimplemented && jobCtx.Err() == nil {
			fail(StageInit, &ConfigError{Msg: fmt.Sprintf("the job runs the plugin as protocol_version = 2, but the plugin does not implement Init (%v): it is a protocol-1 plugin; set protocol_version = 1", err)})
			return res
		}
		if err != nil {
			fail(StageInit, h.classify(jobCtx, err, "Init"))
			return res
		}
	}
	id, err := rpc.serve(cb)
	if err != nil {
		fail(StageEval, err)
		return res
	}
	resp, err := rpc.runner.Eval(jobCtx, &ccfpb.EvalRequest{PolicyPaths: req.PolicyPaths, ApiServer: id, PolicyBehavior: behavior})
	// A plugin that called an unsupported method usually fails Eval because of it: say why.
	if cbErr := cb.unsupported(); cbErr != nil {
		fail(StageCallback, cbErr)
		return res
	}
	if err != nil {
		fail(StageEval, h.classify(jobCtx, err, "Eval"))
		return res
	}
	if resp.GetStatus() == ccfpb.ExecutionStatus_FAILURE {
		fail(StageEval, errors.New("the plugin's Eval returned status FAILURE (the evidence it sent before that is kept)"))
		return res
	}
	if !cb.called() {
		fail(StageEval, &NoCallbackError{})
	}
	return res
}

// start launches the plugin and dispenses the runner. go-plugin's Start has no context: the
// job's context reaches it through exec.CommandContext, which kills the process group, and
// StartTimeout, which is at most the job's remaining time.
func start(client *plugin.Client) (*runnerRPC, error) {
	proto, err := client.Client()
	if err != nil {
		return nil, err
	}
	if v := client.NegotiatedVersion(); v != AppProtocol {
		return nil, fmt.Errorf("the plugin answered go-plugin protocol version %d, argus offers only %d", v, AppProtocol)
	}
	raw, err := proto.Dispense(PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense %q: %w", PluginName, err)
	}
	rpc, ok := raw.(*runnerRPC)
	if !ok {
		return nil, fmt.Errorf("dispense %q: unexpected client type %T", PluginName, raw)
	}
	return rpc, nil
}

// startHint puts what most likely happened before go-plugin's message, which for a plugin
// that exited at once says only that stdout had no handshake line.
func startHint(err error, stderr string) error {
	switch {
	case strings.Contains(stderr, "This binary is a plugin"):
		return fmt.Errorf("the plugin rejected the handshake cookie (%s): it is a go-plugin program for another host, not a CCF plugin: %w", CookieKey, err)
	case strings.Contains(err.Error(), "Failed to read any lines"):
		return fmt.Errorf("the plugin exited without completing the go-plugin handshake: %w", err)
	case strings.Contains(err.Error(), "Unrecognized remote plugin message"):
		return fmt.Errorf("the plugin printed something other than the go-plugin handshake line on stdout (a wrapper script that echoes breaks the handshake): %w", err)
	}
	return err
}

// classify turns an error of a step into what the user should read: the timeout or the
// interruption when that is what ended it, else the error as it came.
func (h *Host) classify(jobCtx context.Context, err error, step string) error {
	if d, ok := jobCtx.Deadline(); ok && (status.Code(err) == codes.DeadlineExceeded || time.Until(d) < 100*time.Millisecond) {
		// gRPC sends the deadline along, and go-plugin's start timer is set to it: either may
		// give up a moment before the job's own timer fires.
		select {
		case <-jobCtx.Done():
		case <-time.After(time.Second):
		}
	}
	if jobCtx.Err() != nil {
		cause := context.Cause(jobCtx)
		var te *TimeoutError
		if errors.As(cause, &te) {
			return fmt.Errorf("%s: %w", step, te)
		}
		return fmt.Errorf("%s: interrupted: %w", step, cause)
	}
	if s, ok := status.FromError(err); ok && s.Code() == codes.Unavailable {
		return fmt.Errorf("%s: the plugin's connection broke, it probably crashed (%s)", step, s.Message())
	}
	return fmt.Errorf("%s: %w", step, err)
}

// stop shuts the plugin down (go-plugin's Kill: broker closed, Shutdown RPC, close, wait, kill
// the pid), then kills the whole process group, whatever Kill managed, and waits for
// go-plugin's goroutines. Each wait is bounded by the grace period.
func (h *Host) stop(logger *slog.Logger, client *plugin.Client, cmd *exec.Cmd) {
	grace := cmpOr(h.Grace, DefaultGrace)
	done := make(chan struct{})
	go func() {
		defer close(done)
		client.Kill()
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		logger.Debug("plugin did not shut down in time; killing its process group")
	}
	killGroup(pidOf(cmd))
	timer.Reset(grace)
	select {
	case <-done:
	case <-timer.C:
		// Only a process that left the group (setsid) and kept the plugin's stderr open gets
		// here; go-plugin's reader goroutine ends when that process does.
		logger.Warn("plugin output is still open after its process group was killed; a process it started may have escaped the group")
	}
}

// pidOf is the plugin's pid, 0 when it never started. Read after go-plugin's Start returned,
// which is when cmd.Process is set.
func pidOf(cmd *exec.Cmd) int {
	if cmd.Process == nil {
		return 0
	}
	return cmd.Process.Pid
}

// pluginEnv is the caller's environment with TMPDIR replaced by the plugin's own directory.
func pluginEnv(env []string, tmp string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if strings.HasPrefix(kv, "TMPDIR=") || strings.HasPrefix(kv, CookieKey+"=") || strings.HasPrefix(kv, "PLUGIN_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "TMPDIR="+tmp)
}

func configureRequest(req Request) (*ccfpb.ConfigureRequest, error) {
	out := &ccfpb.ConfigureRequest{Config: req.Config, PolicyBehavior: policyBehavior(req.PolicyBehavior)}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	if req.PolicyData != nil {
		// Through JSON, so that any JSON-like Go value (typed slices, numbers of any width) becomes
		// a Struct the way encoding/json would render it.
		b, err := json.Marshal(req.PolicyData)
		if err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("policy_data cannot be sent to the plugin: %v", err)}
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("policy_data cannot be sent to the plugin: %v", err)}
		}
		s, err := structpb.NewStruct(m)
		if err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("policy_data cannot be sent to the plugin: %v", err)}
		}
		out.PolicyData = s
	}
	return out, nil
}

func policyBehavior(in map[string][]string) map[string]*ccfpb.StringList {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]*ccfpb.StringList, len(in))
	for k, v := range in {
		out[k] = &ccfpb.StringList{Values: v}
	}
	return out
}

func (h *Host) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *Host) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return "…" + s
}

// runnerPlugin is the host's side of the plugin map entry "runner".
type runnerPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (*runnerPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("argus hosts CCF plugins; it does not serve the runner")
}

func (*runnerPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &runnerRPC{broker: broker, runner: ccfpb.NewRunnerClient(conn)}, nil
}

// runnerRPC is the typed client of one plugin connection and its broker, and the callback
// servers it serves on broker connections.
type runnerRPC struct {
	broker *plugin.GRPCBroker
	runner ccfpb.RunnerClient

	servers []*grpc.Server
	serving sync.WaitGroup
}

// serve allocates the next broker id, listens on a fresh socket and sends its ConnInfo down
// the broker stream (Accept does both, before the call that carries the id, so the plugin's
// Dial finds it), then serves the callbacks there until stopServers. It does not use
// go-plugin's AcceptAndServe, which owns the server's lifetime and reports its errors on the
// process-wide standard logger.
func (r *runnerRPC) serve(cb *callbacks) (uint32, error) {
	id := r.broker.NextId()
	ln, err := r.broker.Accept(id)
	if err != nil {
		return 0, fmt.Errorf("open the callback connection (broker id %d): %w", id, err)
	}
	s := grpc.NewServer(grpc.UnknownServiceHandler(cb.unknown))
	ccfpb.RegisterApiHelperServer(s, cb)
	r.servers = append(r.servers, s)
	r.serving.Go(func() { _ = s.Serve(ln) }) // returns at Stop, which also closes ln
	return id, nil
}

// stopServers stops every callback server and waits for them: by then the plugin has returned
// from the call that used them, or has been killed.
func (r *runnerRPC) stopServers() {
	for _, s := range r.servers {
		s.Stop()
	}
	r.serving.Wait()
}

// callbacks is the host's proto.ApiHelper for one job.
type callbacks struct {
	ccfpb.UnimplementedApiHelperServer
	base        evidence.Base
	protocol    int
	now         func() time.Time
	maxEvidence int

	mu       sync.Mutex
	calls    int
	received int // evidence received, refused included
	flood    *TooMuchEvidenceError
	evidence []evidence.Evidence
	problems []*evidence.Problem
	risk     []evidence.RiskTemplateBatch
	subject  []evidence.SubjectTemplateBatch
	refused  string
}

var _ ccfpb.ApiHelperServer = (*callbacks)(nil)

func (c *callbacks) CreateEvidence(_ context.Context, req *ccfpb.CreateEvidenceRequest) (*ccfpb.CreateEvidenceResponse, error) {
	ok, problems := evidence.ConvertAll(c.base, req.GetEvidence(), c.now().UTC())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.received += len(req.GetEvidence()); c.received > c.maxEvidence {
		if c.flood == nil {
			c.flood = &TooMuchEvidenceError{Max: c.maxEvidence}
		}
		return nil, status.Error(codes.ResourceExhausted, c.flood.Error())
	}
	c.evidence = append(c.evidence, ok...)
	c.problems = append(c.problems, problems...)
	// Refused evidence is reported in argus's results; answering with an error would make most
	// plugins abort and lose the evidence that is fine.
	return &ccfpb.CreateEvidenceResponse{}, nil
}

func (c *callbacks) UpsertRiskTemplates(_ context.Context, req *ccfpb.UpsertRiskTemplatesRequest) (*ccfpb.UpsertRiskTemplatesResponse, error) {
	if c.protocol < 2 {
		return nil, c.refuse("/proto.ApiHelper/UpsertRiskTemplates (a protocol-2 callback; the job runs the plugin as protocol 1)")
	}
	batch, problems := evidence.RiskTemplates(c.base.Plugin, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.risk = append(c.risk, batch)
	c.problems = append(c.problems, problems...)
	return &ccfpb.UpsertRiskTemplatesResponse{}, nil
}

func (c *callbacks) UpsertSubjectTemplates(_ context.Context, req *ccfpb.UpsertSubjectTemplatesRequest) (*ccfpb.UpsertSubjectTemplatesResponse, error) {
	if c.protocol < 2 {
		return nil, c.refuse("/proto.ApiHelper/UpsertSubjectTemplates (a protocol-2 callback; the job runs the plugin as protocol 1)")
	}
	batch, problems := evidence.SubjectTemplates(c.base.Plugin, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subject = append(c.subject, batch)
	c.problems = append(c.problems, problems...)
	return &ccfpb.UpsertSubjectTemplatesResponse{}, nil
}

// unknown answers every method the server does not have (an older plugin's CreateResult,
// CreateObservations, CreateFindings) and records it: the job fails saying so.
func (c *callbacks) unknown(_ any, stream grpc.ServerStream) error {
	method, ok := grpc.MethodFromServerStream(stream)
	if !ok {
		method = "an unknown method"
	}
	return c.refuse(method)
}

func (c *callbacks) refuse(method string) error {
	c.mu.Lock()
	if c.refused == "" {
		c.refused = method
	}
	c.mu.Unlock()
	return status.Errorf(codes.Unimplemented, "argus does not serve %s", method)
}

func (c *callbacks) unsupported() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flood != nil {
		return c.flood
	}
	if c.refused == "" {
		return nil
	}
	return &UnsupportedCallbackError{Method: c.refused}
}

func (c *callbacks) called() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls > 0
}
