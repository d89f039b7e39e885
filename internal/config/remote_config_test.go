package config

import (
	"strings"
	"testing"
)

func TestRemoteConfigMode(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "off"},
		{Config{RemoteConfig: &RemoteConfig{Mode: "apply_all"}}, "off"}, // nothing to ask
		{Config{ControlPlane: &ControlPlane{URL: "u"}}, "off"},
		{Config{ControlPlane: &ControlPlane{URL: "u", ClientID: "i", ClientSecret: "s"}}, "report"},
		{Config{ControlPlane: &ControlPlane{URL: "u"}, RemoteConfig: &RemoteConfig{Mode: "apply_safe"}}, "apply_safe"},
		{Config{ControlPlane: &ControlPlane{URL: "u", ClientID: "i"}, RemoteConfig: &RemoteConfig{}}, "report"},
	} {
		if got := tc.cfg.RemoteConfigMode(); got != tc.want {
			t.Errorf("%+v: mode %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

// RemoteProvider is the allow-list every job from the control plane (an overlay's) passes.
func TestRemoteProvider(t *testing.T) {
	cfg := &Config{ControlPlane: &ControlPlane{URL: "u"}, Providers: []Provider{{Name: "cis"}}}
	for _, tc := range []struct {
		provider, err string
		listed        []string
	}{
		{"builtin/file", "", nil},
		{"cis", "", nil},
		{"builtin/command", "runs any command", nil},
		{"acme/nope", "neither built in nor declared", nil},
		{"builtin/command", "", []string{"builtin/command"}},
		{"cis", "not in control_plane.remote_providers", []string{"builtin/file"}},
		{"acme/nope", "neither built in nor declared", []string{"acme/nope"}},
	} {
		cfg.ControlPlane.RemoteProviders = tc.listed
		err := cfg.RemoteProvider(tc.provider)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("RemoteProvider(%q) with %v = %v, want %q", tc.provider, tc.listed, err, tc.err)
		}
	}
}
