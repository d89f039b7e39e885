package config

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/compliance-framework/argus/internal/builtin"
)

// checkBuiltinConfig checks a built-in provider's job config keys at load time, so that a
// misspelt key (maxmode for max_mode) is a file:line error from `argus validate` rather than an
// error result at run time. The values are the provider's to check when it runs.
func (l *loader) checkBuiltinConfig(attr *hcl.Attribute, provider string, raw []byte) {
	keys, _, ok := builtin.ConfigKeys(provider)
	if !ok {
		return
	}
	if attr == nil {
		return // no config: the provider says what it needs when it runs
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return // jobConfig has reported why it is not an object
	}
	names := make([]string, 0, len(cfg))
	for k := range cfg {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if slices.Contains(keys, k) {
			continue
		}
		detail := "%s has no config key %q."
		args := []any{provider, k}
		if s := suggest(k, keys); s != "" {
			detail += " Did you mean %q?"
			args = append(args, s)
		}
		detail += " Its keys are: %s."
		args = append(args, strings.Join(keys, ", "))
		l.errorf(configKeyRange(attr, k), "Unknown config key", detail, args...)
	}
}

// configKeyRange is where key is written in a config object literal, or the whole attribute
// when the config is not a literal (a function call, say).
func configKeyRange(attr *hcl.Attribute, key string) hcl.Range {
	if e, ok := attr.Expr.(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range e.Items {
			k, diags := item.KeyExpr.Value(nil)
			if !diags.HasErrors() && k.IsKnown() && !k.IsNull() && k.Type().FriendlyName() == "string" && k.AsString() == key {
				return item.KeyExpr.Range()
			}
		}
	}
	return attr.Expr.Range()
}

// suggest returns the candidate closest to s when it is close enough to be a likely typo (at
// most a third of its length away, ignoring case and underscores), else "".
func suggest(s string, candidates []string) string {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "_", "") }
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(norm(s), norm(c))
		if norm(s) == norm(c) {
			d = 0
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(1, len(s)/3) {
		return ""
	}
	return best
}
