package agentremote

import (
	"encoding/json"
	"slices"
)

// Report is the body of PUT /api/agent/instances/{instanceId}/config-report. Envelope keys
// are kebab-case; base, effective and remote-config are snake_case documents.
type Report struct {
	Hostname          string          `json:"hostname,omitempty"`
	AgentVersion      string          `json:"agent-version,omitempty"`
	Mode              string          `json:"mode"`
	Daemon            bool            `json:"daemon"` // always false: argus runs once per invocation
	AppliedRevision   *int64          `json:"applied-revision"`
	AttemptedRevision *int64          `json:"attempted-revision,omitempty"`
	Status            string          `json:"status"`
	Reason            string          `json:"reason,omitempty"`
	Error             *string         `json:"error"`
	Warnings          []FieldError    `json:"warnings,omitempty"`
	Base              json.RawMessage `json:"base"`
	Effective         json.RawMessage `json:"effective"`
	BaseDigest        string          `json:"base-digest,omitempty"`
	EffectiveDigest   string          `json:"effective-digest"`
	Plugins           []PluginReport  `json:"plugins,omitempty"`
	Unsafe            []Change        `json:"unsafe,omitempty"`
	RemoteConfig      *Settings       `json:"remote-config,omitempty"`
	// Truncated says argus dropped parts to stay under MaxReportBytes.
	Truncated bool `json:"truncated,omitempty"`
}

// MaxReportBytes is the API's bound on a config report body; over it the API answers 413.
const MaxReportBytes = 4 << 20

// encodeReport encodes r, dropping parts until it fits MaxReportBytes: the plugin list, then
// the unsafe changes past the first 100, then the base configuration. The effective
// configuration and its digest always stay: they are what the heartbeat's digest names.
func encodeReport(r *Report) ([]byte, error) {
	cut := *r
	steps := []func(){
		func() { cut.Plugins = nil },
		func() {
			if len(cut.Unsafe) > 100 {
				cut.Unsafe = cut.Unsafe[:100]
			}
		},
		func() { cut.Base, cut.BaseDigest = json.RawMessage(`{}`), "" },
	}
	for i := 0; ; i++ {
		b, err := json.Marshal(&cut)
		if err != nil || len(b) <= MaxReportBytes || i == len(steps) {
			return b, err
		}
		steps[i]()
		cut.Truncated = true
	}
}

// FieldError is one problem, with a JSON pointer into the configuration.
type FieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// PluginReport is one plugin of the effective configuration.
type PluginReport struct {
	Name     string   `json:"name"`
	Source   string   `json:"source"`
	Enabled  bool     `json:"enabled"`
	Policies []string `json:"policies,omitempty"`
}

func pluginReports(redacted Document) []PluginReport {
	var out []PluginReport
	for _, name := range sortedKeys(redacted.Plugins) {
		p := redacted.Plugins[name]
		out = append(out, PluginReport{Name: name, Source: p.Source, Enabled: p.IsEnabled(), Policies: slices.Clone(p.Policies)})
	}
	return out
}

// notSafe are the changes a report lists: the unsafe and forbidden ones.
func notSafe(changes []Change, known []string) []Change {
	var out []Change
	for _, c := range changes {
		if c.Safety != Safe {
			c.Value = ScrubText(c.Value, known)
			out = append(out, c)
		}
	}
	return out
}
