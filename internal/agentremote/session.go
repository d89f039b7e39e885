package agentremote

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/outbox"
)

// Client is what one invocation needs of the control plane.
type Client interface {
	Fetcher
	ReportClient
}

// Request is one invocation's use of remote configuration, filled by a command.
type Request struct {
	Config *config.Config
	// Client is nil when the invocation must not touch the network (plans, dry runs): the last
	// good overlay then applies as it would have, and nothing is reported.
	Client Client
	Outbox *outbox.Outbox // where the report waits for delivery; nil with a nil Client
	// ControlPlane is the control plane's normalised URL, recorded in the outbox item so that
	// another configuration sharing the state directory never sends it.
	ControlPlane string
	StateDir     string
	Getenv       func(string) (string, bool)
	Secrets      []string
	Version      string
	Logger       *slog.Logger
}

// Result is what the heartbeat carries.
type Result struct {
	Mode     string
	Revision *int64
	Digest   string // "" when nothing is to be said (mode off, or an API without the routes)
}

// Sync runs the protocol for one invocation: it replaces req.Config's jobs with the effective
// ones when a revision applies, and queues the config report in the outbox. Nothing it meets
// stops the run; every problem is logged.
func Sync(ctx context.Context, req Request) Result {
	log := req.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := SettingsOf(req.Config)
	res := Result{Mode: s.Mode}
	if s.Mode == ModeOff {
		return res
	}
	host, _ := os.Hostname()
	jobs, providers := FromConfig(req.Config)
	st := Store{Dir: req.StateDir}
	in := Input{
		Settings: s, Jobs: jobs, Providers: providers, Store: st, Getenv: req.Getenv,
		Secrets: req.Secrets, Hostname: host, Version: req.Version, Now: time.Now,
		Check: func(js []Job) error {
			if err := CheckJobs(js); err != nil {
				return err
			}
			if err := checkRemoteProviders(js, jobs, req.Config.RemoteProvider); err != nil {
				return err
			}
			if err := checkProtocolVersions(js, req.Config); err != nil {
				return err
			}
			return checkPolicyFields(js, isCCFPlugin(req.Config))
		},
	}
	if req.Client != nil {
		in.Fetcher = req.Client
	}
	out := Resolve(ctx, in)
	for _, m := range out.Debug {
		log.DebugContext(ctx, m)
	}
	for _, m := range out.Info {
		log.InfoContext(ctx, m)
	}
	for _, m := range out.Warnings {
		log.WarnContext(ctx, HideKnown(m, req.Secrets))
	}
	if out.Applied {
		if err := ToConfig(req.Config, out.Jobs, host); err != nil {
			// Check has already read every schedule; this is a bug, and the local jobs stand.
			log.ErrorContext(ctx, "remote configuration", "err", err)
		}
	}
	if out.Unsupported || out.Report == nil {
		return res
	}
	res.Revision, res.Digest = out.Revision, out.Digest
	if req.Client == nil || req.Outbox == nil {
		return res
	}
	id, err := st.InstanceID()
	if err == nil {
		err = Enqueue(req.Outbox, req.ControlPlane, id, out.Report)
	}
	if err != nil {
		log.WarnContext(ctx, "config report not queued", "err", err)
	}
	return res
}

// CheckJobs refuses jobs whose schedule neither argus nor the agent can read, and new jobs
// whose name is not a valid argus job name.
func CheckJobs(jobs []Job) error {
	for _, j := range jobs {
		if j.New && !config.ValidName(j.Name) {
			return fmt.Errorf("plugins.%s: %q is not a valid job name (letters, digits, '-', '_' and '.', starting with a letter or digit)", j.Name, j.Name)
		}
		if _, err := ArgusSchedule(j.Schedule); err != nil {
			return fmt.Errorf("plugins.%s.schedule: %w", j.Name, err)
		}
	}
	return nil
}

// UnsupportedError is an effective configuration that uses something this argus cannot run.
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return e.Msg }

// checkPolicyFields refuses policies, policy_data, policy_behavior and protocol_version on a
// job whose provider is not a CCF plugin: argus's own providers take none of them, and applying
// them silently would report a configuration that does not run.
func checkPolicyFields(jobs []Job, ccf func(provider string) bool) error {
	for _, j := range jobs {
		if ccf(j.Provider) {
			if _, err := pluginConfig(j.Config); err != nil {
				return fmt.Errorf("plugins.%s.config: %w", j.Name, err)
			}
			continue
		}
		if len(j.Policies) > 0 || len(j.PolicyData) > 0 || len(j.PolicyBehavior) > 0 || j.ProtocolVersion != 0 {
			return &UnsupportedError{Msg: fmt.Sprintf("plugins.%s: policies, policy_data, policy_behavior and protocol_version apply to CCF plugins only, and provider %q of job %q is not one", j.Name, j.Provider, j.Name)}
		}
	}
	return nil
}

// ForbiddenError is an effective configuration the host's own settings forbid.
type ForbiddenError struct{ Msg string }

func (e *ForbiddenError) Error() string { return e.Msg }

// checkRemoteProviders holds every job the overlay supplies (a new one, or one whose provider
// or config it changes) to the local configuration's allow-list (config.RemoteProvider, the
// one check for jobs from a remote source). Without it an overlay could point a job at
// builtin/command, an already-used and so "safe" source, and run any command on this host.
func checkRemoteProviders(eff, base []Job, allowed func(provider string) error) error {
	before := map[string]Job{}
	for _, j := range base {
		before[j.Name] = j
	}
	for _, j := range eff {
		b, ok := before[j.Name]
		if ok && b.Provider == j.Provider && sameJSON(normalizedConfig(b.Config), normalizedConfig(j.Config)) {
			continue
		}
		if err := allowed(j.Provider); err != nil {
			return &ForbiddenError{Msg: fmt.Sprintf("plugins.%s: %v", j.Name, err)}
		}
	}
	return nil
}

func normalizedConfig(raw []byte) any {
	v, err := decode(raw)
	if err != nil {
		return string(raw)
	}
	return v
}
