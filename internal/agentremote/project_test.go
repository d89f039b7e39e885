package agentremote

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/compliance-framework/argus/internal/config"
)

func TestProjectRoundTrip(t *testing.T) {
	jobs := []Job{
		{Name: "a", Provider: "ssh", Source: "ghcr.io/x/ssh:v1", Schedule: "every 1h", Config: json.RawMessage(`{"host":"h","port":"22"}`),
			Labels: map[string]string{"t": "1"}, Policies: []string{"ghcr.io/x/pol:v1"}, PolicyData: map[string]any{"n": json.Number("4")},
			PolicyBehavior: map[string][]string{"skip": {"r"}}, ProtocolVersion: 2},
		{Name: "b", Provider: "builtin/file", Source: "builtin/file"},
	}
	d, err := Project(jobs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unproject(d, jobs, map[string]string{"ghcr.io/x/ssh:v1": "ssh", "builtin/file": "builtin/file"})
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[0].Schedule != "every 1h" || back[0].ProtocolVersion != 2 || back[0].Provider != "ssh" ||
		string(back[1].Config) != `{}` || back[1].Schedule != "" {
		t.Fatalf("%+v", back)
	}
	if !sameJSON(back[0].Config, jobs[0].Config) || !sameJSON(back[0].PolicyData, jobs[0].PolicyData) {
		t.Fatalf("config %s policy data %v", back[0].Config, back[0].PolicyData)
	}
	d.Plugins["a"].Source = "ghcr.io/other/x:v1"
	var se *SourceError
	if _, err := Unproject(d, jobs, nil); !errors.As(err, &se) || se.Plugin != "a" {
		t.Fatalf("unknown source: %v", err)
	}
	if _, err := Project([]Job{{Name: "x", Config: json.RawMessage(`[1]`)}}); err == nil {
		t.Fatal("a config that is not an object projected")
	}
}

func TestConfigJoin(t *testing.T) {
	cfg := &config.Config{
		ControlPlane: &config.ControlPlane{URL: "https://x", ClientID: "id", ClientSecret: "s"},
		Providers:    []config.Provider{{Name: "ssh", Source: "ghcr.io/x/ssh:v1"}},
		Jobs: []config.Job{
			{Name: "a", Provider: "ssh", Schedule: "always", Timeout: 7, Subject: config.Subject{Type: "t", Identifier: "i"}, Config: []byte(`{"k":"v"}`)},
			{Name: "b", Provider: "builtin/file", Schedule: "every 1h", Config: []byte(`{}`)},
		},
	}
	jobs, providers := FromConfig(cfg)
	if jobs[0].Source != "ghcr.io/x/ssh:v1" || jobs[0].Schedule != "" || jobs[1].Source != "builtin/file" || providers["builtin/file"] != "builtin/file" {
		t.Fatalf("%+v %v", jobs, providers)
	}
	jobs[0].Schedule = "@hourly"
	jobs = append(jobs[:1], Job{Name: "c", Provider: "ssh", New: true})
	if err := ToConfig(cfg, jobs, "web-1"); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Jobs) != 2 || cfg.Jobs[0].Timeout != 7 || cfg.Jobs[0].Subject.Identifier != "i" || cfg.Jobs[0].Schedule != "@hourly" ||
		cfg.Jobs[1].Name != "c" || cfg.Jobs[1].Subject.Identifier != "host/web-1" || cfg.Jobs[1].Timeout != config.DefaultJobTimeout || cfg.Jobs[1].Schedule != "always" {
		t.Fatalf("%+v", cfg.Jobs)
	}
	if err := ToConfig(cfg, []Job{{Name: "a", Schedule: "sometimes"}}, "h"); err == nil {
		t.Fatal("a bad schedule converted")
	}
	if s := SettingsOf(cfg); s.Mode != ModeReport || s.TrustedSources == nil {
		t.Fatalf("default mode with credentials: %+v", s)
	}
	cfg.ControlPlane.ClientID = ""
	if SettingsOf(cfg).Mode != ModeOff {
		t.Fatal("default mode without credentials")
	}
	cfg.RemoteConfig = &config.RemoteConfig{Mode: "apply_all", TrustedSources: []string{"a/*"}, AllowLocalSources: true}
	if s := SettingsOf(cfg); s.Mode != ModeApplyAll || s.TrustedSources[0] != "a/*" || !s.AllowLocalSources || s.Check() != nil {
		t.Fatalf("%+v", s)
	}
	if (Settings{Mode: "bogus"}).Check() == nil || (Settings{Mode: ModeOff, TrustedSources: []string{"["}}).Check() == nil {
		t.Fatal("Check")
	}
}

func TestArgusSchedule(t *testing.T) {
	for in, want := range map[string]string{"": "always", "every 1h": "every 1h", "@every 10m": "every 10m", "@daily": "@daily", "*/5 * * * *": "*/5 * * * *"} {
		if got, err := ArgusSchedule(in); err != nil || got != want {
			t.Errorf("ArgusSchedule(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"TZ=Europe/Paris 0 3 * * *", "@every banana", "sometimes"} {
		if _, err := ArgusSchedule(bad); err == nil {
			t.Errorf("ArgusSchedule(%q) accepted", bad)
		}
	}
}
