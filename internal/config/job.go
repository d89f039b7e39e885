package config

import (
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/compliance-framework/argus/internal/schedule"
	"github.com/compliance-framework/argus/sdk"
)

func severityList() string {
	var names []string
	for _, s := range sdk.Severities() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// jobSchema is a `job "<name>"` block; subjectSchema is its one `subject` block.
var (
	jobSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "provider", Required: true}, {Name: "schedule"}, {Name: "timeout"},
			{Name: "labels"}, {Name: "config"}, {Name: "env_allow"},
			{Name: "policies"}, {Name: "policy_data"}, {Name: "policy_behavior"},
			{Name: "severity"}, {Name: "description"}, {Name: "remediation"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "subject"}},
	}
	subjectSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true}, {Name: "identifier", Required: true},
	}}
)

func (l *loader) decodeJob(b *hcl.Block) {
	c := l.content(b, jobSchema)
	j := Job{Name: b.Labels[0], Schedule: "always", Timeout: DefaultJobTimeout, Config: []byte("{}"), Severity: sdk.SeverityMedium, Range: b.DefRange}
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
	if attr := c.Attributes["severity"]; attr != nil {
		if s, ok := l.str(attr, ctx); ok {
			if sev := sdk.Severity(s); sev.Valid() {
				j.Severity = sev
			} else {
				l.errorf(attr.Expr.Range(), "Invalid severity",
					"%q is not a severity. Use one of: %s (default medium).", s, severityList())
			}
		}
	}
	for _, a := range []struct {
		name string
		dst  *string
	}{{"description", &j.Description}, {"remediation", &j.Remediation}} {
		if attr := c.Attributes[a.name]; attr != nil {
			if s, ok := l.str(attr, ctx); ok {
				*a.dst = strings.TrimSpace(s)
			}
		}
	}
	j.Subject = l.subject(b, c.Blocks, ctx)
	a := ccfJobAttrs{job: len(l.cfg.Jobs), config: c.Attributes["config"]}
	if attr := c.Attributes["policies"]; attr != nil {
		a.policies, a.ownPolicies = attr, true
		j.Policies = l.policies(attr, ctx)
	}
	if attr := c.Attributes["policy_data"]; attr != nil {
		a.policyData = attr
		j.PolicyData = l.policyData(attr, ctx)
	}
	if attr := c.Attributes["policy_behavior"]; attr != nil {
		a.behavior = attr
		j.PolicyBehavior = l.policyBehavior(attr, ctx)
	}
	l.ccfJobs = append(l.ccfJobs, a)
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
