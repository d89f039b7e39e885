package config

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/compliance-framework/argus/internal/builtin"
)

// controlPlaneSchema is the `control_plane` block (at most one per configuration).
var controlPlaneSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "url", Required: true}, {Name: "client_id"}, {Name: "client_secret"}, {Name: "jobs"}, {Name: "remote_providers"},
}}

func (l *loader) decodeControlPlane(b *hcl.Block) {
	c := l.content(b, controlPlaneSchema)
	cp := &ControlPlane{Range: b.DefRange}
	if attr := c.Attributes["url"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			// https off loopback, as for registries: whoever is on the path of plain http gets the
			// credentials and could hand out jobs.
			if err := checkHTTPURL(s, true); err != nil {
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
		// Kept in the schema only to explain its removal: no control plane served argus's own
		// GET /api/argus/jobs, and the API's agent remote configuration replaces it.
		l.errorf(attr.NameRange, "control_plane jobs was removed",
			"argus no longer fetches job specs from GET /api/argus/jobs, a route no control plane serves. Remove jobs = ..., and use the control plane's agent remote configuration with a remote_config block instead (see the README).")
	}
	if attr := c.Attributes["remote_providers"]; attr != nil {
		if names, ok := l.strList(attr, l.fileCtx); ok {
			for i, n := range names {
				if n == "" {
					l.errorf(elemRange(attr, cty.NumberIntVal(int64(i))), "Invalid provider name",
						"remote_providers[%d] is empty. Name a built-in provider (\"builtin/file\") or a provider block.", i)
				}
			}
			cp.RemoteProviders = names
			cp.RemoteProvidersRange = attr.Range
		}
	}
	l.cfg.ControlPlane = cp
}

// RemoteProvider says whether a job spec the control plane sent may use provider: the one
// check for every path that takes jobs from a remote source. The local configuration decides:
// the provider must be built in or declared in a provider block, and listed in
// control_plane.remote_providers; without that attribute every such provider but
// builtin/command (which runs any command it is given) is allowed.
func (c *Config) RemoteProvider(provider string) error {
	_, isBuiltin := builtin.Lookup(provider)
	declared := slices.ContainsFunc(c.Providers, func(p Provider) bool { return p.Name == provider })
	if !isBuiltin && !declared {
		return fmt.Errorf("provider %q is neither built in nor declared in a local provider block", provider)
	}
	cp := c.ControlPlane
	if cp != nil && cp.RemoteProviders != nil {
		if !slices.Contains(cp.RemoteProviders, provider) {
			return fmt.Errorf("provider %q is not in control_plane.remote_providers (%s)", provider, cp.RemoteProvidersRange)
		}
		return nil
	}
	if provider == builtin.CommandName {
		return fmt.Errorf("provider %q runs any command it is given, so jobs from the control plane may use it only when control_plane.remote_providers lists it", provider)
	}
	return nil
}
