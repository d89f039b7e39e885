package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/compliance-framework/argus/internal/builtin"
)

// fileSchema is the top level of a file: the block kinds, each decoded in its own file
// (argus.go, control_plane.go, remote_config.go, registry.go, provider.go, job.go, report.go,
// waiver.go).
var fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "argus"},
	{Type: "control_plane"},
	{Type: "remote_config"},
	{Type: "registry", LabelNames: []string{"host"}},
	{Type: "provider", LabelNames: []string{"name"}},
	{Type: "job", LabelNames: []string{"name"}},
	{Type: "report", LabelNames: []string{"format"}},
	{Type: "waiver", LabelNames: []string{"name"}},
}}

// loader accumulates one Load: the Config being built, the diagnostics, and what is needed
// for the checks that span files.
type loader struct {
	opts  LoadOptions
	cfg   *Config
	diags hcl.Diagnostics

	fileCtx, jobCtx *hcl.EvalContext

	argusRange, controlPlaneRange *hcl.Range
	remoteConfigRange             *hcl.Range
	declared                      map[string]hcl.Range // kind + " " + name -> where declared
	reportPaths                   map[string]hcl.Range // report path -> where declared
	providerRefs                  []providerRef
	ccfJobs                       []ccfJobAttrs
	pendingWaivers                []pendingWaiver // parallel to cfg.Waivers until finish

	hostnameDone bool
	hostname     string
	hostnameErr  error
}

// providerRef is a job's provider attribute, resolved when every file has been read.
type providerRef struct {
	name string
	rng  hcl.Range
}

func newLoader(opts LoadOptions, cfg *Config) *loader {
	l := &loader{opts: opts, cfg: cfg, declared: map[string]hcl.Range{}, reportPaths: map[string]hcl.Range{}}
	// Every file of a configuration lives in cfg.Dir, so one context serves them all.
	funcs := func(forJob bool) map[string]function.Function {
		return map[string]function.Function{
			"env":      envFunction(opts.Env, forJob),
			"file":     fileFunction(cfg.Dir),
			"hostname": hostnameFunction(l.lookupHostname),
		}
	}
	l.fileCtx = &hcl.EvalContext{Functions: funcs(false)}
	l.jobCtx = &hcl.EvalContext{Functions: funcs(true)}
	return l
}

// lookupHostname asks for the host name once per load, so hostname() and default subjects
// agree within one configuration.
func (l *loader) lookupHostname() (string, error) {
	if !l.hostnameDone {
		l.hostname, l.hostnameErr = l.opts.Hostname()
		l.hostnameDone = true
	}
	return l.hostname, l.hostnameErr
}

func (l *loader) decodeFile(f *hcl.File) {
	if !l.checkNumberLiterals(f) {
		// Evaluating such a number could take minutes (see checkNumberLiterals).
		return
	}
	content, diags := f.Body.Content(fileSchema)
	l.diags = append(l.diags, explainUnsupported(diags, fileSchema)...)
	// A large configuration is mostly jobs: room for them all at once, rather than copying the
	// slices each time they grow.
	jobs := 0
	for _, b := range content.Blocks {
		if b.Type == "job" {
			jobs++
		}
	}
	l.cfg.Jobs = slices.Grow(l.cfg.Jobs, jobs)
	l.providerRefs = slices.Grow(l.providerRefs, jobs)
	for _, b := range content.Blocks {
		switch b.Type {
		case "argus":
			if l.once(&l.argusRange, b) {
				l.decodeArgus(b)
			}
		case "control_plane":
			if l.once(&l.controlPlaneRange, b) {
				l.decodeControlPlane(b)
			}
		case "remote_config":
			if l.once(&l.remoteConfigRange, b) {
				l.decodeRemoteConfig(b)
			}
		case "registry":
			if l.unique("registry", b) {
				l.decodeRegistry(b)
			}
		case "provider":
			if l.unique("provider", b) {
				l.decodeProvider(b)
			}
		case "job":
			if l.unique("job", b) {
				l.decodeJob(b)
			}
		case "report":
			l.decodeReport(b)
		case "waiver":
			if l.unique("waiver", b) {
				l.decodeWaiver(b)
			}
		}
	}
}

// once reports whether b is the first block of its type in the configuration, and records an
// error when it is not.
func (l *loader) once(first **hcl.Range, b *hcl.Block) bool {
	if *first != nil {
		l.errorf(b.DefRange, fmt.Sprintf("Duplicate %s block", b.Type),
			"A configuration has at most one %s block, and one is already at %s. Merge the two blocks into one.",
			b.Type, pos(**first))
		return false
	}
	*first = b.DefRange.Ptr()
	return true
}

// unique reports whether b's name is new among the blocks of its kind in all files, and
// records an error when it is not.
func (l *loader) unique(kind string, b *hcl.Block) bool {
	key := kind + " " + b.Labels[0]
	if prev, ok := l.declared[key]; ok {
		l.errorf(b.LabelRanges[0], fmt.Sprintf("Duplicate %s %q", kind, b.Labels[0]),
			"A %s named %q is already declared at %s. Names must be unique across all files of the configuration: rename or remove one of them.",
			kind, b.Labels[0], pos(prev))
		return false
	}
	l.declared[key] = b.DefRange
	return true
}

func (l *loader) content(b *hcl.Block, schema *hcl.BodySchema) *hcl.BodyContent {
	content, diags := b.Body.Content(schema)
	l.diags = append(l.diags, explainUnsupported(diags, schema)...)
	return content
}

// finish runs the checks that need every file: references from jobs to providers, and from
// waivers to jobs.
func (l *loader) finish() {
	l.finishWaivers()
	l.finishRemoteConfig()
	defer l.finishCCF()
	var declared []string
	for _, p := range l.cfg.Providers {
		declared = append(declared, p.Name)
	}
	sort.Strings(declared)
	for _, ref := range l.providerRefs {
		switch {
		case strings.HasPrefix(ref.name, BuiltinPrefix):
			if !slices.Contains(builtin.Names(), ref.name) {
				l.errorf(ref.rng, "Unknown built-in provider",
					"%q is not a built-in provider. The built-in providers are %s.", ref.name, strings.Join(builtin.Names(), ", "))
			}
		case !slices.Contains(declared, ref.name):
			detail := fmt.Sprintf("No provider block is named %q. ", ref.name)
			if len(declared) > 0 {
				detail += fmt.Sprintf("The declared providers are: %s. ", strings.Join(declared, ", "))
			}
			detail += fmt.Sprintf("Declare it with provider %q { source = ... }, or use a built-in provider (%s).", ref.name, strings.Join(builtin.Names(), ", "))
			l.errorf(ref.rng, "Unknown provider", "%s", detail)
		}
	}
}

// abs makes a path from the configuration absolute against the configuration's directory.
func (l *loader) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.cfg.Dir, p)
}
