package agentremote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
)

// Fetcher is the one request of the protocol made per invocation.
type Fetcher interface {
	AgentConfig(ctx context.Context, ifNoneMatch string) (controlplane.AgentConfigResponse, error)
}

var _ Fetcher = (*controlplane.Client)(nil)

// Input is what one invocation decides from.
type Input struct {
	Settings Settings
	// Jobs are the local configuration's jobs (the base); Providers maps a provider source to
	// the provider that has it, for plugins whose source an overlay sets.
	Jobs      []Job
	Providers map[string]string
	// Fetcher asks the control plane; nil means use what the state directory holds without
	// asking (plans and dry runs must not touch the network).
	Fetcher Fetcher
	Store   Store
	Getenv  func(string) (string, bool)
	// Secrets are argus's own credentials and other known secret values: never reported, and
	// never the value of a variable an overlay references.
	Secrets           []string
	Hostname, Version string
	Now               func() time.Time
	// Check validates the jobs of an effective configuration before it is applied (schedules,
	// say); an error refuses the revision as invalid-config.
	Check func([]Job) error
}

// Outcome is what the invocation runs and reports.
type Outcome struct {
	Jobs []Job // the jobs to run: the local ones unless a revision was applied
	// Applied is true when the jobs come from an applied revision.
	Applied bool
	// Unsupported is true when the control plane predates remote configuration (404): the
	// local configuration runs and nothing is reported.
	Unsupported bool
	Revision    *int64 // the applied revision
	Digest      string // of the redacted effective configuration
	Report      *Report
	Warnings    []string // for the log, at warning level
	Info        []string // for the log, at info level
	Debug       []string // for the log, at debug level
}

// Resolve fetches (at most once), classifies, applies per mode and builds the report. Errors
// are not returned: whatever happens, the local configuration can run, and what went wrong is
// in the outcome's warnings and report.
func Resolve(ctx context.Context, in Input) Outcome {
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	out := Outcome{Jobs: in.Jobs}
	warn := func(format string, a ...any) { out.Warnings = append(out.Warnings, fmt.Sprintf(format, a...)) }
	var fieldWarnings []FieldError

	st, err := in.Store.Load()
	if err != nil {
		warn("%v", err)
	}
	base, err := Project(in.Jobs)
	if err != nil {
		warn("remote configuration: %v; running the local configuration", err)
		return out
	}

	var candidate *Overlay
	lastGood, fresh := false, false
	if in.Fetcher != nil {
		etag := ""
		if st.Fetched != nil {
			etag = st.ETag
		}
		res, ferr := in.Fetcher.AgentConfig(ctx, etag)
		switch {
		case errors.Is(ferr, controlplane.ErrRemoteConfigUnsupported):
			out.Unsupported = true
			out.Debug = append(out.Debug, "the control plane does not serve remote configuration (GET /api/agent/config answered 404): running the local configuration")
			return out
		case ferr != nil:
			if st.Applied != nil && isApply(in.Settings.Mode) {
				warn("remote configuration: %v; using the last good overlay (revision %d, fetched %s)", ferr, st.Applied.Revision, st.At.Format(time.RFC3339))
				candidate, lastGood = st.Applied, true
			} else {
				warn("remote configuration: %v; running the local configuration", ferr)
			}
			fieldWarnings = append(fieldWarnings, FieldError{Code: "fetch-failed", Message: ScrubText(ferr.Error(), in.Secrets)})
		case res.NotModified && st.Fetched != nil:
			candidate = st.Fetched
			out.Debug = append(out.Debug, fmt.Sprintf("remote configuration unchanged (revision %d)", st.Fetched.Revision))
		case res.NotModified:
			warn("remote configuration: the control plane answered 304 but argus holds no overlay; running the local configuration")
		default:
			candidate = &Overlay{Revision: res.Revision, Overlay: res.Overlay, CreatedAt: res.CreatedAt}
			st.Fetched, st.ETag, st.At = candidate, res.ETag, now().UTC()
			fresh = true
		}
	} else {
		// No network: decide as the last run did, on the last revision fetched.
		candidate = st.Fetched
	}
	var prevApplied *int64
	if st.Applied != nil {
		prevApplied = &st.Applied.Revision
	}

	rep := &Report{
		Hostname: in.Hostname, AgentVersion: in.Version, Mode: in.Settings.Mode,
		Status: StatusNotApplicable, RemoteConfig: &in.Settings,
	}
	effective := base
	if candidate != nil {
		rev := candidate.Revision
		rep.AttemptedRevision = &rev
		changes, eff, cerr := Classify(base, candidate.Overlay, in.Settings)
		rep.Unsafe = notSafe(changes, in.Secrets)
		apply, why := Decide(in.Settings.Mode, changes)
		switch {
		case cerr != nil:
			rep.Status, rep.Reason = StatusRejected, ReasonInvalidConfig
			if strings.Contains(cerr.Error(), "unknown field") {
				rep.Reason = ReasonUnknownField
			}
			setError(rep, cerr, in.Secrets)
			warn("remote configuration revision %d refused (%s): %v; running the local configuration", rev, rep.Reason, cerr)
		case !apply && (why == ReasonModeReport || why == ReasonModeOff):
			msg := fmt.Sprintf("remote configuration revision %d not applied: mode is %s (%d changes)", rev, in.Settings.Mode, len(changes))
			if len(changes) > 0 && fresh {
				out.Info = append(out.Info, msg)
			} else {
				out.Debug = append(out.Debug, msg)
			}
		case !apply:
			rep.Status, rep.Reason = StatusRejected, why
			warn("remote configuration revision %d refused (%s: %s); running the local configuration", rev, why, describe(rep.Unsafe))
		default:
			jobs, aerr := applyDoc(eff, in)
			if aerr != nil {
				rep.Status, rep.Reason = StatusFailed, ReasonUnsupported
				var ee *EnvError
				var ce *checkError
				var fe *ForbiddenError
				if errors.As(aerr, &ce) {
					rep.Status, rep.Reason = StatusRejected, ReasonInvalidConfig
				}
				if errors.As(aerr, &fe) {
					rep.Status, rep.Reason = StatusRejected, ReasonForbiddenChanges
				}
				if errors.As(aerr, &ee) {
					rep.Status, rep.Reason = StatusRejected, ReasonEnvMissing
					if ee.Forbidden {
						rep.Reason = ReasonForbiddenChanges
					}
				}
				setError(rep, aerr, in.Secrets)
				warn("remote configuration revision %d not applied (%s): %v; running the local configuration", rev, rep.Reason, aerr)
				break
			}
			out.Jobs, out.Applied, effective = jobs, true, eff
			out.Revision = &rev
			rep.Status, rep.AppliedRevision = StatusApplied, &rev
			if !lastGood {
				st.Applied = candidate
			}
			msg := fmt.Sprintf("remote configuration revision %d applied (%d changes)", rev, len(changes))
			if len(changes) > 0 && !lastGood && (prevApplied == nil || *prevApplied != rev) {
				out.Info = append(out.Info, msg) // news: said once, when it first applies
			} else {
				out.Debug = append(out.Debug, msg)
			}
		}
	}
	if in.Fetcher != nil {
		if err := in.Store.Save(st); err != nil {
			warn("%v", err)
		}
	}

	rb, re := Redact(base, in.Secrets), Redact(effective, in.Secrets)
	bb, _ := rb.Marshal()
	eb, _ := re.Marshal()
	rep.Base, rep.Effective = bb, eb
	rep.BaseDigest, rep.EffectiveDigest = Digest(rb), Digest(re)
	rep.Plugins = pluginReports(re)
	rep.Warnings = fieldWarnings
	out.Digest = rep.EffectiveDigest
	out.Report = rep
	return out
}

func isApply(mode string) bool { return mode == ModeApplySafe || mode == ModeApplyAll }

func applyDoc(eff Document, in Input) ([]Job, error) {
	getenv := in.Getenv
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	resolved, err := ResolveEnv(eff, getenv, in.Secrets)
	if err != nil {
		return nil, err
	}
	jobs, err := Unproject(resolved, in.Jobs, in.Providers)
	if err != nil {
		return nil, err
	}
	if in.Check != nil {
		if err := in.Check(jobs); err != nil {
			var ue *UnsupportedError
			var fe *ForbiddenError
			if errors.As(err, &ue) || errors.As(err, &fe) {
				return nil, err
			}
			return nil, &checkError{err}
		}
	}
	return jobs, nil
}

type checkError struct{ err error }

func (e *checkError) Error() string { return e.err.Error() }
func (e *checkError) Unwrap() error { return e.err }

func setError(rep *Report, err error, secrets []string) {
	s := ScrubText(err.Error(), secrets)
	rep.Error = &s
}

func describe(changes []Change) string {
	parts := make([]string, 0, len(changes))
	for _, c := range changes {
		p := fmt.Sprintf("%s %s %s", c.Path, c.Safety, c.Reason)
		if c.Value != "" {
			p += " " + c.Value
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
