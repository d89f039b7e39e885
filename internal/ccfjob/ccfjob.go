package ccfjob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/ccfplugin/host"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/oci"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/sdk"
)

// Runner prepares and runs CCF plugin jobs. It is safe for concurrent use.
type Runner struct {
	Verifier *install.Verifier // required: the lock and cache the plugins were installed into
	Host     *host.Host        // required
	// WorkDir is the parent of each job run's working directory; it should be on the cache's
	// file system so that policies are hard-linked, not copied.
	WorkDir string // required
	// Environ is argus's own environment, from which host.Env keeps what a plugin may see.
	Environ  []string
	Hostname string // HOSTNAME for plugins whose environment lacks it; "" means host.Hostname()
	Agent    string // label _agent
}

var _ assess.Plugins = (*Runner)(nil)

// Prepare verifies job's plugin and policies against the lock, without any request.
func (r *Runner) Prepare(_ context.Context, job *config.Job) (assess.PluginJob, error) {
	pl, err := r.Verifier.Plugin(job.Provider)
	if err != nil {
		return nil, err
	}
	job, err = fromSpec(job, r.Verifier.Config)
	if err != nil {
		return nil, err
	}
	j := &pluginJob{r: r, job: job, plugin: pl}
	for _, src := range job.Policies {
		p, err := r.policy(src)
		if err != nil {
			return nil, err
		}
		j.policies = append(j.policies, p)
		if p.up > j.depth {
			j.depth = p.up
		}
	}
	return j, nil
}

// fromSpec fills in, for a job that did not come from a job block (a job spec from the control
// plane, which has only the common attributes), what the configuration loader fills in for a
// CCF plugin's job: its provider's policies and its config as strings.
func fromSpec(job *config.Job, cfg *config.Config) (*config.Job, error) {
	if job.PluginConfig != nil && job.Policies != nil {
		return job, nil
	}
	c := *job
	if c.Policies == nil {
		for _, p := range cfg.Providers {
			if p.Name == c.Provider {
				c.Policies = p.Policies
			}
		}
	}
	if c.PluginConfig == nil {
		dec := json.NewDecoder(bytes.NewReader(c.Config))
		dec.UseNumber()
		var m map[string]any
		if len(bytes.TrimSpace(c.Config)) > 0 {
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("job %q: config is not a JSON object: %w", c.Name, err)
			}
		}
		c.PluginConfig = make(map[string]string, len(m))
		for k, v := range m {
			switch v := v.(type) {
			case string:
				c.PluginConfig[k] = v
			case json.Number:
				c.PluginConfig[k] = v.String()
			case bool:
				c.PluginConfig[k] = strconv.FormatBool(v)
			default:
				return nil, fmt.Errorf("job %q: config.%s is not a string, number or bool, and a CCF plugin receives its config as strings", c.Name, k)
			}
		}
	}
	return &c, nil
}

// policy is one policy path as the plugin gets it, and what fills it.
type policy struct {
	arg  string // the path handed to the plugin, relative to its working directory (or absolute)
	link string // what to create in the working directory; "" when arg is absolute
	src  string // the verified tree or file that link gets
	up   int    // leading "../" components of link
}

func (r *Runner) policy(source string) (policy, error) {
	e, err := r.Verifier.Policy(source)
	if err != nil {
		return policy{}, err
	}
	if config.IsOCIPolicy(source) {
		ref, err := oci.ParseReference(source)
		if err != nil {
			return policy{}, err
		}
		repo := ref.Repository
		if ref.IsLayout() {
			repo = filepath.Base(filepath.Clean(ref.Layout))
		}
		tag := ref.Tag
		if tag == "" {
			tag = ref.Digest.String()
		}
		rel := ".compliance-framework/policies/" + repo + "/" + tag
		return policy{arg: rel + "/" + oci.PolicyDir, link: rel, src: e.Dir}, nil
	}
	p := policy{src: e.Dir, arg: source}
	if e.File != "" {
		p.src = filepath.Join(e.Dir, e.File)
	} else if fi, err := os.Stat(filepath.Join(e.Dir, oci.PolicyDir)); err == nil && fi.IsDir() {
		p.arg = filepath.Join(source, oci.PolicyDir)
	}
	if filepath.IsAbs(source) {
		// The plugin gets the original path, as from the agent; it must still be what was locked.
		if err := verifyOriginal(source, e); err != nil {
			return policy{}, err
		}
		return p, nil
	}
	p.link = filepath.Clean(source)
	for rest := p.link; strings.HasPrefix(rest, ".."+string(filepath.Separator)); rest = rest[3:] {
		p.up++
	}
	return p, nil
}

// verifyOriginal checks that an absolute local policy source still hashes as the cache copy
// the lock pins.
func verifyOriginal(source string, e install.PolicyEntry) error {
	if e.File != "" {
		want, err := cache.Hash(e.Dir)
		if err != nil {
			return err
		}
		// A file source was locked as a tree holding that one file.
		tmp, err := os.MkdirTemp("", "argus-policy-*")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(tmp) }()
		if err := linkOrCopy(source, filepath.Join(tmp, filepath.Base(source))); err != nil {
			return err
		}
		if got, err := cache.Hash(tmp); err != nil || got != want {
			return &install.NotInstalledError{Err: fmt.Errorf("policy bundle %s changed since it was locked (%s, locked %s)", source, got, want)}
		}
		return nil
	}
	want, err := cache.Hash(e.Dir)
	if err != nil {
		return err
	}
	if got, err := cache.Hash(source); err != nil || got != want {
		return &install.NotInstalledError{Err: fmt.Errorf("policy bundle %s changed since it was locked (%s, locked %s)", source, got, want)}
	}
	return nil
}

type pluginJob struct {
	r        *Runner
	job      *config.Job
	plugin   install.Plugin
	policies []policy
	depth    int
}

// Run runs the job once.
func (j *pluginJob) Run(ctx context.Context, _ string) (runner.Outcome, []result.Delivery) {
	start := time.Now()
	base, cwd, err := j.workDir()
	if base != "" {
		defer func() { _ = os.RemoveAll(base) }() // best effort: the next run's directory is a new one
	}
	if err != nil {
		return failed(start, fmt.Errorf("prepare the working directory of plugin %s: %w", j.job.Name, err)), nil
	}
	hostname := j.r.Hostname
	if hostname == "" {
		hostname = host.Hostname()
	}
	req := host.Request{
		Job: j.job.Name, Plugin: j.plugin.Executable, Dir: cwd,
		Config: j.job.PluginConfig, PolicyData: j.job.PolicyData, PolicyBehavior: j.job.PolicyBehavior,
		Protocol: j.plugin.Protocol,
		Env:      host.Env(j.r.Environ, j.job.EnvAllow, hostname),
		Timeout:  j.job.Timeout, Agent: j.r.Agent, Labels: j.job.Labels,
	}
	for _, p := range j.policies {
		req.PolicyPaths = append(req.PolicyPaths, p.arg)
	}
	// argus is a child subreaper, and the end of every argus-protocol job kills children of
	// argus that carry no running job's token (package runner): the plugin carries one.
	tokenEnv, release, err := runner.HoldToken()
	if err != nil {
		return failed(start, err), nil
	}
	defer release()
	if tokenEnv != "" {
		req.Env = append(req.Env, tokenEnv)
	}
	res := j.r.Host.Run(ctx, req)
	out := runner.Outcome{Results: res.Results(), Stderr: res.Stderr, Start: res.Start, End: res.End, Failure: res.Err}
	if out.Start.IsZero() {
		out.Start, out.End = start, time.Now()
	}
	deliveries := make([]result.Delivery, 0, len(res.Evidence)+len(res.RiskTemplates)+len(res.SubjectTemplates))
	add := func(kind string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			out.Results = append(out.Results, sdk.Result{Title: "plugin document not kept", Status: sdk.StatusError,
				Reason: fmt.Sprintf("encode a %s document of plugin %s: %v", kind, j.job.Name, err)})
			return
		}
		deliveries = append(deliveries, result.Delivery{Kind: kind, Payload: b})
	}
	for _, t := range res.RiskTemplates {
		add(outbox.KindRiskTemplates, t)
	}
	for _, t := range res.SubjectTemplates {
		add(outbox.KindSubjectTemplates, t)
	}
	for _, ev := range res.Evidence {
		add(outbox.KindPluginEvidence, ev)
	}
	return out, deliveries
}

func failed(start time.Time, err error) runner.Outcome {
	return runner.Outcome{
		Results: []sdk.Result{{Title: "plugin not started", Status: sdk.StatusError, Reason: err.Error()}},
		Start:   start, End: time.Now(), Failure: err,
	}
}

// workDir makes the run's directory and, inside it, the plugin's working directory with every
// policy path filled.
func (j *pluginJob) workDir() (base, cwd string, err error) {
	if err := os.MkdirAll(j.r.WorkDir, 0o700); err != nil {
		return "", "", err
	}
	base, err = os.MkdirTemp(j.r.WorkDir, "job-*")
	if err != nil {
		return "", "", err
	}
	cwd = base
	for i := 0; i < j.depth; i++ {
		cwd = filepath.Join(cwd, "w")
	}
	if err := os.MkdirAll(cwd, 0o700); err != nil {
		return base, "", err
	}
	for _, p := range j.policies {
		if p.link == "" {
			continue
		}
		dst := filepath.Join(cwd, p.link)
		if rel, err := filepath.Rel(base, dst); err != nil || strings.HasPrefix(rel, "..") {
			return base, "", fmt.Errorf("policy path %s leaves the working directory", p.link)
		}
		if err := linkTree(p.src, dst); err != nil {
			return base, "", fmt.Errorf("policy bundle %s: %w", p.link, err)
		}
	}
	return base, cwd, nil
}

// linkTree recreates src (a directory or a file) at dst with hard links to its files.
func linkTree(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		return linkOrCopy(src, dst)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case d.Type().IsRegular():
			return linkOrCopy(p, target)
		}
		return fmt.Errorf("%s is not a regular file", p) // verified cache entries hold none
	})
}

func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	} else if errors.Is(err, fs.ErrExist) {
		return err
	}
	in, err := os.Open(src) //nolint:gosec // G304: a verified cache entry
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: inside the run's own directory
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// AgentLabel is the _agent label argus sets on plugin evidence, as the agent chooses its
// identity: the control plane client id when set, else the Kubernetes pod name, else
// "argus@<hostname>" (the agent hashes its own config file, which argus does not have). It is
// not part of any stream UUID.
func AgentLabel(cfg *config.Config, getenv func(string) string, hostname string) string {
	if cp := cfg.ControlPlane; cp != nil && cp.ClientID != "" {
		return cp.ClientID
	}
	for _, k := range []string{"KUBERNETES_POD_NAME", "KUBERNETES_POD"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return "argus@" + hostname
}

// HasPlugins reports whether cfg has a CCF plugin provider.
func HasPlugins(cfg *config.Config) bool {
	for _, p := range cfg.Providers {
		if p.IsCCFPlugin() {
			return true
		}
	}
	return false
}
