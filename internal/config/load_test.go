package config

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// testNow is the clock of every test load: waiver expiries are checked against it.
var testNow = time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)

// testOptions are deterministic LoadOptions: a fixed environment and host name.
func testOptions(env map[string]string) *LoadOptions {
	return &LoadOptions{
		Env: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
		Hostname:     func() (string, error) { return "web-1", nil },
		ArgusVersion: "0.3.0",
		Now:          func() time.Time { return testNow },
	}
}

func absTestdata(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadValid(t *testing.T) {
	valid := absTestdata(t, "valid")
	dir := absTestdata(t, "valid/dir")
	tests := []struct {
		path string
		env  map[string]string
		want *Config
	}{
		{
			path: "testdata/valid/full.argus.hcl",
			env:  map[string]string{"ARGUS_CLIENT_ID": "id-1", "ARGUS_CLIENT_SECRET": "s3cret"},
			want: &Config{
				Path: "testdata/valid/full.argus.hcl",
				Dir:  valid,
				Argus: Argus{
					RequiredVersion: ">= 0.1.0",
					StateDir:        filepath.Join(valid, ".argus"),
					Parallel:        4,
				},
				ControlPlane: &ControlPlane{URL: "https://ccf.example.com", ClientID: "id-1", ClientSecret: "s3cret"},
				RemoteConfig: &RemoteConfig{Mode: "apply_safe", TrustedSources: []string{"ghcr.io/compliance-framework/*"}, OverridableConfigFlags: []string{"ssh:port", "timeout"}},
				Registries: []Registry{
					{Host: "localhost:8080", URL: "http://127.0.0.1:8080/argus/"},
					{Host: "registry.example.com", URL: "https://mirror.internal/argus/", SigningKeys: []string{"RWQkey1", "RWQkey2"}},
				},
				Providers: []Provider{
					{Name: "cis", Source: "registry.example.com/acme/cis", Version: ">= 1.4.0, < 2.0.0", SigningKeys: []string{"RWQproviderkey"}},
					{Name: "local-script", Source: "./providers/local-script", LocalPath: filepath.Join(valid, "providers", "local-script")},
					{Name: "unsigned", Source: "localhost:8080/test/unsigned", Version: "~> 1.2", InsecureSkipSignature: true},
				},
				Jobs: []Job{
					{
						Name: "always-script", Provider: "local-script", Schedule: "always", Timeout: DefaultJobTimeout, Severity: "medium",
						Subject: Subject{Type: "inventory-item", Identifier: "host/web-1"}, Config: []byte(`{}`),
					},
					{
						Name: "cis-benchmark", Provider: "cis", Schedule: "0 3 * * *", Timeout: DefaultJobTimeout, Severity: "medium",
						Subject:  Subject{Type: "inventory-item", Identifier: "host/web-1"},
						Config:   []byte(`{"enabled":true,"level":2,"nested":{"list":[1,"two",true],"none":null}}`),
						EnvAllow: []string{"HTTPS_PROXY", "CIS_TOKEN"},
					},
					{
						Name: "etc-passwd-perms", Provider: "builtin/file", Schedule: "every 1h", Timeout: 30 * time.Second, Severity: "medium",
						Labels:  map[string]string{"team": "platform", "control": "ac-6"},
						Subject: Subject{Type: "inventory-item", Identifier: "host/web-1"},
						Config:  []byte(`{"max_mode":"0644","owner":"root","path":"/etc/passwd"}`),
					},
				},
				Reports: []Report{
					{Format: "sarif", Path: filepath.Join(valid, "out", "argus.sarif"), Category: "argus/host/"},
					{Format: "json", Path: "-"},
				},
			},
		},
		{
			// Without the variables, env() is empty and the control plane is anonymous.
			path: "testdata/valid/minimal.hcl",
			want: &Config{
				Path: "testdata/valid/minimal.hcl",
				Dir:  valid,
				Jobs: []Job{{
					Name: "one", Provider: "builtin/command", Schedule: "always", Timeout: DefaultJobTimeout, Severity: "medium",
					Subject: Subject{Type: "inventory-item", Identifier: "host/web-1"}, Config: []byte(`{"command":["true"]}`),
				}},
			},
		},
		{
			path: "testdata/valid/functions.hcl",
			env:  map[string]string{"TEAM": "sre"},
			want: &Config{
				Path: "testdata/valid/functions.hcl",
				Dir:  valid,
				Jobs: []Job{{
					Name: "functions", Provider: "builtin/http", Schedule: "always", Timeout: DefaultJobTimeout, Severity: "medium",
					Labels:  map[string]string{"owner": "sre", "unset": ""},
					Subject: Subject{Type: "service", Identifier: "svc/web-1"},
					Config:  []byte(`{"headers":["line one\nline two\n"],"min_tls":"welcome to web-1\n","url":"https://web-1/health"}`),
				}},
			},
		},
		{
			// Plain http is fine for a loopback mirror.
			path: "testdata/valid/loopback.hcl",
			want: &Config{
				Path: "testdata/valid/loopback.hcl",
				Dir:  valid,
				Registries: []Registry{
					{Host: "127.0.0.1", URL: "http://localhost/index/"},
					{Host: "localhost", URL: "http://[::1]:8080/"},
				},
			},
		},
		{
			// A directory: only its *.argus.hcl files, not hidden ones, not subdirectories.
			path: "testdata/valid/dir",
			want: &Config{
				Path: "testdata/valid/dir",
				Dir:  dir,
				Providers: []Provider{
					{Name: "alpha", Source: "registry.example.com/acme/alpha", Version: "1.0.0"},
					{Name: "zeta", Source: "./zeta", LocalPath: filepath.Join(dir, "zeta")},
				},
				Jobs: []Job{
					{
						Name: "aa-first", Provider: "alpha", Schedule: "always", Timeout: 2 * time.Minute, Severity: "medium",
						Subject: Subject{Type: "inventory-item", Identifier: "host/web-1"}, Config: []byte(`{}`),
					},
					{
						Name: "zz-last", Provider: "zeta", Schedule: "always", Timeout: DefaultJobTimeout, Severity: "medium",
						Subject: Subject{Type: "inventory-item", Identifier: "host/web-1"}, Config: []byte(`{}`),
					},
				},
				Reports: []Report{{Format: "junit", Path: filepath.Join(dir, "junit.xml")}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, diags := Load(tt.path, testOptions(tt.env))
			if len(diags) > 0 {
				t.Fatalf("Load(%q) diagnostics:\n%s", tt.path, renderDiags(got, diags))
			}
			opts := cmp.Options{
				cmpopts.IgnoreTypes(hcl.Range{}),
				cmpopts.IgnoreFields(Config{}, "Files"),
				cmp.Transformer("json", func(m []byte) string { return string(m) }),
			}
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("Load(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

// expectedError is a `# ERROR: <substring>` comment of a fixture: a diagnostic whose summary
// or detail contains substring must start on that line of that file.
type expectedError struct {
	file   string
	line   int
	substr string
}

func (e expectedError) String() string { return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.substr) }

// expectedErrors reads the ERROR comments of the fixture at path (a file, or every .hcl file
// of a directory).
func expectedErrors(t *testing.T, path string) []expectedError {
	t.Helper()
	files := []string{path}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		files, err = filepath.Glob(filepath.Join(path, "*.hcl"))
		if err != nil {
			t.Fatal(err)
		}
	}
	const marker = "# ERROR: "
	var want []expectedError
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for line := 1; sc.Scan(); line++ {
			parts := strings.Split(sc.Text(), marker)
			for _, p := range parts[1:] {
				want = append(want, expectedError{file: name, line: line, substr: strings.TrimSpace(p)})
			}
		}
	}
	if len(want) == 0 {
		t.Fatalf("fixture %s has no %q comments", path, marker)
	}
	return want
}

func TestLoadInvalid(t *testing.T) {
	fixtures, err := filepath.Glob("testdata/invalid/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) < 5 {
		t.Fatalf("found only %d invalid fixtures", len(fixtures))
	}
	for _, path := range fixtures {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want := expectedErrors(t, path)
			cfg, diags := Load(path, testOptions(nil))
			if !diags.HasErrors() {
				t.Fatalf("Load(%q) reported no error; want %d", path, len(want))
			}
			// Match each expected error to a distinct diagnostic on its line.
			unmatched := map[int]*hcl.Diagnostic{}
			for i, d := range diags {
				unmatched[i] = d
			}
			for _, w := range want {
				found := -1
				for i := range diags {
					d, ok := unmatched[i]
					if !ok || d.Subject == nil || d.Subject.Filename != w.file || d.Subject.Start.Line != w.line {
						continue
					}
					if strings.Contains(d.Summary+": "+d.Detail, w.substr) {
						found = i
						break
					}
				}
				if found < 0 {
					t.Errorf("missing diagnostic %s", w)
					continue
				}
				delete(unmatched, found)
			}
			var extra []int
			for i := range unmatched {
				extra = append(extra, i)
			}
			sort.Ints(extra)
			for _, i := range extra {
				t.Errorf("unexpected diagnostic: %s", renderDiags(cfg, hcl.Diagnostics{diags[i]}))
			}
			if t.Failed() {
				t.Logf("all diagnostics:\n%s", renderDiags(cfg, diags))
			}
		})
	}
}
