package config

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/compliance-framework/argus/internal/oci"
)

// The attributes shared by provider and job blocks for Compliance Framework plugins, and the
// checks that can only run once every file is read (a job's provider may be declared in
// another file).

// ccfJobAttrs are a job's CCF attributes, kept until finish knows the job's provider kind.
type ccfJobAttrs struct {
	job                                    int // index in cfg.Jobs
	config, policies, policyData, behavior *hcl.Attribute
	ownPolicies                            bool
}

// policies reads a `policies` list: each an OCI reference (tag or digest), an oci-layout://
// reference, or a local directory or .tar.gz bundle (relative to the configuration's directory).
func (l *loader) policies(attr *hcl.Attribute, ctx *hcl.EvalContext) []string {
	list, ok := l.strList(attr, ctx)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	for i, s := range list {
		rng := elemRange(attr, cty.NumberIntVal(int64(i)))
		switch {
		case strings.TrimSpace(s) == "":
			l.errorf(rng, "Empty policy source",
				"policies[%d] is empty. Give an OCI reference (\"ghcr.io/org/plugin-x-policies:v1.0.0\"), a local directory or a .tar.gz bundle.", i)
		case seen[s]:
			l.errorf(rng, "Duplicate policy source", "%q is listed twice. Remove one.", s)
		case strings.Contains(s, "://") && !strings.HasPrefix(s, oci.LayoutScheme):
			l.errorf(rng, "Invalid policy source",
				"%q is a URL. A policy source is an OCI reference with a tag or digest (\"ghcr.io/org/plugin-x-policies:v1.0.0\"), an \"oci-layout://DIR:TAG\" reference, a local directory, or a local .tar.gz bundle.", s)
		case IsOCIPolicy(s):
			if _, err := oci.ParseReference(s); err != nil {
				l.errorf(rng, "Invalid policy source",
					"%v. A policy source is an OCI reference with a tag or digest, an \"oci-layout://DIR:TAG\" reference, a local directory, or a local .tar.gz bundle.", err)
			}
		}
		seen[s] = true
	}
	return list
}

// IsOCIPolicy reports whether a policy source is an OCI reference rather than a local path.
// A local path need not start with ./ (the agent's policy paths rarely do).
func IsOCIPolicy(source string) bool {
	return strings.HasPrefix(source, oci.LayoutScheme) || oci.IsReference(source) && !strings.HasSuffix(source, ".tar.gz")
}

// policyData reads policy_data: any HCL object, sent to the plugin as a protobuf Struct.
func (l *loader) policyData(attr *hcl.Attribute, ctx *hcl.EvalContext) map[string]any {
	v, ok := l.eval(attr, ctx, cty.DynamicPseudoType)
	if !ok {
		return nil
	}
	if t := v.Type(); !t.IsObjectType() && !t.IsMapType() {
		l.errorf(attr.Expr.Range(), "Invalid policy_data",
			"policy_data must be an object, like { max_auth_tries = 4 }, but this is a %s. The plugin receives it as the policies' data.", t.FriendlyName())
		return nil
	}
	raw, err := ctyjson.Marshal(v, v.Type())
	var out map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		l.errorf(attr.Expr.Range(), "Invalid policy_data", "policy_data cannot be expressed as JSON: %v.", err)
		return nil
	}
	return out
}

// policyBehavior reads policy_behavior: a map of lists of strings.
func (l *loader) policyBehavior(attr *hcl.Attribute, ctx *hcl.EvalContext) map[string][]string {
	v, ok := l.eval(attr, ctx, cty.DynamicPseudoType)
	if !ok {
		return nil
	}
	cv, err := convert.Convert(v, cty.Map(cty.List(cty.String)))
	if err != nil || cv.IsNull() {
		l.errorf(attr.Expr.Range(), "Invalid policy_behavior",
			"policy_behavior must map names to lists of strings, like { skip = [\"rule-a\"] }: %v.", err)
		return nil
	}
	out := map[string][]string{}
	for k, list := range cv.AsValueMap() {
		if list.IsNull() {
			l.errorf(elemRange(attr, cty.StringVal(k)), "Invalid policy_behavior", "policy_behavior.%s is null. Give it a list of strings or remove it.", k)
			continue
		}
		var items []string
		for i, e := range list.AsValueSlice() {
			if e.IsNull() {
				l.errorf(elemRange(attr, cty.StringVal(k)), "Invalid policy_behavior", "policy_behavior.%s[%d] is null. Give it a string or remove it.", k, i)
				continue
			}
			items = append(items, e.AsString())
		}
		out[k] = items
	}
	return out
}

// finishCCF checks each job's CCF attributes against its provider's kind and fills the
// plugin's view of the job: its string config and its effective policies.
func (l *loader) finishCCF() {
	providers := map[string]Provider{}
	for _, p := range l.cfg.Providers {
		providers[p.Name] = p
	}
	for _, a := range l.ccfJobs {
		j := &l.cfg.Jobs[a.job]
		p, ok := providers[j.Provider]
		if !ok || !p.IsCCFPlugin() {
			for _, attr := range []*hcl.Attribute{a.policies, a.policyData, a.behavior} {
				if attr != nil {
					l.errorf(attr.Range, attr.Name+" on a job of an argus provider",
						"%s is for jobs of a Compliance Framework plugin (a provider with an OCI source or kind = %q), and job %q runs %q. Remove it.", attr.Name, KindCCFPlugin, j.Name, j.Provider)
				}
			}
			j.Policies, j.PolicyData, j.PolicyBehavior = nil, nil, nil
			continue
		}
		if !a.ownPolicies {
			j.Policies = p.Policies
		}
		j.PluginConfig = l.pluginConfig(a.config, j.Config)
	}
}

// pluginConfig turns a CCF job's config into the map<string,string> Configure takes: strings
// as they are, numbers as written, booleans as "true"/"false". Objects, lists and nulls have no
// string form the plugin could read, so they are errors.
func (l *loader) pluginConfig(attr *hcl.Attribute, raw json.RawMessage) map[string]string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return map[string]string{}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(m))
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			if v {
				out[k] = "true"
			} else {
				out[k] = "false"
			}
		default:
			what := "null"
			switch v.(type) {
			case map[string]any:
				what = "an object"
			case []any:
				what = "a list"
			}
			rng := hcl.Range{}
			if attr != nil {
				rng = elemRange(attr, cty.StringVal(k))
			}
			l.errorf(rng, "Invalid plugin config",
				"config.%s is %s, but a Compliance Framework plugin receives its config as strings (map<string,string>). Give a string, number or bool; structured data goes in policy_data.", k, what)
		}
	}
	return out
}
