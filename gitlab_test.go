package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// The GitLab CI/CD template (examples/gitlab/argus.gitlab-ci.yml) is tested the way a runner
// would run it: the hidden job's variables expanded against the job's environment, its
// before_script and script run as one POSIX shell in the project directory, against a fake
// release of a freshly built argus served over HTTP, as each of the jobs `parallel: 2` makes.
// What it cannot cover is GitLab's side (the cache, the artifact upload, the report widgets):
// .ci/steps/57-gitlab.sh validates those keywords against GitLab's own CI schema.

const gitlabTemplate = "examples/gitlab/argus.gitlab-ci.yml"

type gitlabJob struct {
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
	Cache        struct {
		Key struct {
			Files  []string `yaml:"files"`
			Prefix string   `yaml:"prefix"`
		} `yaml:"key"`
		Paths []string `yaml:"paths"`
		When  string   `yaml:"when"`
	} `yaml:"cache"`
	Artifacts struct {
		When    string            `yaml:"when"`
		Paths   []string          `yaml:"paths"`
		Reports map[string]string `yaml:"reports"`
	} `yaml:"artifacts"`
}

func readGitLabTemplate(t *testing.T) gitlabJob {
	t.Helper()
	data, err := os.ReadFile(gitlabTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]gitlabJob
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", gitlabTemplate, err)
	}
	job, ok := doc[".argus"]
	if !ok {
		t.Fatalf("%s has no hidden job .argus", gitlabTemplate)
	}
	return job
}

// TestGitLabTemplateWiring checks what the schema cannot: that the keywords agree with each
// other and with argus's flags.
func TestGitLabTemplateWiring(t *testing.T) {
	job := readGitLabTemplate(t)
	script := strings.Join(job.Script, "\n")
	if job.Artifacts.When != "always" {
		t.Errorf("artifacts:when = %q, want always: the reports matter most when the gate failed", job.Artifacts.When)
	}
	for _, format := range []string{"codequality", "junit"} {
		path := job.Artifacts.Reports[format]
		if path == "" {
			t.Errorf("artifacts:reports:%s is not set", format)
			continue
		}
		if !strings.Contains(script, "--report "+format+"="+path) {
			t.Errorf("artifacts:reports:%s is %s, but the script does not write --report %s=%s", format, path, format, path)
		}
		if !slices.ContainsFunc(job.Artifacts.Paths, func(p string) bool { return strings.HasPrefix(path, p) }) {
			t.Errorf("artifacts:paths %v do not keep %s for download", job.Artifacts.Paths, path)
		}
	}
	if !strings.Contains(script, "--shard auto") {
		t.Error("the script does not pass --shard auto: parallel: would run every job N times")
	}
	if !slices.Contains(job.Cache.Key.Files, "argus.lock.hcl") {
		t.Errorf("cache:key:files = %v, want argus.lock.hcl", job.Cache.Key.Files)
	}
	if job.Cache.When != "always" {
		t.Errorf("cache:when = %q, want always (a failed gate is an ordinary outcome)", job.Cache.When)
	}
	cacheDir := job.Variables["ARGUS_CACHE_DIR"]
	if rel, ok := strings.CutPrefix(cacheDir, "$CI_PROJECT_DIR/"); !ok || !slices.Contains(job.Cache.Paths, rel+"/") {
		t.Errorf("ARGUS_CACHE_DIR %q is not the cached path %v (GitLab caches paths inside the project only)", cacheDir, job.Cache.Paths)
	}
	if v := job.Variables["ARGUS_RELEASE"]; !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(v) {
		t.Errorf("ARGUS_RELEASE = %q, want a pinned release", v)
	}
}

func TestGitLabTemplate(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("the template's shell is for Linux and macOS runners") // the release archive it fetches is a .tar.gz
	}
	for _, tool := range []string{"sh", "curl", "tar", "sha256sum", "grep", "uname"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the template's shell needs %s: %v", tool, err)
		}
	}
	job := readGitLabTemplate(t)
	exe := buildArgus(t, actionTestVersion)
	good := fakeRelease(t, exe, actionTestVersion, false)

	serve := func(t *testing.T, files map[string][]byte) string {
		srv := httptest.NewServer(http.StripPrefix("/v"+actionTestVersion+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, ok := files[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write(body)
		})))
		t.Cleanup(srv.Close)
		return srv.URL
	}

	t.Run("parallel: 2 splits the jobs, reports written when the gate fails", func(t *testing.T) {
		url := serve(t, good)
		ran := map[string]int{}
		for _, node := range []string{"1", "2"} {
			r := runGitLabJob(t, job, map[string]string{
				"ARGUS_RELEASE": actionTestVersion, "ARGUS_RELEASE_URL": url, "ARGUS_CONFIG": "checks",
				"CI_NODE_INDEX": node, "CI_NODE_TOTAL": "2",
			})
			if !strings.Contains(r.out, "argus "+actionTestVersion+" (commit 0123456789ab") {
				t.Errorf("node %s: the installed argus is not the release's:\n%s", node, r.out)
			}
			issues := r.codeQuality(t, job)
			cases := r.junitCases(t, job)
			failed := false
			for _, c := range cases {
				ran[c]++
				failed = failed || c == "always-fails"
			}
			if want := map[bool]int{true: 1, false: 0}[failed]; r.code != want {
				t.Errorf("node %s ran %v and exited %d, want %d\n%s", node, cases, r.code, want, r.out)
			}
			if failed != (len(issues) == 1) {
				t.Errorf("node %s: code quality issues %v for jobs %v", node, issues, cases)
			}
			for _, is := range issues {
				if is.CheckName != "always-fails" || is.Location.Path != "checks/checks.argus.hcl" || is.Location.Lines.Begin != 8 {
					t.Errorf("node %s: issue %+v, want always-fails at checks/checks.argus.hcl:8 (relative to CI_PROJECT_DIR)", node, is)
				}
			}
		}
		if ran["always-passes"] != 1 || ran["always-fails"] != 1 || len(ran) != 2 {
			t.Errorf("across both nodes the jobs ran %v times, want each once", ran)
		}
	})

	t.Run("not parallel runs every job", func(t *testing.T) {
		r := runGitLabJob(t, job, map[string]string{
			"ARGUS_RELEASE": actionTestVersion, "ARGUS_RELEASE_URL": serve(t, good), "ARGUS_CONFIG": "checks",
			"CI_NODE_TOTAL": "1", "ARGUS_FAIL_ON": "never",
		})
		if r.code != 0 {
			t.Errorf("exit %d with ARGUS_FAIL_ON=never\n%s", r.code, r.out)
		}
		if got := r.junitCases(t, job); len(got) != 2 {
			t.Errorf("ran %v, want both jobs", got)
		}
	})

	for _, tc := range []struct {
		name, release, want string
		files               map[string][]byte
	}{
		{"tampered archive is refused", actionTestVersion, "checksum mismatch for argus_" + actionTestVersion, fakeRelease(t, exe, actionTestVersion, true)},
		{"archive missing from checksums.txt is refused", actionTestVersion, "is not listed in", map[string][]byte{
			"checksums.txt": []byte(strings.Repeat("0", 64) + "  argus_" + actionTestVersion + "_plan9_mips.tar.gz\n"), archiveName(actionTestVersion): good[archiveName(actionTestVersion)]}},
		{"an unpinned release is refused", "latest", `ARGUS_RELEASE "latest" is not a release version`, good},
		{"a missing release is refused", "9.9.9", "download ", good},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runGitLabJob(t, job, map[string]string{"ARGUS_RELEASE": tc.release, "ARGUS_RELEASE_URL": serve(t, tc.files), "ARGUS_CONFIG": "checks"})
			if r.code != 2 || !strings.Contains(r.out, tc.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, tc.want, r.out)
			}
			if _, err := os.Stat(filepath.Join(r.project, ".argus-bin", "argus")); err == nil {
				t.Error("a refused release was installed")
			}
		})
	}
}

type gitlabRun struct {
	project string
	code    int
	out     string
}

// runGitLabJob runs job's before_script and script in one sh, as the runner does, in a fresh
// project directory holding testdata/action/config as checks/. vars override the job's.
func runGitLabJob(t *testing.T, job gitlabJob, vars map[string]string) gitlabRun {
	t.Helper()
	dir := t.TempDir()
	project := filepath.Join(dir, "project")
	if err := os.CopyFS(filepath.Join(project, "checks"), os.DirFS(filepath.Join("testdata", "action", "config"))); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": filepath.Join(dir, "home"), "CI": "true", "GITLAB_CI": "true",
		"CI_PROJECT_DIR": project, "CI_BUILDS_DIR": dir, "TMPDIR": os.TempDir(),
	}
	// GitLab expands a job's variables against the predefined ones; the test's own win.
	for k, v := range job.Variables {
		env[k] = os.Expand(v, func(name string) string { return env[name] })
	}
	for k, v := range vars {
		env[k] = v
	}
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	cmd := exec.CommandContext(t.Context(), "sh", "-e", "-c", strings.Join(append(slices.Clone(job.BeforeScript), job.Script...), "\n"))
	cmd.Dir = project
	cmd.Env = envList
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return gitlabRun{project: project, code: code, out: out.String()}
}

type gitlabIssue struct {
	CheckName string `json:"check_name"`
	Location  struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
		} `json:"lines"`
	} `json:"location"`
}

// codeQuality reads the job's Code Quality artifact, each entry checked against GitLab's schema.
func (r gitlabRun) codeQuality(t *testing.T, job gitlabJob) []gitlabIssue {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.project, job.Artifacts.Reports["codequality"]))
	if err != nil {
		t.Fatalf("no code quality report: %v\n%s", err, r.out)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("testdata", "schemas", "gitlab-codeclimate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("code quality report is not a JSON array: %v", err)
	}
	var issues []gitlabIssue
	for _, item := range raw {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(item))
		if err == nil {
			err = sch.Validate(inst)
		}
		if err != nil {
			t.Errorf("issue %s is not valid for GitLab: %v", item, err)
		}
		var is gitlabIssue
		_ = json.Unmarshal(item, &is)
		issues = append(issues, is)
	}
	return issues
}

// junitCases lists the jobs (test case classnames) in the job's JUnit artifact.
func (r gitlabRun) junitCases(t *testing.T, job gitlabJob) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.project, job.Artifacts.Reports["junit"]))
	if err != nil {
		t.Fatalf("no JUnit report: %v\n%s", err, r.out)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Classname string `xml:"classname,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit report: %v", err)
	}
	var out []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			out = append(out, c.Classname)
		}
	}
	slices.Sort(out)
	return out
}
