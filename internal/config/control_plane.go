package config

import (
	"github.com/hashicorp/hcl/v2"
)

// controlPlaneSchema is the `control_plane` block (at most one per configuration).
var controlPlaneSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "url", Required: true}, {Name: "client_id"}, {Name: "client_secret"}, {Name: "jobs"},
}}

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
		// Kept in the schema only to explain its removal: no control plane served argus's own
		// GET /api/argus/jobs, and the API's agent remote configuration replaces it.
		l.errorf(attr.NameRange, "control_plane jobs was removed",
			"argus no longer fetches job specs from GET /api/argus/jobs, a route no control plane serves. Remove jobs = ..., and use the control plane's agent remote configuration with a remote_config block instead (see the README).")
	}
	l.cfg.ControlPlane = cp
}
