package config

import (
	"fmt"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
)

// argusSchema is the `argus` block: settings of argus itself (at most one per configuration).
var argusSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "required_version"}, {Name: "state_dir"}, {Name: "parallel"}, {Name: "waiver_max_days"},
}}

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
	if attr := c.Attributes["waiver_max_days"]; attr != nil {
		if n, ok := l.int(attr, l.fileCtx); ok {
			if n < 1 {
				l.errorf(attr.Expr.Range(), "Invalid waiver_max_days",
					"waiver_max_days is %d, but a waiver must be allowed at least one day. Set it to 1 or more, or remove it for the default (365).", n)
			} else {
				a.WaiverMaxDays = n
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
