package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The GitHub Action (action.yml) is tested by running its steps the way a runner would: each
// `run:` step through bash with the env action.yml gives it (expressions substituted), each
// `uses:` step checked for what it would upload, `if:` conditions evaluated, against a fake
// release of a freshly built argus served over HTTP. What it cannot cover is GitHub's own side
// (the cache service, artifact and SARIF upload); actionlint checks those steps' syntax and
// inputs in CI (.ci/steps/50-recipes.sh).

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

const actionTestVersion = "0.0.0-test.1"

func TestAction(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "tar", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the action's scripts need %s: %v", tool, err)
		}
	}
	var action actionFile
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatalf("parse action.yml: %v", err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using = %q, want composite", action.Runs.Using)
	}

	exe := buildArgus(t, actionTestVersion)
	good := fakeRelease(t, exe, actionTestVersion, false)

	tests := []struct {
		name   string
		files  map[string][]byte // the release: file name → content
		inputs map[string]string
		// wantExit is the exit code of the last step (the action's result).
		wantExit int
		// wantOutputs are outputs of the assess step.
		wantOutputs map[string]string
		// wantRan lists the steps (by name) that ran, in order.
		wantRan []string
		// wantStderr must appear in the failing step's stderr.
		wantStderr string
		// github is the github context (github.repository, github.actor, github.event...).
		github map[string]string
	}{
		{
			name:     "gate fails, reports still uploaded, exit 1 propagated",
			files:    good,
			inputs:   map[string]string{"config": "checks"},
			wantExit: 1,
			wantOutputs: map[string]string{
				"exit-code": "1", "sarif": "argus-reports/argus.sarif", "artifact-name": "argus-reports",
				"reports": "argus-reports/argus.sarif\nargus-reports/junit.xml", "category": "argus/",
			},
			wantRan: []string{"Install argus", "Restore provider cache", "argus init", "Save provider cache", "argus assess",
				"Upload SARIF to code scanning", "Upload reports", "Propagate argus's exit code"},
		},
		{
			name:     "a shard uploads its own SARIF category",
			files:    good,
			inputs:   map[string]string{"config": "checks", "shard": "1/4"},
			wantExit: 1,
			wantOutputs: map[string]string{
				"exit-code": "1", "sarif": "argus-reports/argus.sarif", "category": "argus/shard-1-of-4/",
			},
			wantRan: []string{"Install argus", "Restore provider cache", "argus init", "Save provider cache", "argus assess",
				"Upload SARIF to code scanning", "Upload reports", "Propagate argus's exit code"},
		},
		{
			name:     "the category input reaches the file and the upload",
			files:    good,
			inputs:   map[string]string{"config": "checks", "category": "compliance/web"},
			wantExit: 1,
			wantOutputs: map[string]string{
				"exit-code": "1", "sarif": "argus-reports/argus.sarif", "category": "compliance/web/",
			},
			wantRan: []string{"Install argus", "Restore provider cache", "argus init", "Save provider cache", "argus assess",
				"Upload SARIF to code scanning", "Upload reports", "Propagate argus's exit code"},
		},
		{
			name:     "a fork pull request skips the SARIF upload with a warning",
			files:    good,
			inputs:   map[string]string{"config": "checks"},
			github:   map[string]string{"github.repository": "acme/app", "github.event.pull_request.head.repo.full_name": "mallory/app", "github.actor": "mallory"},
			wantExit: 1,
			wantOutputs: map[string]string{
				"exit-code": "1", "sarif": "argus-reports/argus.sarif", "sarif-upload": "false",
			},
			wantRan: []string{"Install argus", "Restore provider cache", "argus init", "Save provider cache", "argus assess",
				"Upload reports", "Propagate argus's exit code"},
			wantStderr: "::warning title=argus::SARIF not uploaded to code scanning: this pull request comes from the fork mallory/app",
		},
		{
			name:     "a pull request inside the repository uploads",
			files:    good,
			inputs:   map[string]string{"config": "checks"},
			github:   map[string]string{"github.repository": "acme/app", "github.event.pull_request.head.repo.full_name": "acme/app", "github.actor": "alice"},
			wantExit: 1,
			wantOutputs: map[string]string{
				"exit-code": "1", "sarif-upload": "true",
			},
			wantRan: []string{"Install argus", "Restore provider cache", "argus init", "Save provider cache", "argus assess",
				"Upload SARIF to code scanning", "Upload reports", "Propagate argus's exit code"},
		},
		{
			name:  "shard, fail-on never, extra args, no SARIF upload",
			files: good,
			inputs: map[string]string{"config": "checks", "shard": "2/2", "fail-on": "never", "upload-sarif": "false",
				"reports": "junit=out/junit.xml json=-", "args": "--parallel 1 --log-level warn"},
			wantExit: 0,
			wantOutputs: map[string]string{
				"exit-code": "0", "sarif": "", "artifact-name": "argus-reports-shard-2-of-2", "reports": "out/junit.xml",
			},
			wantRan: []string{"Install argus", "Restore provider cache", "argus init", "Save provider cache", "argus assess",
				"Upload reports", "Propagate argus's exit code"},
		},
		{
			name:       "tampered archive is refused",
			files:      fakeRelease(t, exe, actionTestVersion, true),
			inputs:     map[string]string{"config": "checks"},
			wantExit:   2,
			wantRan:    []string{"Install argus", "Propagate argus's exit code"},
			wantStderr: "checksum mismatch for argus_" + actionTestVersion,
		},
		{
			name: "archive missing from checksums.txt is refused",
			files: map[string][]byte{
				"checksums.txt":                []byte(fmt.Sprintf("%064x  argus_%s_plan9_mips.tar.gz\n", 1, actionTestVersion)),
				archiveName(actionTestVersion): good[archiveName(actionTestVersion)],
			},
			inputs:     map[string]string{"config": "checks"},
			wantExit:   2,
			wantRan:    []string{"Install argus", "Propagate argus's exit code"},
			wantStderr: "is not listed in",
		},
		{
			name:       "an unpinned version is refused",
			files:      good,
			inputs:     map[string]string{"config": "checks", "version": "latest"},
			wantExit:   2,
			wantRan:    []string{"Install argus", "Propagate argus's exit code"},
			wantStderr: `version "latest" is not a release version`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.StripPrefix("/v"+actionTestVersion+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, ok := tt.files[r.URL.Path]
				if !ok {
					http.NotFound(w, r)
					return
				}
				if _, err := w.Write(body); err != nil {
					t.Errorf("serve %s: %v", r.URL.Path, err)
				}
			})))
			defer srv.Close()

			inputs := map[string]string{"version": actionTestVersion, "release-url": srv.URL}
			for k, v := range tt.inputs {
				inputs[k] = v
			}
			r := newActionRun(t, action, inputs)
			r.github = tt.github
			if err := os.CopyFS(filepath.Join(r.workspace, "checks"), os.DirFS(filepath.Join("testdata", "action", "config"))); err != nil {
				t.Fatal(err)
			}
			code := r.run()

			if code != tt.wantExit {
				t.Errorf("action exited with %d, want %d\n%s", code, tt.wantExit, r.log.String())
			}
			if got := strings.Join(r.ran, ", "); got != strings.Join(tt.wantRan, ", ") {
				t.Errorf("steps run:\n  %s\nwant:\n  %s", got, strings.Join(tt.wantRan, ", "))
			}
			if tt.wantStderr != "" && !strings.Contains(r.log.String(), tt.wantStderr) {
				t.Errorf("output lacks %q:\n%s", tt.wantStderr, r.log.String())
			}
			for k, want := range tt.wantOutputs {
				if got := r.outputs["assess"][k]; got != want {
					t.Errorf("assess output %s = %q, want %q", k, got, want)
				}
			}
			if tt.wantExit == 2 {
				// A refused release leaves nothing to run.
				if _, err := os.Stat(filepath.Join(r.temp, "argus-bin", "argus")); err == nil {
					t.Errorf("a refused release was installed")
				}
				return
			}
			// The installed binary is the release's, stamped with its version.
			if got := r.outputs["install"]["path"]; got != filepath.Join(r.temp, "argus-bin", "argus") {
				t.Errorf("install output path = %q", got)
			}
			if !strings.Contains(r.log.String(), "argus "+actionTestVersion+" (commit 0123456789ab, built 2026-01-02T03:04:05Z)") {
				t.Errorf("install did not print the stamped version:\n%s", r.log.String())
			}
			if !strings.Contains(r.pathFile(), filepath.Join(r.temp, "argus-bin")) {
				t.Errorf("GITHUB_PATH lacks the install dir: %q", r.pathFile())
			}
			// argus wrote its step summary (it runs with GITHUB_ACTIONS=true).
			if fi, err := os.Stat(r.summary); err != nil || fi.Size() == 0 {
				t.Errorf("no step summary written: %v", err)
			}
		})
	}
}

// actionRun is one simulated run of the composite action on a runner.
type actionRun struct {
	t         *testing.T
	action    actionFile
	inputs    map[string]string
	repo      string // GITHUB_ACTION_PATH
	workspace string // GITHUB_WORKSPACE, the working directory of every step
	temp      string // RUNNER_TEMP
	pathFileP string // GITHUB_PATH
	summary   string // GITHUB_STEP_SUMMARY
	failed    bool   // a step failed: success() is false from then on
	ran       []string
	outputs   map[string]map[string]string // step id → outputs
	github    map[string]string            // the github context: "github.repository" → value
	log       strings.Builder
}

func newActionRun(t *testing.T, action actionFile, inputs map[string]string) *actionRun {
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for k := range inputs {
		if _, ok := action.Inputs[k]; !ok {
			t.Fatalf("test sets input %q, which action.yml does not declare", k)
		}
	}
	all := map[string]string{}
	for k, in := range action.Inputs {
		all[k] = in.Default
	}
	for k, v := range inputs {
		all[k] = v
	}
	dir := t.TempDir()
	r := &actionRun{t: t, action: action, inputs: all, repo: repo,
		workspace: filepath.Join(dir, "workspace"), temp: filepath.Join(dir, "runner-temp"),
		pathFileP: filepath.Join(dir, "github-path"), summary: filepath.Join(dir, "step-summary"),
		outputs: map[string]map[string]string{}}
	for _, d := range []string{r.workspace, r.temp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r *actionRun) pathFile() string {
	b, _ := os.ReadFile(r.pathFileP)
	return string(b)
}

// run runs every step and returns the exit code of the last one that ran (the job's outcome
// as far as this action decides it).
func (r *actionRun) run() int {
	last := 0
	for _, step := range r.action.Runs.Steps {
		if !r.condition(step.If) {
			continue
		}
		r.ran = append(r.ran, step.Name)
		code := 0
		if step.Uses != "" {
			r.uses(step)
		} else {
			code = r.shell(step)
		}
		if code != 0 {
			r.failed = true
		}
		last = code
	}
	return last
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand substitutes the ${{ }} expressions action.yml uses.
func (r *actionRun) expand(s string) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		return r.value(exprRE.FindStringSubmatch(m)[1])
	})
}

func (r *actionRun) value(expr string) string {
	switch {
	case strings.HasPrefix(expr, "inputs."):
		v, ok := r.inputs[strings.TrimPrefix(expr, "inputs.")]
		if !ok {
			r.t.Fatalf("action.yml uses undeclared %s", expr)
		}
		return v
	case strings.HasPrefix(expr, "steps."):
		id, out, ok := strings.Cut(strings.TrimPrefix(expr, "steps."), ".outputs.")
		if !ok {
			r.t.Fatalf("unsupported expression %q", expr)
		}
		return r.outputs[id][out]
	case strings.HasPrefix(expr, "github."):
		return r.github[expr] // unset context values are empty, as on GitHub
	case expr == "runner.temp":
		return r.temp
	case expr == "runner.os":
		return runnerOS()
	case expr == "runner.arch":
		return runnerArch()
	case strings.HasPrefix(expr, "hashFiles("):
		return "lockhash"
	}
	r.t.Fatalf("action_test does not know the expression %q: teach it", expr)
	return ""
}

// condition evaluates the `if:` forms action.yml uses: terms joined by &&, each always(),
// success(), or X == 'lit' / X != 'lit'.
func (r *actionRun) condition(cond string) bool {
	cond = strings.TrimSpace(cond)
	if cond == "" {
		return !r.failed
	}
	status := false // whether a status function appears: without one, success() is implied
	ok := true
	for _, term := range strings.Split(cond, "&&") {
		term = strings.TrimSpace(term)
		switch {
		case term == "always()":
			status = true
		case term == "success()":
			status = true
			ok = ok && !r.failed
		case strings.Contains(term, "=="), strings.Contains(term, "!="):
			op := "=="
			if strings.Contains(term, "!=") {
				op = "!="
			}
			lhs, rhs, _ := strings.Cut(term, op)
			l := r.value(strings.TrimSpace(lhs))
			rv := strings.Trim(strings.TrimSpace(rhs), "'")
			ok = ok && ((l == rv) == (op == "=="))
		default:
			r.t.Fatalf("action_test cannot evaluate if: term %q: teach it", term)
		}
	}
	if !status {
		ok = ok && !r.failed
	}
	return ok
}

// uses stands in for a step that calls another action: the cache misses, and an upload checks
// that what it would upload exists.
func (r *actionRun) uses(step actionStep) {
	with := map[string]string{}
	for k, v := range step.With {
		with[k] = r.expand(v)
	}
	name, _, _ := strings.Cut(step.Uses, "@")
	switch name {
	case "actions/cache/restore":
		r.outputs[step.ID] = map[string]string{"cache-hit": "false"}
	case "actions/cache/save":
		if with["path"] == "" || with["key"] == "" {
			r.t.Errorf("%s: cache save without path or key: %v", step.Name, with)
		}
	case "github/codeql-action/upload-sarif":
		var sarif struct {
			Version string `json:"version"`
			Runs    []struct {
				Results           []json.RawMessage `json:"results"`
				AutomationDetails struct {
					ID string `json:"id"`
				} `json:"automationDetails"`
			} `json:"runs"`
		}
		b, err := os.ReadFile(filepath.Join(r.workspace, with["sarif_file"]))
		if err != nil {
			r.t.Errorf("%s: %v", step.Name, err)
		} else if err := json.Unmarshal(b, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) == 0 || len(sarif.Runs[0].Results) == 0 {
			r.t.Errorf("%s: %s is not a SARIF 2.1.0 report with results (%v):\n%s", step.Name, with["sarif_file"], err, b)
		} else if id := sarif.Runs[0].AutomationDetails.ID; id == "" || id != with["category"] {
			// GitHub applies the upload's category only to a file without one: the two must agree,
			// or the action's category input would silently not apply.
			r.t.Errorf("%s: upload category %q, but the file's automationDetails.id is %q", step.Name, with["category"], id)
		}
		r.outputs["upload-sarif"] = map[string]string{"category": with["category"]}
	case "actions/upload-artifact":
		if with["name"] == "" {
			r.t.Errorf("%s: no artifact name", step.Name)
		}
		for _, p := range strings.Split(strings.TrimSpace(with["path"]), "\n") {
			if fi, err := os.Stat(filepath.Join(r.workspace, p)); err != nil || fi.Size() == 0 {
				r.t.Errorf("%s: report %q missing or empty: %v", step.Name, p, err)
			}
		}
	default:
		r.t.Fatalf("action_test does not know the action %q: teach it", step.Uses)
	}
}

// shell runs a run: step as GitHub's `shell: bash` does (bash --noprofile --norc -eo pipefail).
func (r *actionRun) shell(step actionStep) int {
	if step.Shell != "bash" {
		r.t.Fatalf("%s: shell %q, want bash (the only shell on every runner OS)", step.Name, step.Shell)
	}
	out := filepath.Join(r.temp, "output-"+step.ID+fmt.Sprint(len(r.ran)))
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		r.t.Fatal(err)
	}
	path := os.Getenv("PATH")
	for _, p := range strings.Fields(r.pathFile()) {
		path = p + string(os.PathListSeparator) + path
	}
	env := []string{
		"PATH=" + path, "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir(), "LANG=C.UTF-8",
		"CI=true", "GITHUB_ACTIONS=true", "RUNNER_OS=" + runnerOS(), "RUNNER_ARCH=" + runnerArch(), "RUNNER_TEMP=" + r.temp,
		"GITHUB_ACTION_PATH=" + r.repo, "GITHUB_WORKSPACE=" + r.workspace, "GITHUB_OUTPUT=" + out,
		"GITHUB_PATH=" + r.pathFileP, "GITHUB_STEP_SUMMARY=" + r.summary,
		// argus's own state: the runner's HOME is not the test's.
		"XDG_STATE_HOME=" + filepath.Join(r.temp, "state"), "XDG_CACHE_HOME=" + filepath.Join(r.temp, "xdg-cache"),
	}
	for k, v := range step.Env {
		env = append(env, k+"="+r.expand(v))
	}
	cmd := exec.CommandContext(r.t.Context(), "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", r.expand(step.Run))
	cmd.Dir = r.workspace
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	fmt.Fprintf(&r.log, "== %s\n%s", step.Name, b)
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			r.t.Fatalf("%s: %v", step.Name, err)
		}
		code = ee.ExitCode()
	}
	if step.ID != "" {
		r.outputs[step.ID] = parseGitHubOutput(r.t, out)
	}
	return code
}

// parseGitHubOutput reads a $GITHUB_OUTPUT file: NAME=VALUE lines and NAME<<DELIM blocks.
func parseGitHubOutput(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var lines []string
			for sc.Scan() && sc.Text() != delim {
				lines = append(lines, sc.Text())
			}
			out[name] = strings.Join(lines, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is neither NAME=VALUE nor NAME<<DELIM", line)
		}
		out[name] = value
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func runnerOS() string {
	return map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}[runtime.GOOS]
}

func runnerArch() string {
	return map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
}

// archiveName is .goreleaser.yaml's archive name for this platform.
func archiveName(version string) string {
	return fmt.Sprintf("argus_%s_%s_%s.tar.gz", version, runtime.GOOS, runtime.GOARCH)
}

// buildArgus builds argus as a release would, with the version stamped by the linker.
func buildArgus(t *testing.T, version string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "argus")
	pkg := "github.com/compliance-framework/argus/internal/version"
	cmd := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-o", out, "-ldflags",
		"-X "+pkg+".version="+version+" -X "+pkg+".commit=0123456789abcdef -X "+pkg+".date=2026-01-02T03:04:05Z", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeRelease is what a release publishes for this platform: the archive goreleaser would build
// (binary, LICENSE, README.md at the root) and checksums.txt listing it among other platforms'
// archives, which the install step must ignore. tampered: the archive differs from its sum.
func fakeRelease(t *testing.T, exe []byte, version string, tampered bool) map[string][]byte {
	t.Helper()
	archive := tarGz(t, map[string][]byte{"argus": exe, "LICENSE": []byte("license\n"), "README.md": []byte("readme\n")})
	sum := sha256.Sum256(archive)
	var sums strings.Builder
	other := fmt.Sprintf("argus_%s_plan9_mips.tar.gz", version)
	fmt.Fprintf(&sums, "%064x  %s\n", 1, other)
	fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), archiveName(version))
	if tampered {
		archive = append(archive[:len(archive):len(archive)], 0)
	}
	return map[string][]byte{"checksums.txt": []byte(sums.String()), archiveName(version): archive}
}

func tarGz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf strings.Builder
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range []string{"argus", "LICENSE", "README.md"} {
		mode := int64(0o644)
		if name == "argus" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return []byte(buf.String())
}
