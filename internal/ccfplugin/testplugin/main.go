// Command testplugin is argus's own CCF plugin for tests: a go-plugin gRPC server built from
// argus's .proto with the agent's handshake, speaking CCF protocol 1 or 2, whose behaviour is
// chosen by environment variables the test passes through the host's Request.Env:
//
//	ARGUS_TESTPLUGIN_MODE      what to do (see the modes below); default "good"
//	ARGUS_TESTPLUGIN_PROTOCOL  "2" serves Init (protocol 2); otherwise Init is unimplemented
//	ARGUS_TESTPLUGIN_RECORD    a file to write what the plugin received (JSON), for assertions
//
// Modes: good, hang (Eval blocks, after starting a child process in its group), hang-start
// (never completes the handshake), crash (panics in Eval), no-dial (Eval returns without
// calling back), bad-uuid, future, flood (floods stderr with log lines), garbage (prints to
// stdout before the handshake), wrong-cookie, wrong-version, old-callback (calls
// CreateObservations like a plugin of agent v0.1), eval-error, eval-failure, templates (v2:
// Init upserts risk and subject templates), hostile-log (stderr lines that break a naive
// hclog parser, and one very long line).
//
// argus never passes ARGUS_* variables to a plugin, so a test that runs the plugin through
// argus chooses with what a job can pass: a variable whose name starts with TESTPLUGIN_MODE
// (let through by the job's env_allow) for the modes that act before the handshake, and the
// job's config for the others: testplugin_mode, testplugin_protocol ("2"), testplugin_record,
// and testplugin_sleep (a duration Eval sleeps first, to model a plugin's real work).
//
// It is built at test time (see host's tests); it is never shipped.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/compliance-framework/argus/internal/ccfplugin/ccfpb"
)

func main() {
	mode := os.Getenv("ARGUS_TESTPLUGIN_MODE")
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); mode == "" && strings.HasPrefix(k, "TESTPLUGIN_MODE") {
			mode = v
		}
	}
	if os.Getenv("ARGUS_TESTPLUGIN_CHILD") != "" {
		// The child of "hang": it only has to exist in the plugin's process group.
		time.Sleep(time.Hour)
		return
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "testplugin", Level: hclog.Trace, JSONFormat: true, Output: os.Stderr})
	handshake := plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "RUNNER_PLUGIN", MagicCookieValue: "AC755DCE-C118-481A-8EFA-18D8675D8122"}
	switch mode {
	case "garbage":
		fmt.Println("hello from a wrapper that should not print")
	case "wrong-cookie":
		handshake.MagicCookieValue = "00000000-0000-0000-0000-000000000000"
	case "wrong-version":
		handshake.ProtocolVersion = 2
	case "hang-start":
		time.Sleep(time.Hour)
	case "hostile-log":
		// JSON lines that look like hclog but are not: go-plugin's own stderr parser asserts
		// "@message" is a string and would panic the host.
		fmt.Fprintln(os.Stderr, `{"@message": 5, "@level": ["info"], "@timestamp": 7}`)
		fmt.Fprintln(os.Stderr, `{"@level":"error","@message":"a real error line","@timestamp":"2026-12-02T05:00:00.000000Z","k":"v"}`)
		fmt.Fprintln(os.Stderr, `[WARN] a prefixed warning`)
		fmt.Fprintln(os.Stderr, strings.Repeat("L", 200<<10)) // one line longer than any buffer
	}
	logger.Info("testplugin starting", "mode", mode, "pid", os.Getpid())
	r := &runner{mode: mode, logger: logger, v2: os.Getenv("ARGUS_TESTPLUGIN_PROTOCOL") == "2", record: os.Getenv("ARGUS_TESTPLUGIN_RECORD")}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         plugin.PluginSet{"runner": &runnerPlugin{r: r}},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          logger,
	})
}

type runnerPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	r *runner
}

func (p *runnerPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	p.r.broker = broker
	ccfpb.RegisterRunnerServer(s, p.r)
	return nil
}

func (p *runnerPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("testplugin is a plugin, not a host")
}

type runner struct {
	ccfpb.UnimplementedRunnerServer
	mode   string
	sleep  time.Duration
	v2     bool
	record string
	logger hclog.Logger
	broker *plugin.GRPCBroker

	received record
}

// record is what the plugin received, written to ARGUS_TESTPLUGIN_RECORD after every call.
type record struct {
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

func (r *runner) save(call string) {
	r.received.Calls = append(r.received.Calls, call)
	if r.record == "" {
		return
	}
	r.received.Dir, _ = os.Getwd()
	r.received.Env = os.Environ()
	b, _ := json.Marshal(r.received)
	_ = os.WriteFile(r.record, b, 0o600)
}

func (r *runner) Configure(_ context.Context, req *ccfpb.ConfigureRequest) (*ccfpb.ConfigureResponse, error) {
	r.received.Config = req.GetConfig()
	if req.GetPolicyData() != nil {
		r.received.PolicyData = req.GetPolicyData().AsMap()
	}
	r.received.PolicyBehavior = behavior(req.GetPolicyBehavior())
	cfg := req.GetConfig()
	if m := cfg["testplugin_mode"]; m != "" {
		r.mode = m
	}
	if cfg["testplugin_protocol"] == "2" {
		r.v2 = true
	}
	if f := cfg["testplugin_record"]; f != "" {
		r.record = f
	}
	if d, err := time.ParseDuration(cfg["testplugin_sleep"]); err == nil {
		r.sleep = d
	}
	r.save("Configure")
	r.logger.Debug("configured", "config", fmt.Sprint(req.GetConfig()))
	return &ccfpb.ConfigureResponse{}, nil
}

func (r *runner) Init(ctx context.Context, req *ccfpb.InitRequest) (*ccfpb.InitResponse, error) {
	if !r.v2 {
		return r.UnimplementedRunnerServer.Init(ctx, req)
	}
	r.received.InitServer = req.GetApiServer()
	r.save("Init")
	conn, err := r.broker.Dial(req.GetApiServer())
	if err != nil {
		return nil, fmt.Errorf("dial host: %w", err)
	}
	defer func() { _ = conn.Close() }()
	api := ccfpb.NewApiHelperClient(conn)
	if r.mode == "templates" {
		if _, err := api.UpsertRiskTemplates(ctx, &ccfpb.UpsertRiskTemplatesRequest{PackageName: "compliance_framework.test", RiskTemplates: []*ccfpb.RiskTemplate{{
			Name: "weak-ssh", Title: "Weak SSH", Statement: "s",
			Remediation: &ccfpb.Remediation{Title: "fix", Tasks: []*ccfpb.RemediationTask{{Title: "a", OrderIndex: 5}, {Title: "b", OrderIndex: 9}}},
		}}}); err != nil {
			return nil, fmt.Errorf("upsert risk templates: %w", err)
		}
		if _, err := api.UpsertSubjectTemplates(ctx, &ccfpb.UpsertSubjectTemplatesRequest{SubjectTemplates: []*ccfpb.SubjectTemplate{{
			Name: "host", Type: ccfpb.SubjectType_SUBJECT_TYPE_INVENTORY_ITEM, TitleTemplate: "{{ .hostname }}",
		}}}); err != nil {
			return nil, fmt.Errorf("upsert subject templates: %w", err)
		}
	}
	return &ccfpb.InitResponse{}, nil
}

func (r *runner) Eval(ctx context.Context, req *ccfpb.EvalRequest) (*ccfpb.EvalResponse, error) {
	r.received.PolicyPaths = req.GetPolicyPaths()
	r.received.EvalServer = req.GetApiServer()
	r.received.PolicyBehavior = behavior(req.GetPolicyBehavior())
	r.save("Eval")
	r.logger.Info("eval", "policies", len(req.GetPolicyPaths()))
	r.logger.Warn("a warning from the plugin", "detail", "x")
	if r.sleep > 0 {
		select {
		case <-time.After(r.sleep):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	switch r.mode {
	case "hang":
		// Not bound to Eval's context: only the host's kill of the process group may end it.
		child := exec.CommandContext(context.WithoutCancel(ctx), os.Args[0]) //nolint:gosec // G204: the test plugin starts itself as the child to be killed with its group
		child.Env = append(os.Environ(), "ARGUS_TESTPLUGIN_CHILD=1")
		if err := child.Start(); err != nil {
			return nil, err
		}
		select {}
	case "crash":
		panic("testplugin: crash requested")
	case "no-dial":
		return &ccfpb.EvalResponse{}, nil
	case "eval-error":
		return nil, errors.New(`exec: "sshd": executable file not found in $PATH`)
	case "flood":
		for i := range 20000 {
			r.logger.Info("flood line", "i", i, "pad", strings.Repeat("x", 100))
		}
	}
	conn, err := r.broker.Dial(req.GetApiServer())
	if err != nil {
		return nil, fmt.Errorf("dial host: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if r.mode == "old-callback" {
		// What a plugin built against agent v0.1 does: call a method today's hosts do not have.
		if err := conn.Invoke(ctx, "/proto.ApiHelper/CreateObservations", &emptypb.Empty{}, &emptypb.Empty{}); err != nil {
			return nil, fmt.Errorf("create observations: %w", err)
		}
		return &ccfpb.EvalResponse{}, nil
	}
	evs := evidences(req.GetPolicyPaths())
	switch r.mode {
	case "bad-uuid":
		evs[1].UUID = "not-a-uuid"
	case "future":
		evs[1].End = timestamppb.New(time.Now().Add(time.Hour))
	}
	if _, err := ccfpb.NewApiHelperClient(conn).CreateEvidence(ctx, &ccfpb.CreateEvidenceRequest{Evidence: evs}); err != nil {
		return nil, fmt.Errorf("create evidence: %w", err)
	}
	if r.mode == "eval-failure" {
		return &ccfpb.EvalResponse{Status: ccfpb.ExecutionStatus_FAILURE}, nil
	}
	return &ccfpb.EvalResponse{Status: ccfpb.ExecutionStatus_SUCCESS}, nil
}

// evidences are three evidences, two satisfied and one not, whose UUIDs are seeded like a
// real plugin's: from the policy path and the host name, so tests can check both reach it.
func evidences(paths []string) []*ccfpb.Evidence {
	host := os.Getenv("HOSTNAME")
	now := time.Now()
	var out []*ccfpb.Evidence
	for i, state := range []ccfpb.EvidenceStatusState{
		ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_SATISFIED,
		ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_NOT_SATISFIED,
		ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_SATISFIED,
	} {
		seed := fmt.Sprintf("%s|%s|%d", strings.Join(paths, ","), host, i)
		out = append(out, &ccfpb.Evidence{
			UUID:     uuid.NewSHA1(uuid.NameSpaceOID, []byte(seed)).String(),
			Title:    fmt.Sprintf("check %d", i),
			Labels:   map[string]string{"type": "testplugin", "hostname": host, "_policy_path": strings.Join(paths, ",")},
			Start:    timestamppb.New(now.Add(-time.Second)),
			End:      timestamppb.New(now),
			Status:   &ccfpb.EvidenceStatus{State: state, Reason: "reason " + fmt.Sprint(i)},
			Subjects: []*ccfpb.Subject{{Identifier: "machine-instance/" + host, Type: ccfpb.SubjectType_SUBJECT_TYPE_INVENTORY_ITEM}},
		})
	}
	return out
}

func behavior(in map[string]*ccfpb.StringList) map[string][]string {
	if in == nil {
		return nil
	}
	out := map[string][]string{}
	for k, v := range in {
		out[k] = v.GetValues()
	}
	return out
}
