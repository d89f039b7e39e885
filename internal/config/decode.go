package config

import (
	"fmt"
	"math/big"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/compliance-framework/argus/internal/builtin"
	"github.com/compliance-framework/argus/internal/schedule"
)

// reportFormats are the formats of a report block, in the order they are listed in messages.
var reportFormats = []string{"json", "junit", "markdown", "oscal", "sarif", "codequality"}

var (
	fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "argus"},
		{Type: "control_plane"},
		{Type: "registry", LabelNames: []string{"host"}},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "job", LabelNames: []string{"name"}},
		{Type: "report", LabelNames: []string{"format"}},
	}}
	argusSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "required_version"}, {Name: "state_dir"}, {Name: "parallel"},
	}}
	controlPlaneSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "url", Required: true}, {Name: "client_id"}, {Name: "client_secret"}, {Name: "jobs"},
	}}
	registrySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "url", Required: true}, {Name: "signing_keys"},
	}}
	providerSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true}, {Name: "version"}, {Name: "signing_keys"}, {Name: "insecure_skip_signature"},
	}}
	jobSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "provider", Required: true}, {Name: "schedule"}, {Name: "timeout"},
			{Name: "labels"}, {Name: "config"}, {Name: "env_allow"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "subject"}},
	}
	subjectSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true}, {Name: "identifier", Required: true},
	}}
	reportSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true},
	}}
)

var (
	// nameRe is what a job or provider name may look like: it appears on the command line
	// (--job), in state keys and in file names.
	nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	// hostRe is a source or registry host: lower-case DNS labels and an optional port.
	hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)
	// sourcePartRe is the namespace or name of a source address.
	sourcePartRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$`)
	envNameRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// pessimisticRe finds "~>" operators in a constraint to check how many segments follow.
	pessimisticRe = regexp.MustCompile(`~>\s*([^,\s]*)`)
)

// loader accumulates one Load: the Config being built, the diagnostics, and what is needed
// for the checks that span files.
type loader struct {
	opts  LoadOptions
	cfg   *Config
	diags hcl.Diagnostics

	fileCtx, jobCtx *hcl.EvalContext

	argusRange, controlPlaneRange *hcl.Range
	declared                      map[string]hcl.Range // kind + " " + name -> where declared
	reportPaths                   map[string]hcl.Range // report path -> where declared
	providerRefs                  []providerRef

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

func (l *loader) errorf(subject hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	})
}

func (l *loader) decodeFile(f *hcl.File) {
	if !l.checkNumberLiterals(f) {
		// Evaluating such a number could take minutes (see checkNumberLiterals).
		return
	}
	content, diags := f.Body.Content(fileSchema)
	l.diags = append(l.diags, explainUnsupported(diags, fileSchema)...)
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

func (l *loader) decodeArgus(b *hcl.Block) {
	c := l.content(b, argusSchema)
	a := Argus{Range: b.DefRange}
	if attr := c.Attributes["required_version"]; attr != nil {
		if s, ok := l.str(attr, l.fileCtx); ok {
			a.RequiredVersion = s
			l.checkRequiredVersion(attr, s)
		}
	}
	if attr := c.Attributes["state_dir"]; attr != nil {
		if s, ok := l.str(attr, l.fileCtx); ok {
			if s == "" {
				l.errorf(attr.Expr.Range(), "Empty state_dir",
					"state_dir is empty. Name a directory (relative to %s, or absolute), or remove the attribute to use the default.", l.cfg.Dir)
			} else {
				a.StateDir = l.abs(s)
			}
		}
	}
	if attr := c.Attributes["parallel"]; attr != nil {
		if n, ok := l.int(attr, l.fileCtx); ok {
			if n < 1 {
				l.errorf(attr.Expr.Range(), "Invalid parallel",
					"parallel is %d, but at least one job must run at a time. Set it to 1 or more, or remove it for the default.", n)
			} else {
				a.Parallel = n
			}
		}
	}
	l.cfg.Argus = a
}

func (l *loader) checkRequiredVersion(attr *hcl.Attribute, s string) {
	constraint, err := version.NewConstraint(s)
	if err != nil {
		l.errorf(attr.Expr.Range(), "Invalid required_version",
			"%q is not a version constraint: %v. Write one like \">= 0.1.0\" or \">= 0.1, < 1.0\".", s, err)
		return
	}
	if l.opts.ArgusVersion == "" || l.opts.ArgusVersion == "dev" {
		return
	}
	running, err := version.NewVersion(l.opts.ArgusVersion)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "required_version not checked",
			Detail:   fmt.Sprintf("This argus reports version %q, which is not a semantic version, so required_version %q was not checked.", l.opts.ArgusVersion, s),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return
	}
	// A release candidate of 1.2.0 is meant to satisfy ">= 1.1": compare its core version,
	// since go-version never matches a prerelease against a constraint without one.
	if !constraint.Check(running.Core()) {
		l.errorf(attr.Expr.Range(), "Unsupported argus version",
			"This configuration requires argus %s, but this is argus %s. Install a version of argus that satisfies the constraint, or change required_version.",
			s, l.opts.ArgusVersion)
	}
}

func (l *loader) decodeControlPlane(b *hcl.Block) {
	c := l.content(b, controlPlaneSchema)
	cp := &ControlPlane{Range: b.DefRange}
	if attr := c.Attributes["url"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			if err := checkHTTPURL(s, false); err != nil {
				l.errorf(attr.Expr.Range(), "Invalid control plane URL",
					"%v. Write the base URL of the Compliance Framework API, like \"https://ccf.example.com\".", err)
			}
			cp.URL = s
		}
	}
	if attr := c.Attributes["client_id"]; attr != nil {
		cp.ClientID, _ = l.str(attr, l.fileCtx)
	}
	if attr := c.Attributes["client_secret"]; attr != nil {
		cp.ClientSecret, _ = l.str(attr, l.fileCtx)
	}
	if (cp.ClientID == "") != (cp.ClientSecret == "") {
		set, unset := "client_id", "client_secret"
		if cp.ClientID == "" {
			set, unset = unset, set
		}
		rng := b.DefRange
		if attr := c.Attributes[unset]; attr != nil {
			rng = attr.Expr.Range()
		}
		l.errorf(rng, "Incomplete control plane credentials",
			"%s is set but %s is empty (an env() of an unset variable is empty). Set both for authenticated access, or neither for anonymous access.",
			set, unset)
	}
	if attr := c.Attributes["jobs"]; attr != nil {
		if v, ok := l.eval(attr, l.fileCtx, cty.Bool); ok {
			cp.Jobs = v.True()
		}
	}
	l.cfg.ControlPlane = cp
}

func (l *loader) decodeRegistry(b *hcl.Block) {
	c := l.content(b, registrySchema)
	r := Registry{Host: b.Labels[0], Range: b.DefRange}
	if !hostRe.MatchString(r.Host) {
		l.errorf(b.LabelRanges[0], "Invalid registry host",
			"%q is not a host name. Name the host of the provider sources this registry serves, in lower case, like \"registry.example.com\".", r.Host)
	}
	if attr := c.Attributes["url"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			if err := checkHTTPURL(s, true); err != nil {
				l.errorf(attr.Expr.Range(), "Invalid registry URL",
					"%v. Write the absolute https:// URL of the index, like \"https://mirror.internal/argus/\" (http:// is accepted only for localhost).", err)
			}
			r.URL = s
		}
	}
	if attr := c.Attributes["signing_keys"]; attr != nil {
		r.SigningKeys = l.signingKeys(attr)
	}
	l.cfg.Registries = append(l.cfg.Registries, r)
}

func (l *loader) signingKeys(attr *hcl.Attribute) []string {
	keys, ok := l.strList(attr, l.fileCtx)
	if !ok {
		return nil
	}
	for i, k := range keys {
		if strings.TrimSpace(k) == "" {
			l.errorf(elemRange(attr, cty.NumberIntVal(int64(i))), "Empty signing key",
				"signing_keys[%d] is empty. Give each minisign public key as its base64 text (the second line of the .pub file, starting \"RW\"), or remove the entry.", i)
		}
	}
	return keys
}

func (l *loader) decodeProvider(b *hcl.Block) {
	c := l.content(b, providerSchema)
	p := Provider{Name: b.Labels[0], Range: b.DefRange}
	if !nameRe.MatchString(p.Name) {
		l.errorf(b.LabelRanges[0], "Invalid provider name",
			"%q is not a valid provider name: use letters, digits, '-', '_' and '.', starting with a letter or digit.", p.Name)
	}
	versionAttr := c.Attributes["version"]
	if versionAttr != nil {
		p.Version, _ = l.str(versionAttr, l.fileCtx)
	}
	if attr := c.Attributes["source"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			p.Source = s
			if isLocalSource(s) {
				p.LocalPath = l.abs(s)
				if versionAttr != nil {
					l.errorf(versionAttr.Range, "Version on a local provider",
						"Provider %q has a local source (%s), which has no versions: it is hashed into the lock file instead. Remove version.", p.Name, s)
				}
			} else {
				l.checkRegistrySource(attr, s, p.Name, versionAttr, p.Version)
			}
		}
	}
	if attr := c.Attributes["signing_keys"]; attr != nil {
		p.SigningKeys = l.signingKeys(attr)
	}
	if attr := c.Attributes["insecure_skip_signature"]; attr != nil {
		if v, ok := l.eval(attr, l.fileCtx, cty.Bool); ok {
			p.InsecureSkipSignature = v.True()
		}
	}
	l.cfg.Providers = append(l.cfg.Providers, p)
}

func isLocalSource(s string) bool {
	return strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/")
}

func (l *loader) checkRegistrySource(attr *hcl.Attribute, s, name string, versionAttr *hcl.Attribute, constraint string) {
	if err := checkSourceAddress(s); err != nil {
		l.errorf(attr.Expr.Range(), "Invalid provider source",
			"%v. A source is a registry address host/namespace/name in lower case (like \"registry.example.com/acme/cis\"), or a local path starting with ./, ../ or /.", err)
	}
	if versionAttr == nil {
		l.errorf(attr.Range, "Missing provider version",
			"Provider %q comes from a registry, so it needs a version constraint: add version = \">= 1.0, < 2.0\" (or the range you have tested).", name)
		return
	}
	rng := versionAttr.Expr.Range()
	if _, err := version.NewConstraint(constraint); err != nil {
		l.errorf(rng, "Invalid version constraint",
			"%q is not a version constraint: %v. Write one like \">= 1.4.0, < 2.0.0\" or \"~> 1.4\".", constraint, err)
		return
	}
	for _, m := range pessimisticRe.FindAllStringSubmatch(constraint, -1) {
		v := m[1]
		if strings.Contains(v, ".") {
			continue
		}
		next := v
		if n, err := strconv.Atoi(v); err == nil {
			next = strconv.Itoa(n + 1)
		}
		l.errorf(rng, "Ambiguous version constraint",
			"~> %s allows %s.0.0 in go-version; write \"~> %s.0\" or \">= %s.0, < %s.0\".", v, next, v, v, next)
	}
}

// checkSourceAddress checks the form of a registry source address host/namespace/name.
func checkSourceAddress(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return fmt.Errorf("%q has %d part(s) separated by '/', not 3", s, len(parts))
	}
	if !hostRe.MatchString(parts[0]) {
		return fmt.Errorf("%q: %q is not a host name", s, parts[0])
	}
	for _, part := range parts[1:] {
		if !sourcePartRe.MatchString(part) {
			return fmt.Errorf("%q: %q may hold only lower-case letters, digits, '-' and '_', and must start and end with a letter or digit", s, part)
		}
	}
	return nil
}

// checkHTTPURL checks that s is an absolute http(s) URL. With httpsOnly, plain http is
// accepted only for a loopback host, where a test or local mirror runs.
func checkHTTPURL(s string, httpsOnly bool) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http:// or https:// URL", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q holds credentials; credentials do not belong in a URL in the configuration", u.Redacted())
	}
	if httpsOnly && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%q uses plain http, which is accepted only for localhost", s)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l *loader) decodeJob(b *hcl.Block) {
	c := l.content(b, jobSchema)
	j := Job{Name: b.Labels[0], Schedule: "always", Timeout: DefaultJobTimeout, Config: []byte("{}"), Range: b.DefRange}
	if !nameRe.MatchString(j.Name) {
		l.errorf(b.LabelRanges[0], "Invalid job name",
			"%q is not a valid job name: use letters, digits, '-', '_' and '.', starting with a letter or digit (it is used with --job and in reports).", j.Name)
	}
	ctx := l.jobCtx
	if attr := c.Attributes["provider"]; attr != nil {
		if s, ok := l.requiredStr(attr, ctx); ok {
			j.Provider = s
			l.providerRefs = append(l.providerRefs, providerRef{name: s, rng: attr.Expr.Range()})
		}
	}
	if attr := c.Attributes["schedule"]; attr != nil {
		if s, ok := l.str(attr, ctx); ok {
			if _, err := schedule.Parse(s); err != nil {
				l.errorf(attr.Expr.Range(), "Invalid schedule", "%v.", err)
			} else if strings.TrimSpace(s) != "" {
				j.Schedule = s
			}
		}
	}
	if attr := c.Attributes["timeout"]; attr != nil {
		if s, ok := l.str(attr, ctx); ok {
			d, err := time.ParseDuration(s)
			switch {
			case err != nil:
				l.errorf(attr.Expr.Range(), "Invalid timeout",
					"%q is not a duration. Write one like \"30s\", \"5m\" or \"1h30m\".", s)
			case d <= 0:
				l.errorf(attr.Expr.Range(), "Invalid timeout",
					"The timeout is %q, but a job needs time to run. Give a positive duration like \"30s\", or remove timeout for the default (%s).", s, DefaultJobTimeout)
			default:
				j.Timeout = d
			}
		}
	}
	if attr := c.Attributes["labels"]; attr != nil {
		j.Labels = l.labels(attr, ctx)
	}
	if attr := c.Attributes["config"]; attr != nil {
		if raw, ok := l.jobConfig(attr, ctx); ok {
			j.Config = raw
		}
	}
	if attr := c.Attributes["env_allow"]; attr != nil {
		j.EnvAllow = l.envAllow(attr, ctx)
	}
	j.Subject = l.subject(b, c.Blocks, ctx)
	l.cfg.Jobs = append(l.cfg.Jobs, j)
}

func (l *loader) labels(attr *hcl.Attribute, ctx *hcl.EvalContext) map[string]string {
	v, ok := l.eval(attr, ctx, cty.Map(cty.String))
	if !ok {
		return nil
	}
	out := make(map[string]string, v.LengthInt())
	keys := make([]string, 0, v.LengthInt())
	for k, e := range v.AsValueMap() {
		keys = append(keys, k)
		if !e.IsNull() {
			out[k] = e.AsString()
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		rng := elemRange(attr, cty.StringVal(k))
		switch {
		case k == "":
			l.errorf(rng, "Invalid label", "A label has an empty name. Give every label a name.")
		case strings.HasPrefix(k, "_"):
			l.errorf(rng, "Reserved label",
				"Label %q starts with '_', which argus reserves for the labels it adds itself (_job, _provider, _subject). Rename the label.", k)
		}
		if _, ok := out[k]; !ok {
			l.errorf(rng, "Invalid label", "Label %q is null. Give it a string value or remove it.", k)
		}
	}
	return out
}

func (l *loader) jobConfig(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]byte, bool) {
	v, ok := l.eval(attr, ctx, cty.DynamicPseudoType)
	if !ok {
		return nil, false
	}
	if t := v.Type(); !t.IsObjectType() && !t.IsMapType() {
		l.errorf(attr.Expr.Range(), "Invalid job config",
			"config must be an object, like { path = \"/etc/passwd\" }, but this is a %s.", t.FriendlyName())
		return nil, false
	}
	raw, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		l.errorf(attr.Expr.Range(), "Invalid job config", "config cannot be expressed as JSON: %v.", err)
		return nil, false
	}
	return raw, true
}

func (l *loader) envAllow(attr *hcl.Attribute, ctx *hcl.EvalContext) []string {
	names, ok := l.strList(attr, ctx)
	if !ok {
		return nil
	}
	for i, n := range names {
		rng := elemRange(attr, cty.NumberIntVal(int64(i)))
		switch {
		case !envNameRe.MatchString(n):
			l.errorf(rng, "Invalid env_allow entry",
				"%q is not an environment variable name: use letters, digits and '_', not starting with a digit.", n)
		case isArgusVariable(n):
			l.errorf(rng, "Forbidden env_allow entry",
				"%s is one of argus's own variables (ARGUS_*), which hold its settings and control-plane credentials; they never reach a provider. Pass the value under another name.", n)
		}
	}
	return names
}

func (l *loader) subject(job *hcl.Block, blocks hcl.Blocks, ctx *hcl.EvalContext) Subject {
	if len(blocks) == 0 {
		h, err := l.lookupHostname()
		if err != nil {
			l.errorf(job.DefRange, "No default subject",
				"Job %q has no subject block, and its default subject (host/<hostname>) needs this machine's host name, which is unknown: %v. Add a subject block.", job.Labels[0], err)
			return Subject{}
		}
		return Subject{Type: "inventory-item", Identifier: "host/" + h}
	}
	for _, extra := range blocks[1:] {
		l.errorf(extra.DefRange, "Duplicate subject block",
			"Job %q already has a subject block at %s; a job assesses one subject. Remove one, or split the job in two.", job.Labels[0], pos(blocks[0].DefRange))
	}
	c := l.content(blocks[0], subjectSchema)
	var s Subject
	for _, a := range []struct {
		name string
		dst  *string
	}{{"type", &s.Type}, {"identifier", &s.Identifier}} {
		attr := c.Attributes[a.name]
		if attr == nil {
			continue // the schema has reported it
		}
		if v, ok := l.requiredStr(attr, ctx); ok {
			if strings.TrimSpace(v) == "" {
				l.errorf(attr.Expr.Range(), "Empty subject "+a.name,
					"The subject's %s is empty. Give it a value like \"inventory-item\" (type) or \"host/web-1\" (identifier).", a.name)
			}
			*a.dst = v
		}
	}
	return s
}

func (l *loader) decodeReport(b *hcl.Block) {
	c := l.content(b, reportSchema)
	r := Report{Format: b.Labels[0], Range: b.DefRange}
	if !slices.Contains(reportFormats, r.Format) {
		l.errorf(b.LabelRanges[0], "Unknown report format",
			"%q is not a report format. Use one of: %s.", r.Format, strings.Join(reportFormats, ", "))
	}
	if attr := c.Attributes["path"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			switch s {
			case "":
				l.errorf(attr.Expr.Range(), "Empty report path",
					"The report's path is empty. Name a file (relative to %s, or absolute), or \"-\" for standard output.", l.cfg.Dir)
			case "-":
				r.Path = s
			default:
				r.Path = l.abs(s)
			}
			if prev, dup := l.reportPaths[r.Path]; dup && r.Path != "" {
				l.errorf(attr.Expr.Range(), "Duplicate report path",
					"The report at %s already writes to %q; two reports would overwrite or interleave each other. Give each report its own path.", pos(prev), s)
			} else if r.Path != "" {
				l.reportPaths[r.Path] = attr.Expr.Range()
			}
		}
	}
	l.cfg.Reports = append(l.cfg.Reports, r)
}

// finish runs the checks that need every file: references from jobs to providers.
func (l *loader) finish() {
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

// eval evaluates attr and converts its value to want. ok is false when the value is null or
// wrong; a wrong value has been reported.
func (l *loader) eval(attr *hcl.Attribute, ctx *hcl.EvalContext, want cty.Type) (cty.Value, bool) {
	v, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || v.IsNull() {
		return cty.NilVal, false
	}
	if !l.checkNumbers(attr, v) {
		return cty.NilVal, false
	}
	if want != cty.DynamicPseudoType {
		cv, err := convert.Convert(v, want)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity:    hcl.DiagError,
				Summary:     "Incorrect attribute value type",
				Detail:      fmt.Sprintf("Inappropriate value for attribute %q: %v.", attr.Name, err),
				Subject:     attr.Expr.Range().Ptr(),
				Expression:  attr.Expr,
				EvalContext: ctx,
			})
			return cty.NilVal, false
		}
		v = cv
	}
	if !v.IsWhollyKnown() {
		// Nothing in argus's configuration is unknown at load time; this guards against a
		// function that might return an unknown value one day.
		l.errorf(attr.Expr.Range(), "Value not known", "The value of %q cannot be determined when the configuration is loaded. Use a literal value.", attr.Name)
		return cty.NilVal, false
	}
	return v, true
}

func (l *loader) str(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, bool) {
	v, ok := l.eval(attr, ctx, cty.String)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

// requiredStr is str for a required attribute, for which null is an error rather than unset.
func (l *loader) requiredStr(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, bool) {
	before := len(l.diags)
	s, ok := l.str(attr, ctx)
	if !ok && len(l.diags) == before {
		l.errorf(attr.Expr.Range(), "Missing value", "%s is required and must not be null. Give it a string value.", attr.Name)
	}
	return s, ok
}

func (l *loader) int(attr *hcl.Attribute, ctx *hcl.EvalContext) (int, bool) {
	v, ok := l.eval(attr, ctx, cty.Number)
	if !ok {
		return 0, false
	}
	var n int
	if err := gocty.FromCtyValue(v, &n); err != nil {
		l.errorf(attr.Expr.Range(), "Invalid number", "%s must be a whole number: %v.", attr.Name, err)
		return 0, false
	}
	return n, true
}

func (l *loader) strList(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, bool) {
	v, ok := l.eval(attr, ctx, cty.List(cty.String))
	if !ok {
		return nil, false
	}
	out := make([]string, 0, v.LengthInt())
	for i, e := range v.AsValueSlice() {
		if e.IsNull() {
			l.errorf(elemRange(attr, cty.NumberIntVal(int64(i))), "Invalid list element", "%s[%d] is null. Give it a string value or remove it.", attr.Name, i)
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// pos is where r starts, as file:line:col.
func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// maxBinaryExponent bounds the numbers of a configuration to about the range of a float64
// (±1.8e308), which is all a provider decoding JSON can represent anyway. Without a bound,
// 1e9999999 is a valid HCL number whose conversion to a string or to JSON writes out ten
// million digits.
const maxBinaryExponent = 1100

func numberInRange(v cty.Value) bool {
	bf := v.AsBigFloat()
	if bf.IsInf() {
		return false
	}
	if bf.Sign() == 0 {
		return true
	}
	e := bf.MantExp(nil)
	return e < maxBinaryExponent && e > -maxBinaryExponent
}

const numberRangeAdvice = "Numbers must lie within the range of a 64-bit float (about ±1.8e308, and not closer to zero than 1e-308). Write a smaller number, or a string."

// checkNumberLiterals reports number literals out of range before anything is evaluated:
// a template such as "${1e9999999}" turns its number into a string during evaluation, where
// checkNumbers would see it too late.
func (l *loader) checkNumberLiterals(f *hcl.File) bool {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return true
	}
	good := true
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		lit, ok := n.(*hclsyntax.LiteralValueExpr)
		if ok && lit.Val.Type() == cty.Number && lit.Val.IsKnown() && !lit.Val.IsNull() && !numberInRange(lit.Val) {
			l.errorf(lit.SrcRange, "Number out of range", "%s", numberRangeAdvice)
			good = false
		}
		return nil
	})
	return good
}

// checkNumbers reports the numbers of v that are out of range, such as the result of
// multiplying large literals.
func (l *loader) checkNumbers(attr *hcl.Attribute, v cty.Value) bool {
	good := true
	_ = cty.Walk(v, func(path cty.Path, e cty.Value) (bool, error) {
		if good && e.Type() == cty.Number && e.IsKnown() && !e.IsNull() && !numberInRange(e) {
			l.errorf(exprAt(attr.Expr, path).Range(), "Number out of range", "The value of %s holds a number out of range. %s", attr.Name, numberRangeAdvice)
			good = false
		}
		return good, nil
	})
	return good
}

// elemRange is the range of the element key of attr's object or tuple value, or of the whole
// value when the element cannot be told apart in the source.
func elemRange(attr *hcl.Attribute, key cty.Value) hcl.Range {
	return exprAt(attr.Expr, cty.Path{cty.IndexStep{Key: key}}).Range()
}

// exprAt finds the sub-expression of expr that produced the value at path, so a diagnostic
// about one element of an object or tuple points at that element. It returns the innermost
// expression it can follow, expr itself at worst.
func exprAt(expr hcl.Expression, path cty.Path) hcl.Expression {
	for _, step := range path {
		var key cty.Value
		switch s := step.(type) {
		case cty.GetAttrStep:
			key = cty.StringVal(s.Name)
		case cty.IndexStep:
			key = s.Key
		default:
			return expr
		}
		next := childExpr(expr, key)
		if next == nil {
			return expr
		}
		expr = next
	}
	return expr
}

func childExpr(expr hcl.Expression, key cty.Value) hcl.Expression {
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		if key.Type() != cty.String {
			return nil
		}
		for _, item := range e.Items {
			k, diags := item.KeyExpr.Value(nil)
			if !diags.HasErrors() && k.Type() == cty.String && k.IsKnown() && !k.IsNull() && k.AsString() == key.AsString() {
				return item.ValueExpr
			}
		}
	case *hclsyntax.TupleConsExpr:
		if key.Type() != cty.Number {
			return nil
		}
		i, acc := key.AsBigFloat().Int64()
		if acc == big.Exact && i >= 0 && i < int64(len(e.Exprs)) {
			return e.Exprs[i]
		}
	}
	return nil
}

// explainUnsupported adds to hcl's "Unsupported argument/block type" diagnostics what the
// body does accept, so the reader learns what to write instead of only what is wrong.
func explainUnsupported(diags hcl.Diagnostics, schema *hcl.BodySchema) hcl.Diagnostics {
	var names []string
	switch {
	case len(schema.Attributes) > 0 && len(schema.Blocks) > 0:
		for _, a := range schema.Attributes {
			names = append(names, a.Name)
		}
		for _, b := range schema.Blocks {
			names = append(names, b.Type+" { }")
		}
	case len(schema.Attributes) > 0:
		for _, a := range schema.Attributes {
			names = append(names, a.Name)
		}
	default:
		for _, b := range schema.Blocks {
			names = append(names, b.Type)
		}
	}
	for _, d := range diags {
		switch d.Summary {
		case "Unsupported argument", "Unsupported block type":
			if len(names) == 0 {
				d.Detail += " This block takes no arguments or blocks."
			} else {
				d.Detail += " Expected one of: " + strings.Join(names, ", ") + "."
			}
		}
	}
	return diags
}

// ValidName reports whether s is a valid job or provider name (letters, digits, '_', '.', '-').
// Job specs that do not come from HCL (the control plane's) are held to the same rule.
func ValidName(s string) bool { return nameRe.MatchString(s) }

// PassableEnvName reports whether a job's env_allow may name s: a variable name that is not one
// of argus's own ARGUS_* variables.
func PassableEnvName(s string) bool { return envNameRe.MatchString(s) && !isArgusVariable(s) }
