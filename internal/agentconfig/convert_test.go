package agentconfig

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden .hcl files in testdata")

// TestGolden converts every testdata/*.yaml and compares the output with the .hcl beside it.
// Regenerate with go test ./internal/agentconfig -run TestGolden -update, and read the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			got, err := ConvertFile(Request{Path: in})
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".yaml") + ".hcl"
			if *update {
				if err := os.WriteFile(golden, got, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", golden, d)
			}
		})
	}
}

func convert(t *testing.T, src string) string {
	t.Helper()
	out, err := Convert("config.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return string(out)
}

const api = "api: {url: http://localhost:8080}\n"

// TestConvert checks each field and default in the output, and the comments for what argus
// has no equivalent of.
func TestConvert(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		want      []string // lines (trimmed) or fragments that must appear
		notWant   []string
		wantCount map[string]int
	}{
		{
			name:    "url only: anonymous control plane",
			yaml:    api,
			want:    []string{`url = "http://localhost:8080"`, "# No api.auth in the agent's file: anonymous"},
			notWant: []string{"\n  client_id", "\n  client_secret", "\nprovider ", "\njob "},
		},
		{
			name:    "auth: literal id, secret from the environment",
			yaml:    "api:\n  url: https://x.example\n  auth:\n    client_id: 123e4567-e89b-12d3-a456-426614174000\n    client_secret: topsecret-value\n",
			want:    []string{`client_id     = "123e4567-e89b-12d3-a456-426614174000"`, `client_secret = env("ARGUS_CLIENT_SECRET")`, "# Set ARGUS_CLIENT_SECRET to the agent's client_secret"},
			notWant: []string{"topsecret-value"},
		},
		{
			name:    "auth: secret without id",
			yaml:    "api:\n  url: https://x.example\n  auth: {client_secret: topsecret-value}\n",
			want:    []string{`client_id     = env("ARGUS_CLIENT_ID")`, `client_secret = env("ARGUS_CLIENT_SECRET")`, "CCF_API_AUTH_CLIENT_ID"},
			notWant: []string{"topsecret-value"},
		},
		{
			name: "auth: id without secret",
			yaml: "api:\n  url: https://x.example\n  auth: {client_id: 123e4567-e89b-12d3-a456-426614174000}\n",
			want: []string{`client_id = "123e4567-e89b-12d3-a456-426614174000"`, `client_secret = env("ARGUS_CLIENT_SECRET")`, "CCF_API_AUTH_CLIENT_SECRET"},
		},
		{
			name:    "auth: empty values are anonymous",
			yaml:    "api:\n  url: https://x.example\n  auth: {client_id: '', client_secret: ''}\n",
			want:    []string{"anonymous"},
			notWant: []string{"\n  client_id", "\n  client_secret"},
		},
		{
			name: "plugin: provider and job, defaults",
			yaml: api + "plugins:\n  ssh:\n    source: ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3\n",
			want: []string{
				`provider "ssh" {`, `source = "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"`, `kind   = "ccf-plugin"`,
				`job "ssh" {`, `provider = "ssh"`, `schedule = "* * * * *"`, "# The agent's default schedule.",
				"# env_allow = [",
			},
			notWant: []string{"protocol_version", "policies =", "config =", "labels =", "policy_data", "policy_behavior"},
		},
		{
			name: "protocol_version as number and as string",
			yaml: api + "plugins:\n  a: {source: x/y:v1, protocol_version: 2}\n  b: {source: x/y:v1, protocol_version: '1'}\n",
			want: []string{"protocol_version = 2", "protocol_version = 1"},
		},
		{
			name:    "config: weak typing as the agent sends it",
			yaml:    api + "plugins:\n  a:\n    source: x/y:v1\n    config: {s: text, i: 22, f: 1.5, t: true, n: false, z: ~, big: 12345678901234567890}\n",
			want:    []string{`s = "text"`, `i = "22"`, `f = "1.5"`, `t = "1"`, `n = "0"`, `"z" is left out: its value is null`, `big = "12345678901234567890"`, `The agent sent YAML true as "1".`},
			notWant: []string{"= true", "= 22\n", "z = "},
		},
		{
			name:    "config: secret-looking keys become env references",
			yaml:    api + "plugins:\n  local-ssh:\n    source: x/y:v1\n    config: {password: pw-value-1, api_token: tok-value-2, user: bob, secret: ''}\n",
			want:    []string{`password = env("CCF_PLUGINS_LOCAL_SSH_CONFIG_PASSWORD")`, `api_token = env("CCF_PLUGINS_LOCAL_SSH_CONFIG_API_TOKEN")`, `user = "bob"`, `secret = ""`},
			notWant: []string{"pw-value-1", "tok-value-2"},
		},
		{
			name: "keys are lower-cased as the agent does, with a comment",
			yaml: "API: {URL: http://localhost:8080}\nPlugins:\n  MyPlugin:\n    Source: x/y:v1\n    Config: {HostName: h}\n    Labels: {Team: t}\n",
			want: []string{`provider "myplugin"`, `it named this plugin "myplugin"`, `hostname = "h"`, `lower-cased the key "HostName"`, `team = "t"`, `lower-cased the label "Team"`},
		},
		{
			name:      "policies: list, single string, kept verbatim",
			yaml:      api + "plugins:\n  a: {source: x/y:v1, policies: [ghcr.io/a/b:v1, policies/x, /abs/p]}\n  b: {source: x/y:v1, policies: ghcr.io/a/c:v2}\n",
			want:      []string{`policies = ["ghcr.io/a/b:v1", "policies/x", "/abs/p"]`, `policies = ["ghcr.io/a/c:v2"]`, "# Local policy paths are as the agent had them"},
			wantCount: map[string]int{"# Local policy paths": 1},
		},
		{
			name: "labels: reserved and empty names are left out with a comment",
			yaml: api + "plugins:\n  a:\n    source: x/y:v1\n    labels: {_plugin: x, '': e, ok: v, n: 3}\n",
			want: []string{`Label "_plugin" = "x" is left out`, `Label "" = "e" is left out`, `ok = "v"`, `n  = "3"`},
		},
		{
			name: "policy_data: any shape, typed",
			yaml: api + "plugins:\n  a:\n    source: x/y:v1\n    policy_data: {n: 4, f: 0.25, b: true, s: str, l: [1, two, ~, {A.b: ~}], o: {\"k k\": ~, for: 1}, e: {}, el: []}\n",
			want: []string{"n = 4", "f = 0.25", "b = true", `s = "str"`, "l = [", `"two",`, "null,", `"a.b" = null`, `"for" = 1`, "el = []",
				`Left out of policy_data, as the agent's loader drops nulls and empty mappings: "e", "o.k k".`},
			notWant: []string{"e = {}", `"k k" =`},
		},
		{
			name:    "policy_data: only nulls",
			yaml:    api + "plugins:\n  a:\n    source: x/y:v1\n    policy_data: {x: ~}\n",
			want:    []string{`Left out of policy_data, as the agent's loader drops nulls and empty mappings: "x".`},
			notWant: []string{"policy_data ="},
		},
		{
			name: "labels: null values are left out",
			yaml: api + "plugins:\n  a:\n    source: x/y:v1\n    labels: {a: ~, b: c}\n",
			want: []string{`Label "a" is left out: its value is null`, `b = "c"`},
		},
		{
			name: "policy_behavior: lists, a single value lifted",
			yaml: api + "plugins:\n  a:\n    source: x/y:v1\n    policy_behavior: {skip: [r1, r2], only: r3}\n",
			want: []string{`skip = ["r1", "r2"]`, `only = ["r3"]`},
		},
		{
			name: "schedules",
			yaml: api + "plugins:\n" +
				"  a: {source: x/y:v1, schedule: '*/5 * * * *'}\n" +
				"  b: {source: x/y:v1, schedule: '@hourly'}\n" +
				"  c: {source: x/y:v1, schedule: '@every 1h'}\n" +
				"  d: {source: x/y:v1, schedule: '@every 1500ms'}\n" +
				"  e: {source: x/y:v1, schedule: 'CRON_TZ=Europe/London 0 3 * * MON'}\n" +
				"  f: {source: x/y:v1, schedule: '@weekly'}\n" +
				"  g: {source: x/y:v1, schedule: ~}\n",
			want: []string{
				`schedule = "*/5 * * * *"`,
				`schedule = "0 * * * *"`, `Converted from the agent's "@hourly".`,
				`schedule = "every 1h"`,
				`schedule = "every 1s"`, "whole seconds",
				`schedule = "0 3 * * MON"`, "The agent read this in Europe/London; argus reads cron in UTC",
				`schedule = "0 0 * * 0"`, "local time zone",
				`schedule = "* * * * *"`,
			},
		},
		{
			name: "sources: OCI, digest, layout, local paths",
			yaml: api + "plugins:\n" +
				"  a: {source: ghcr.io/o/p:v1}\n" +
				"  b: {source: 'ghcr.io/o/p@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n" +
				"  c: {source: 'oci-layout:///srv/layouts/p:v1'}\n" +
				"  d: {source: /opt/plugins/p}\n" +
				"  e: {source: ../p}\n" +
				"  f: {source: bin/plugin}\n" +
				"  g: {source: localhost:5000/o/p:v1}\n",
			want: []string{
				`source = "ghcr.io/o/p:v1"`, `source = "ghcr.io/o/p@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`,
				`source = "oci-layout:///srv/layouts/p:v1"`, `source = "/opt/plugins/p"`, `source = "../p"`,
				`source = "./bin/plugin"`, `the agent's "bin/plugin", relative to its working directory`,
				`source = "localhost:5000/o/p:v1"`,
			},
			wantCount: map[string]int{"A local plugin": 3},
		},
		{
			name: "plugin names: invalid characters and clashes",
			yaml: api + "plugins:\n  'my plugin': {source: x/y:v1}\n  my-plugin: {source: x/y:v1}\n  '-x': {source: x/y:v1}\n",
			want: []string{`job "my-plugin" {`, `job "my-plugin-2" {`, `job "plugin-x" {`, `_plugin = "my plugin"`},
		},
		{
			name: "daemon, verbosity, agent_evidence become comments",
			yaml: "daemon: false\nverbosity: 0\n" + api + "agent_evidence: {enabled: false}\n",
			want: []string{"# daemon: false has no equivalent", "--log-level info", `# agent_evidence ("enabled: false") has no equivalent`, "heartbeat per run"},
		},
		{
			name: "strings that look like HCL templates stay literal",
			yaml: api + "plugins:\n  a:\n    source: x/y:v1\n    config: {t: '${file(\"/etc/shadow\")}', p: '%{if x}'}\n",
			want: []string{`t = "$${file(\"/etc/shadow\")}"`, `p = "%%{if x}"`},
		},
		{
			name:    "a newline in a name cannot escape a comment",
			yaml:    api + "plugins:\n  \"a\\nprovider \\\"evil\\\" {}\": {source: x/y:v1}\n",
			notWant: []string{"\nprovider \"evil\""},
		},
		{
			name: "JSON is YAML",
			yaml: `{"api": {"url": "http://localhost:8080"}, "plugins": {"a": {"source": "x/y:v1", "config": {"k": 1}}}}`,
			want: []string{`job "a" {`, `k = "1"`},
		},
		{
			name:    "empty plugins",
			yaml:    api + "plugins: {}\n",
			notWant: []string{"\nprovider ", "\njob "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := convert(t, tt.yaml)
			norm := normalizeSpaces(out)
			for _, w := range tt.want {
				if !strings.Contains(out, w) && !strings.Contains(norm, normalizeSpaces(w)) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
			for w, n := range tt.wantCount {
				if got := strings.Count(out, w); got != n {
					t.Errorf("output has %q %d times, want %d:\n%s", w, got, n, out)
				}
			}
			parseHCL(t, out)
		})
	}
}

// normalizeSpaces collapses runs of spaces, so that a case need not know how hclwrite.Format
// aligns the = of neighbouring attributes.
func normalizeSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
}

// TestErrors checks that each kind of unreadable input is reported with its line and column,
// every problem at once, in file order.
func TestErrors(t *testing.T) {
	type want struct {
		line, col int
		key, msg  string
	}
	tests := []struct {
		name string
		file string
		yaml string
		want []want
	}{
		{"unclosed list", "", "api:\n  url: [x\n", []want{{2, 0, "", "YAML syntax error near here: did not find expected ',' or ']'"}}},
		{"mapping in a scalar", "", "api:\n  url: a: b\n", []want{{2, 0, "", "mapping values are not allowed"}}},
		{"bad indentation", "", "api:\n  url: x\n plugins: {}\n", []want{{3, 0, "", "did not find expected key"}}},
		{"list item in a mapping", "", "api:\n  - x\n  y: 1\n", []want{{2, 0, "", "did not find expected '-' indicator"}}},
		{"unterminated string", "", "api:\n  url: \"x\n", []want{{2, 0, "", "found unexpected end of stream"}}},
		{"unknown anchor", "", "api: *nope\n", []want{{1, 0, "", "unknown anchor"}}},
		{"tab indentation", "", "api:\n\turl: x\n", []want{{2, 0, "", "YAML syntax error"}}},
		{"empty file", "", "", []want{{1, 0, "", "the file is empty"}}},
		{"only a comment", "", "# nothing\n", []want{{1, 0, "", "the file is empty"}}},
		{"not a mapping", "", "- a\n- b\n", []want{{1, 1, "", "the file is a list"}}},
		{"two documents", "", api + "---\n" + api, []want{{2, 1, "", "a second YAML document"}}},
		{"toml", "config.toml", "[api]\nurl = 'x'\n", []want{{1, 0, "", "TOML"}}},
		{"no api", "", "plugins: {}\n", []want{{1, 1, "api", "requires api.url"}}},
		{"no url", "", "api: {auth: {client_id: 123e4567-e89b-12d3-a456-426614174000, client_secret: s}}\n", []want{{1, 1, "api.url", "requires api.url"}}},
		{"api wrong type", "", "api: http://x\n", []want{{1, 6, "api", "expected a mapping"}}},
		{"bad url", "", "api: {url: 'ftp://x'}\n", []want{{1, 12, "api.url", "not an absolute http://"}}},
		{"url with credentials", "", "api: {url: 'https://u:p@x.example'}\n", []want{{1, 12, "api.url", "holds credentials"}}},
		{"url is a list", "", "api: {url: [a]}\n", []want{{1, 12, "api.url", "expected a single value, but this is a list"}}},
		{"bad client_id", "", "api:\n  url: http://x\n  auth:\n    client_id: nope\n    client_secret: s\n", []want{{4, 16, "api.auth.client_id", "not a UUID"}}},
		{"auth wrong type", "", "api: {url: http://x, auth: [a]}\n", []want{{1, 28, "api.auth", "expected a mapping"}}},
		{"unknown top key", "", api + "verbose: 1\n", []want{{2, 1, "verbose", `unknown key "verbose"`}}},
		{"unknown api key", "", "api: {url: http://x, token: t}\n", []want{{1, 22, "api.token", "unknown key"}}},
		{"unknown auth key", "", "api: {url: http://x, auth: {user: u}}\n", []want{{1, 29, "api.auth.user", "unknown key"}}},
		{"unknown plugin key", "", api + "plugins:\n  a:\n    source: x/y:v1\n    polices: [p]\n", []want{{5, 5, "plugins.a.polices", `unknown key "polices"`}}},
		{"unknown agent_evidence key", "", api + "agent_evidence: {every: 1h}\n", []want{{2, 18, "agent_evidence.every", "unknown key"}}},
		{"agent_evidence wrong type", "", api + "agent_evidence: [a]\n", []want{{2, 17, "agent_evidence", "expected a mapping"}}},
		{"duplicate key", "", api + "plugins:\n  a: {source: x/y:v1}\n  a: {source: x/y:v2}\n", []want{{4, 3, "plugins.a", "already set at line 3"}}},
		{"keys differing in case", "", api + "plugins:\n  a: {source: x/y:v1, Source: x/y:v2}\n", []want{{3, 23, "plugins.a.source", `"Source" is the same as "source"`}}},
		{"dotted key", "", api + "plugins:\n  a:\n    source: x/y:v1\n    labels: {app.kubernetes.io/name: x}\n", []want{{5, 14, "plugins.a.labels.app.kubernetes.io/name", "splits into nested keys"}}},
		{"complex key", "", api + "plugins:\n  ? [a]\n  : {source: x}\n", []want{{3, 5, "plugins", "a key is a list or a mapping"}}},
		{"plugins wrong type", "", api + "plugins: [a]\n", []want{{2, 10, "plugins", "expected a mapping of plugin names"}}},
		{"null plugin", "", api + "plugins:\n  a:\n", []want{{3, 3, "plugins.a", "null configuration"}}},
		{"plugin wrong type", "", api + "plugins:\n  a: x\n", []want{{3, 6, "plugins.a", "expected the plugin's settings"}}},
		{"no source", "", api + "plugins:\n  a: {policies: [p]}\n", []want{{3, 3, "plugins.a.source", "has no source"}}},
		{"empty source", "", api + "plugins:\n  a: {source: ' '}\n", []want{{3, 15, "plugins.a.source", "the source is empty"}}},
		{"untagged reference", "", api + "plugins:\n  a: {source: ghcr.io/o/p}\n", []want{{3, 15, "plugins.a.source", "has no tag"}}},
		{"untagged policy", "", api + "plugins:\n  a: {source: ghcr.io/o/p:v1, policies: [localhost:5000/o/pol]}\n", []want{{3, 42, "plugins.a.policies[0]", "has no tag"}}},
		{"empty policy in a list", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policies:\n      - ok/p:v1\n      - ''\n", []want{{7, 9, "plugins.a.policies[1]", "the policy source is empty"}}},
		{"source is a mapping", "", api + "plugins:\n  a: {source: {x: 1}}\n", []want{{3, 15, "plugins.a.source", "this is a mapping"}}},
		{"protocol_version 3", "", api + "plugins:\n  a: {source: x/y:v1, protocol_version: 3}\n", []want{{3, 41, "plugins.a.protocol_version", "only 1 or 2"}}},
		{"protocol_version 0", "", api + "plugins:\n  a: {source: x/y:v1, protocol_version: 0}\n", []want{{3, 41, "plugins.a.protocol_version", "only 1 or 2"}}},
		{"protocol_version null", "", api + "plugins:\n  a: {source: x/y:v1, protocol_version: ~}\n", []want{{3, 41, "plugins.a.protocol_version", "only 1 or 2"}}},
		{"protocol_version text", "", api + "plugins:\n  a: {source: x/y:v1, protocol_version: two}\n", []want{{3, 41, "plugins.a.protocol_version", `"two"`}}},
		{"bad cron", "", api + "plugins:\n  a: {source: x/y:v1, schedule: '61 * * * *'}\n", []want{{3, 33, "plugins.a.schedule", "invalid cron expression"}}},
		{"six fields", "", api + "plugins:\n  a: {source: x/y:v1, schedule: '0 0 3 * * *'}\n", []want{{3, 33, "plugins.a.schedule", "not a 5-field cron"}}},
		{"argus syntax in the agent", "", api + "plugins:\n  a: {source: x/y:v1, schedule: every 1h}\n", []want{{3, 33, "plugins.a.schedule", "not a 5-field cron"}}},
		{"empty schedule", "", api + "plugins:\n  a: {source: x/y:v1, schedule: ''}\n", []want{{3, 33, "plugins.a.schedule", "not a 5-field cron"}}},
		{"bad descriptor", "", api + "plugins:\n  a: {source: x/y:v1, schedule: '@sometimes'}\n", []want{{3, 33, "plugins.a.schedule", "not a cron shorthand"}}},
		{"bad every", "", api + "plugins:\n  a: {source: x/y:v1, schedule: '@every soon'}\n", []want{{3, 33, "plugins.a.schedule", "not a positive duration"}}},
		{"bad zone", "", api + "plugins:\n  a: {source: x/y:v1, schedule: 'TZ=Mars/Olympus 0 3 * * *'}\n", []want{{3, 33, "plugins.a.schedule", "unknown time zone"}}},
		{"zone without schedule", "", api + "plugins:\n  a: {source: x/y:v1, schedule: 'TZ=UTC'}\n", []want{{3, 33, "plugins.a.schedule", "no schedule after it"}}},
		{"config nested", "", api + "plugins:\n  a:\n    source: x/y:v1\n    config: {k: {x: 1}}\n", []want{{5, 17, "plugins.a.config.k", "this is a mapping"}}},
		{"config a list", "", api + "plugins:\n  a:\n    source: x/y:v1\n    config: [a]\n", []want{{5, 13, "plugins.a.config", "expected a mapping"}}},
		{"labels a string", "", api + "plugins:\n  a:\n    source: x/y:v1\n    labels: x\n", []want{{5, 13, "plugins.a.labels", "expected a mapping"}}},
		{"policies a mapping", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policies: {a: b}\n", []want{{5, 15, "plugins.a.policies", "expected a list"}}},
		{"policy nested list", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policies: [[a]]\n", []want{{5, 16, "plugins.a.policies[0]", "this is a list"}}},
		{"empty policy", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policies: ['']\n", []want{{5, 16, "plugins.a.policies[0]", "the policy source is empty"}}},
		{"policy_data a list", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policy_data: [1]\n", []want{{5, 18, "plugins.a.policy_data", "expected a mapping"}}},
		{"policy_data nan", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policy_data: {x: .nan}\n", []want{{5, 18, "plugins.a.policy_data", ".nan or .inf"}}},
		{"policy_behavior a list", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policy_behavior: [skip]\n", []want{{5, 22, "plugins.a.policy_behavior", "expected a mapping"}}},
		{"policy_behavior nested", "", api + "plugins:\n  a:\n    source: x/y:v1\n    policy_behavior: {skip: {a: b}}\n", []want{{5, 29, "plugins.a.policy_behavior.skip", "expected a list"}}},
		{"bad merge", "", api + "plugins:\n  a:\n    <<: x\n    source: x/y:v1\n", []want{{4, 9, "plugins.a", "merge key"}}},
		{"every problem at once, in file order", "", "api: {url: ftp://x}\nplugins:\n  a:\n    sourc: x\n  b: {source: x/y:v1, schedule: bad}\n", []want{
			{1, 12, "api.url", "not an absolute"},
			{3, 3, "plugins.a.source", "has no source"},
			{4, 5, "plugins.a.sourc", "unknown key"},
			{5, 33, "plugins.b.schedule", "not a 5-field"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "config.yaml"
			}
			out, err := Convert(file, []byte(tt.yaml))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want an *Error, got %v and output:\n%s", err, out)
			}
			if e.File != file {
				t.Errorf("File = %q, want %q", e.File, file)
			}
			if len(e.Problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(e.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				p := e.Problems[i]
				if p.Line != w.line || p.Column != w.col || p.Key != w.key || !strings.Contains(p.Message, w.msg) {
					t.Errorf("problem %d = %d:%d %q %q\nwant %d:%d %q containing %q", i, p.Line, p.Column, p.Key, p.Message, w.line, w.col, w.key, w.msg)
				}
			}
			// The message names the file and line, as an editor can jump to.
			if !strings.Contains(err.Error(), file+":"+strconv.Itoa(tt.want[0].line)) {
				t.Errorf("message lacks %s:%d: %v", file, tt.want[0].line, err)
			}
		})
	}
}

// TestAliasBomb: a file whose aliases expand to billions of values is refused quickly
// instead of exhausting memory.
func TestAliasBomb(t *testing.T) {
	src := api + "x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
	prev := "a"
	for i := range 8 {
		name := string(rune('b' + i))
		src += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	src = strings.Replace(src, "x: &a", "plugins:\n  p:\n    source: x/y:v1\n    policy_data:\n      v: &a", 1)
	// Move the bomb under policy_data, the one place that walks arbitrary values.
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if len(l) > 2 && l[1] == ':' && l[0] >= 'b' && l[0] <= 'z' {
			lines[i] = "      " + l
		}
	}
	_, err := Convert("config.yaml", []byte(strings.Join(lines, "\n")))
	if err == nil {
		t.Fatal("want an error for an alias bomb")
	}
}

func TestConvertFile(t *testing.T) {
	if _, err := ConvertFile(Request{Path: filepath.Join(t.TempDir(), "missing.yaml")}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ConvertFile(Request{Path: big}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}
