package agentremote

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func classifyBase() Document {
	return Document{Plugins: map[string]*Plugin{
		"ssh": {
			Source:   "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3",
			Schedule: ptr("every 1h"),
			Policies: []string{"ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1", "ghcr.io/acme/extra:v1"},
			Config:   map[string]any{"host": "localhost", "port": "22", "user": "${env:SSH_USER}"},
			Labels:   map[string]string{"team": "platform"},
		},
		"dormant": {Enabled: ptr(false), Source: "ghcr.io/acme/dormant:v1"},
	}}
}

func TestClassify(t *testing.T) {
	trusted := Settings{Mode: ModeApplySafe, TrustedSources: []string{"ghcr.io/compliance-framework/*"},
		OverridableConfigFlags: []string{"ssh:port", "timeout"}}
	all := trusted
	all.Mode = ModeApplyAll
	allLocal := all
	allLocal.AllowLocalSources = true
	safeLocal := trusted
	safeLocal.AllowLocalSources = true

	tests := []struct {
		name     string
		overlay  string
		settings Settings
		want     []Change
	}{
		{"empty overlay changes nothing", `{}`, trusted, nil},
		{"locked key api", `{"api":{"url":"https://evil.example"}}`, trusted,
			[]Change{{Path: "/api", Safety: Forbidden, Reason: ReasonLockedKey}}},
		{"locked key daemon", `{"daemon":true}`, trusted,
			[]Change{{Path: "/daemon", Safety: Forbidden, Reason: ReasonLockedKey}}},
		{"locked key remote_config", `{"remote_config":{"mode":"apply_all"}}`, trusted,
			[]Change{{Path: "/remote_config", Safety: Forbidden, Reason: ReasonLockedKey}}},
		{"verbosity is logging", `{"verbosity":2}`, trusted,
			[]Change{{Path: "/verbosity", Safety: Safe, Reason: ReasonLogging}}},
		{"agent_evidence is logging", `{"agent_evidence":{"enabled":true}}`, trusted,
			[]Change{{Path: "/agent_evidence/enabled", Safety: Safe, Reason: ReasonLogging}}},
		{"schedule is data-only", `{"plugins":{"ssh":{"schedule":"every 5m"}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/schedule", Safety: Safe, Reason: ReasonDataOnly}}},
		{"labels are data-only", `{"plugins":{"ssh":{"labels":{"team":"sec"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/labels", Safety: Safe, Reason: ReasonDataOnly}}},
		{"policy_data is data-only", `{"plugins":{"ssh":{"policy_data":{"max_auth_tries":3}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/policy_data", Safety: Safe, Reason: ReasonDataOnly}}},
		{"policy_behavior is data-only", `{"plugins":{"ssh":{"policy_behavior":{"skip":["r"]}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/policy_behavior", Safety: Safe, Reason: ReasonDataOnly}}},
		{"protocol_version is data-only", `{"plugins":{"ssh":{"protocol_version":2}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/protocol_version", Safety: Safe, Reason: ReasonDataOnly}}},
		{"disabling is data-only", `{"plugins":{"ssh":{"enabled":false}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/enabled", Safety: Safe, Reason: ReasonDataOnly}}},
		{"removing a plugin reduces scope", `{"plugins":{"ssh":null}}`, trusted,
			[]Change{{Path: "/plugins/ssh", Safety: Safe, Reason: ReasonReducesScope}}},
		{"removing policies reduces scope", `{"plugins":{"ssh":{"policies":["ghcr.io/acme/extra:v1"]}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/policies", Safety: Safe, Reason: ReasonReducesScope}}},
		{"source already used", `{"plugins":{"ssh2":{"source":"ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"}}}`, Settings{Mode: ModeApplySafe},
			[]Change{{Path: "/plugins/ssh2/source", Safety: Safe, Reason: ReasonAlreadyUsed, Value: "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"}}},
		{"a disabled plugin's source is not already used", `{"plugins":{"x":{"source":"ghcr.io/acme/dormant:v1"}}}`, trusted,
			[]Change{{Path: "/plugins/x/source", Safety: Unsafe, Reason: ReasonUntrustedSource, Value: "ghcr.io/acme/dormant:v1"}}},
		{"trusted source", `{"plugins":{"ssh":{"source":"ghcr.io/compliance-framework/plugin-local-ssh:v1.3.0"}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/source", Safety: Safe, Reason: ReasonTrustedSource, Value: "ghcr.io/compliance-framework/plugin-local-ssh:v1.3.0"}}},
		{"glob star does not cross a slash", `{"plugins":{"ssh":{"source":"ghcr.io/compliance-framework/deep/x:v1"}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/source", Safety: Unsafe, Reason: ReasonUntrustedSource, Value: "ghcr.io/compliance-framework/deep/x:v1"}}},
		{"untrusted new plugin", `{"plugins":{"evil":{"source":"ghcr.io/evil/plugin:v1"}}}`, trusted,
			[]Change{{Path: "/plugins/evil/source", Safety: Unsafe, Reason: ReasonUntrustedSource, Value: "ghcr.io/evil/plugin:v1"}}},
		{"added untrusted policy", `{"plugins":{"ssh":{"policies":["ghcr.io/acme/extra:v1","ghcr.io/evil/pol:v1"]}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/policies", Safety: Unsafe, Reason: ReasonUntrustedSource, Value: "ghcr.io/evil/pol:v1"}}},
		{"local source forbidden", `{"plugins":{"ssh":{"source":"/tmp/plugin"}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/source", Safety: Forbidden, Reason: ReasonLocalSourceNotAllowed, Value: "/tmp/plugin"}}},
		{"local source forbidden even when trusted by glob", `{"plugins":{"ssh":{"source":"./x"}}}`, Settings{Mode: ModeApplySafe, TrustedSources: []string{"*"}},
			[]Change{{Path: "/plugins/ssh/source", Safety: Forbidden, Reason: ReasonLocalSourceNotAllowed, Value: "./x"}}},
		{"local OCI layout is local", `{"plugins":{"ssh":{"source":"oci-layout:///srv/p:v1"}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/source", Safety: Forbidden, Reason: ReasonLocalSourceNotAllowed, Value: "oci-layout:///srv/p:v1"}}},
		{"allow_local_sources needs apply_all", `{"plugins":{"ssh":{"source":"/tmp/plugin"}}}`, safeLocal,
			[]Change{{Path: "/plugins/ssh/source", Safety: Forbidden, Reason: ReasonLocalSourceNotAllowed, Value: "/tmp/plugin"}}},
		{"local source in apply_all with allow_local_sources", `{"plugins":{"ssh":{"source":"/tmp/plugin"}}}`, allLocal,
			[]Change{{Path: "/plugins/ssh/source", Safety: Unsafe, Reason: ReasonNewLocalSource, Value: "/tmp/plugin"}}},
		{"overridable config flag", `{"plugins":{"ssh":{"config":{"port":"2222"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/port", Safety: Safe, Reason: ReasonOverridableConfigFlag}}},
		{"overridable for any plugin", `{"plugins":{"ssh":{"config":{"timeout":"9s"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/timeout", Safety: Safe, Reason: ReasonOverridableConfigFlag}}},
		{"config not overridable", `{"plugins":{"ssh":{"config":{"host":"evil.example"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/host", Safety: Unsafe, Reason: ReasonConfigNotOverridable}}},
		{"removing a config value is not overridable", `{"plugins":{"ssh":{"config":{"host":null}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/host", Safety: Unsafe, Reason: ReasonConfigNotOverridable}}},
		{"new env reference", `{"plugins":{"ssh":{"config":{"port":"${env:SSH_PORT}"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/port", Safety: Unsafe, Reason: ReasonNewEnvReference, Value: "SSH_PORT"}}},
		{"an env reference the base has is not new", `{"plugins":{"ssh":{"config":{"user":"${env:SSH_USER}x"}}}}`, Settings{Mode: ModeApplySafe, OverridableConfigFlags: []string{"user"}},
			[]Change{{Path: "/plugins/ssh/config/user", Safety: Safe, Reason: ReasonOverridableConfigFlag}}},
		{"CCF_API_AUTH reference forbidden", `{"plugins":{"ssh":{"config":{"port":"${env:CCF_API_AUTH_CLIENT_SECRET}"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/port", Safety: Forbidden, Reason: ReasonForbiddenEnvReference, Value: "CCF_API_AUTH_CLIENT_SECRET"}}},
		{"argus's own credentials forbidden", `{"plugins":{"ssh":{"config":{"host":"${env:ARGUS_CLIENT_SECRET}"}}}}`, trusted,
			[]Change{{Path: "/plugins/ssh/config/host", Safety: Forbidden, Reason: ReasonForbiddenEnvReference, Value: "ARGUS_CLIENT_SECRET"}}},
		{"re-enabling an untrusted plugin", `{"plugins":{"dormant":{"enabled":true}}}`, trusted,
			[]Change{
				{Path: "/plugins/dormant/enabled", Safety: Unsafe, Reason: ReasonReenablesPlugin, Value: "ghcr.io/acme/dormant:v1"},
				{Path: "/plugins/dormant/source", Safety: Unsafe, Reason: ReasonUntrustedSource, Value: "ghcr.io/acme/dormant:v1"},
			}},
		{"re-enabling a trusted plugin", `{"plugins":{"dormant":{"enabled":true}}}`, Settings{Mode: ModeApplySafe, TrustedSources: []string{"ghcr.io/acme/*"}},
			[]Change{
				{Path: "/plugins/dormant/enabled", Safety: Safe, Reason: ReasonTrustedSource, Value: "ghcr.io/acme/dormant:v1"},
				{Path: "/plugins/dormant/source", Safety: Safe, Reason: ReasonTrustedSource, Value: "ghcr.io/acme/dormant:v1"},
			}},
		{"a new plugin is the class of its parts", `{"plugins":{"n":{"source":"ghcr.io/compliance-framework/p:v1","schedule":"every 1h","config":{"port":"1"}}}}`, trusted,
			[]Change{
				{Path: "/plugins/n/config/port", Safety: Unsafe, Reason: ReasonConfigNotOverridable},
				{Path: "/plugins/n/schedule", Safety: Safe, Reason: ReasonDataOnly},
				{Path: "/plugins/n/source", Safety: Safe, Reason: ReasonTrustedSource, Value: "ghcr.io/compliance-framework/p:v1"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Classify(classifyBase(), []byte(tt.overlay), tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify(%s) (-want +got):\n%s", tt.overlay, diff)
			}
		})
	}
}

func TestClassifyRejectsBadOverlays(t *testing.T) {
	for _, o := range []string{`[1]`, `{"plugins":{"a":{"source":1}}}`, `{"unknown_key":1}`, `{"plugins":`} {
		if _, _, err := Classify(classifyBase(), []byte(o), Settings{Mode: ModeApplyAll}); err == nil {
			t.Errorf("Classify(%s): no error", o)
		}
	}
}

func TestDecide(t *testing.T) {
	safe := []Change{{Safety: Safe}}
	unsafe := []Change{{Safety: Safe}, {Safety: Unsafe}}
	forbidden := []Change{{Safety: Unsafe}, {Safety: Forbidden}}
	tests := []struct {
		mode    string
		changes []Change
		apply   bool
		reason  string
	}{
		{ModeOff, safe, false, ReasonModeOff},
		{"", safe, false, ReasonModeOff},
		{ModeReport, safe, false, ReasonModeReport},
		{ModeApplySafe, nil, true, ""},
		{ModeApplySafe, safe, true, ""},
		{ModeApplySafe, unsafe, false, ReasonUnsafeChanges},
		{ModeApplySafe, forbidden, false, ReasonForbiddenChanges},
		{ModeApplyAll, unsafe, true, ""},
		{ModeApplyAll, forbidden, false, ReasonForbiddenChanges},
	}
	for _, tt := range tests {
		apply, reason := Decide(tt.mode, tt.changes)
		if apply != tt.apply || reason != tt.reason {
			t.Errorf("Decide(%q, %v) = %v, %q; want %v, %q", tt.mode, tt.changes, apply, reason, tt.apply, tt.reason)
		}
	}
}

func TestOverridableAndTrusted(t *testing.T) {
	if !Overridable([]string{"ss*:po*"}, "ssh", "port") || Overridable([]string{"ssh:port"}, "other", "port") {
		t.Error("Overridable globs")
	}
	if Trusted([]string{"GHCR.io/*"}, "ghcr.io/x") {
		t.Error("Trusted must be case-sensitive")
	}
	if !slices.Equal(EnvRefs("${env:A}:${env:B}${env:A}"), []string{"A", "B"}) {
		t.Error("EnvRefs")
	}
}
