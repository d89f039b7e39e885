package agentremote

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Safety is the class of one change.
type Safety string

// The classes.
const (
	Safe      Safety = "safe"
	Unsafe    Safety = "unsafe"
	Forbidden Safety = "forbidden"
)

// Change reason codes, as the API's document names them.
const (
	ReasonLockedKey             = "locked-key"
	ReasonLogging               = "logging"
	ReasonDataOnly              = "data-only"
	ReasonReducesScope          = "reduces-scope"
	ReasonAlreadyUsed           = "already-used"
	ReasonTrustedSource         = "trusted-source"
	ReasonUntrustedSource       = "untrusted-source"
	ReasonLocalSourceNotAllowed = "local-source-not-allowed"
	ReasonNewLocalSource        = "new-local-source"
	ReasonOverridableConfigFlag = "overridable-config-flag"
	ReasonConfigNotOverridable  = "config-not-overridable"
	ReasonNewEnvReference       = "new-env-reference"
	ReasonForbiddenEnvReference = "forbidden-env-reference"
	ReasonReenablesPlugin       = "reenables-plugin"
)

// Change is one classified difference between the base and the effective configuration.
type Change struct {
	Path   string `json:"path"` // RFC 6901 pointer
	Safety Safety `json:"safety"`
	Reason string `json:"reason"`
	Value  string `json:"value,omitempty"` // the source or variable that decided the class
}

// Classify merges overlay over base and classifies every path it changes under settings.
// A locked key in the overlay is forbidden even though the merge ignores it. The result is
// sorted by path, then value.
func Classify(base Document, overlay []byte, s Settings) ([]Change, Document, error) {
	raw, err := decode(overlay)
	if err != nil {
		return nil, Document{}, fmt.Errorf("classify: overlay: %w", err)
	}
	var out []Change
	if obj, ok := raw.(map[string]any); ok {
		for _, k := range LockedKeys {
			if _, set := obj[k]; set {
				out = append(out, Change{Path: Pointer(k), Safety: Forbidden, Reason: ReasonLockedKey})
			}
		}
	}
	eff, err := Merge(base, overlay)
	if err != nil {
		return nil, Document{}, fmt.Errorf("classify: %w", err)
	}
	c := classifier{s: s, used: usedSources(base)}
	out = append(out, c.document(base, eff)...)
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Value, b.Value), strings.Compare(a.Reason, b.Reason))
	})
	return slices.Compact(out), eff, nil
}

// usedSources are the sources of the base's enabled plugins: pointing another plugin at one
// of them runs nothing the host does not already run. A disabled plugin's sources do not
// count; the host chose not to run them.
func usedSources(base Document) map[string]bool {
	used := map[string]bool{}
	for _, p := range base.Plugins {
		if !p.IsEnabled() {
			continue
		}
		if p.Source != "" {
			used[p.Source] = true
		}
		for _, e := range p.Policies {
			used[e] = true
		}
	}
	return used
}

type classifier struct {
	s    Settings
	used map[string]bool
}

func (c classifier) document(base, eff Document) []Change {
	var out []Change
	if base.Verbosity != eff.Verbosity {
		out = append(out, Change{Path: "/verbosity", Safety: Safe, Reason: ReasonLogging})
	}
	for _, k := range sortedKeys(base.AgentEvidence, eff.AgentEvidence) {
		if !sameJSON(base.AgentEvidence[k], eff.AgentEvidence[k]) {
			out = append(out, Change{Path: Pointer("agent_evidence", k), Safety: Safe, Reason: ReasonLogging})
		}
	}
	for _, name := range sortedKeys(base.Plugins, eff.Plugins) {
		bp, ep := base.Plugins[name], eff.Plugins[name]
		ptr := Pointer("plugins", name)
		switch {
		case ep == nil && bp == nil:
		case ep == nil:
			out = append(out, Change{Path: ptr, Safety: Safe, Reason: ReasonReducesScope})
		case bp == nil:
			// A new plugin is the class of its parts: every part differs from nothing.
			out = append(out, c.plugin(ptr, name, &Plugin{}, ep)...)
		default:
			out = append(out, c.plugin(ptr, name, bp, ep)...)
		}
	}
	return out
}

func (c classifier) plugin(ptr, name string, bp, ep *Plugin) []Change {
	var out []Change
	data := func(field string, a, b any) {
		if !sameJSON(a, b) {
			out = append(out, Change{Path: ptr + "/" + field, Safety: Safe, Reason: ReasonDataOnly})
		}
	}
	data("schedule", bp.Schedule, ep.Schedule)
	data("labels", bp.Labels, ep.Labels)
	data("policy_behavior", bp.PolicyBehavior, ep.PolicyBehavior)
	data("protocol_version", bp.ProtocolVersion, ep.ProtocolVersion)
	data("policy_data", bp.PolicyData, ep.PolicyData)
	reenabled := !bp.IsEnabled() && ep.IsEnabled()
	switch {
	case reenabled && Trusted(c.s.TrustedSources, ep.Source):
		out = append(out, Change{Path: ptr + "/enabled", Safety: Safe, Reason: ReasonTrustedSource, Value: ep.Source})
	case reenabled:
		out = append(out, Change{Path: ptr + "/enabled", Safety: Unsafe, Reason: ReasonReenablesPlugin, Value: ep.Source})
	default:
		data("enabled", bp.IsEnabled(), ep.IsEnabled())
	}

	// A re-enabled plugin's sources and references run again: classify them as new ones.
	if bp.Source != ep.Source || (reenabled && ep.Source != "") {
		out = append(out, c.source(ptr+"/source", ep.Source, reenabled))
	}
	if !slices.Equal(bp.Policies, ep.Policies) || reenabled {
		added := false
		for _, e := range ep.Policies {
			if slices.Contains(bp.Policies, e) && !reenabled {
				continue
			}
			added = true
			out = append(out, c.source(ptr+"/policies", e, reenabled))
		}
		if !added && !slices.Equal(bp.Policies, ep.Policies) {
			out = append(out, Change{Path: ptr + "/policies", Safety: Safe, Reason: ReasonReducesScope})
		}
	}

	for _, key := range sortedKeys(bp.Config, ep.Config) {
		bv, inBase := bp.Config[key]
		ev, inEff := ep.Config[key]
		if inBase == inEff && sameJSON(bv, ev) && !reenabled {
			continue
		}
		kptr := ptr + "/config/" + strings.TrimPrefix(Pointer(key), "/")
		var known []string
		if !reenabled {
			known = refsIn(bv)
		}
		var env []Change
		for _, n := range refsIn(ev) {
			if slices.Contains(known, n) {
				continue
			}
			if ForbiddenEnvName(n) {
				env = append(env, Change{Path: kptr, Safety: Forbidden, Reason: ReasonForbiddenEnvReference, Value: n})
			} else {
				env = append(env, Change{Path: kptr, Safety: Unsafe, Reason: ReasonNewEnvReference, Value: n})
			}
		}
		if len(env) > 0 {
			out = append(out, env...)
			continue
		}
		if inBase == inEff && sameJSON(bv, ev) {
			continue // re-enabled with the value it had: nothing new
		}
		if Overridable(c.s.OverridableConfigFlags, name, key) {
			out = append(out, Change{Path: kptr, Safety: Safe, Reason: ReasonOverridableConfigFlag})
		} else {
			out = append(out, Change{Path: kptr, Safety: Unsafe, Reason: ReasonConfigNotOverridable})
		}
	}
	return out
}

// source classifies a plugin source or policy entry the overlay introduces.
func (c classifier) source(ptr, s string, reenabled bool) Change {
	switch {
	case c.used[s] && !reenabled:
		return Change{Path: ptr, Safety: Safe, Reason: ReasonAlreadyUsed, Value: s}
	case IsLocalSource(s):
		if c.s.Mode == ModeApplyAll && c.s.AllowLocalSources {
			return Change{Path: ptr, Safety: Unsafe, Reason: ReasonNewLocalSource, Value: s}
		}
		return Change{Path: ptr, Safety: Forbidden, Reason: ReasonLocalSourceNotAllowed, Value: s}
	case Trusted(c.s.TrustedSources, s):
		return Change{Path: ptr, Safety: Safe, Reason: ReasonTrustedSource, Value: s}
	case c.used[s]:
		return Change{Path: ptr, Safety: Safe, Reason: ReasonAlreadyUsed, Value: s}
	default:
		return Change{Path: ptr, Safety: Unsafe, Reason: ReasonUntrustedSource, Value: s}
	}
}

// refsIn lists the `${env:}` references in a config value: a string's, or every string's
// inside a JSON value (argus's own providers take structured config).
func refsIn(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, n := range EnvRefs(t) {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(t) {
				walk(t[k])
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		case json.Number, bool, nil:
		}
	}
	walk(v)
	return out
}

// Report reasons and statuses of a config report, as the API accepts them.
const (
	StatusApplied       = "applied"
	StatusRejected      = "rejected"
	StatusFailed        = "failed"
	StatusNotApplicable = "not-applicable"

	ReasonUnsafeChanges    = "unsafe-changes"
	ReasonForbiddenChanges = "forbidden-changes"
	ReasonInvalidConfig    = "invalid-config"
	ReasonUnknownField     = "unknown-field"
	ReasonEnvMissing       = "env-missing"
	ReasonUnsupported      = "unsupported-by-agent"

	// ReasonModeOff and ReasonModeReport say why nothing was applied in those modes.
	ReasonModeOff    = "mode-off"
	ReasonModeReport = "mode-report"
)

// Decide says whether a revision with these changes is applied in mode, and if not, why:
// off and report never apply; a forbidden change refuses the revision in every apply mode;
// apply_safe refuses any unsafe change.
func Decide(mode string, changes []Change) (bool, string) {
	switch mode {
	case ModeApplySafe, ModeApplyAll:
	case ModeReport:
		return false, ReasonModeReport
	default:
		return false, ReasonModeOff
	}
	worst := Safe
	for _, ch := range changes {
		switch {
		case ch.Safety == Forbidden:
			worst = Forbidden
		case ch.Safety == Unsafe && worst == Safe:
			worst = Unsafe
		}
	}
	switch {
	case worst == Forbidden:
		return false, ReasonForbiddenChanges
	case worst == Unsafe && mode == ModeApplySafe:
		return false, ReasonUnsafeChanges
	}
	return true, ""
}
