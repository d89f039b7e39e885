package config

import (
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// RemoteConfigModes are the values of remote_config.mode, as the Compliance Framework API
// names them.
var RemoteConfigModes = []string{"off", "report", "apply_safe", "apply_all"}

// RemoteConfig is the `remote_config` block: what an overlay from the control plane may change.
// It is read from the local configuration only; an overlay can never set it.
type RemoteConfig struct {
	Mode                   string // "" when unset: see Config.RemoteConfigSettings
	TrustedSources         []string
	OverridableConfigFlags []string
	AllowLocalSources      bool
	Range                  hcl.Range
}

var remoteConfigSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "mode"}, {Name: "trusted_sources"}, {Name: "overridable_config_flags"}, {Name: "allow_local_sources"},
}}

func (l *loader) decodeRemoteConfig(b *hcl.Block) {
	c := l.content(b, remoteConfigSchema)
	rc := &RemoteConfig{Range: b.DefRange}
	if attr := c.Attributes["mode"]; attr != nil {
		if s, ok := l.str(attr, l.fileCtx); ok {
			if !slices.Contains(RemoteConfigModes, s) {
				l.errorf(attr.Expr.Range(), "Invalid remote_config mode",
					"%q is not a mode. Use one of: %s (default: report with control plane credentials, off without).", s, strings.Join(RemoteConfigModes, ", "))
			}
			rc.Mode = s
		}
	}
	globs := func(name string, check func(string) bool, what string) []string {
		attr := c.Attributes[name]
		if attr == nil {
			return nil
		}
		list, ok := l.strList(attr, l.fileCtx)
		if !ok {
			return nil
		}
		for i, g := range list {
			if !check(g) {
				l.errorf(elemRange(attr, cty.NumberIntVal(int64(i))), "Invalid "+name+" entry",
					"%q is not %s (path.Match syntax: `*` matches within one path segment, `?` one character, `[...]` a class).", g, what)
			}
		}
		return list
	}
	validGlob := func(g string) bool { _, err := path.Match(g, ""); return err == nil && g != "" }
	rc.TrustedSources = globs("trusted_sources", validGlob, "a valid glob, like \"ghcr.io/compliance-framework/*\"")
	rc.OverridableConfigFlags = globs("overridable_config_flags", func(f string) bool {
		p, k, scoped := strings.Cut(f, ":")
		if !scoped {
			return validGlob(f)
		}
		return validGlob(p) && validGlob(k)
	}, "\"<job-glob>:<key-glob>\" or \"<key-glob>\", like \"ssh:port\"")
	if attr := c.Attributes["allow_local_sources"]; attr != nil {
		if v, ok := l.eval(attr, l.fileCtx, cty.Bool); ok {
			rc.AllowLocalSources = v.True()
		}
	}
	l.cfg.RemoteConfig = rc
}

// RemoteConfigMode is the effective remote_config mode: the block's, else report when the
// control plane block has credentials (argus reports what it runs but applies nothing), else
// off. Without a control_plane block it is always off.
func (c *Config) RemoteConfigMode() string {
	switch {
	case c.ControlPlane == nil:
		return "off"
	case c.RemoteConfig != nil && c.RemoteConfig.Mode != "":
		return c.RemoteConfig.Mode
	case c.ControlPlane.ClientID != "":
		return "report"
	}
	return "off"
}

// finishRemoteConfig warns about a remote_config block that cannot do what it says: without a
// control_plane block there is nothing to ask, and the API serves remote configuration to
// agents with credentials only.
func (l *loader) finishRemoteConfig() {
	rc := l.cfg.RemoteConfig
	switch {
	case rc == nil:
	case l.cfg.ControlPlane == nil:
		l.warnf(rc.Range, "remote_config without a control plane",
			"This configuration has no control_plane block, so remote_config has no effect. Add a control_plane block, or remove remote_config.")
	case rc.Mode != "" && rc.Mode != "off" && l.cfg.ControlPlane.ClientID == "":
		l.warnf(rc.Range, "remote_config without credentials",
			"mode = %q, but control_plane has no client_id and client_secret: the API serves remote configuration to authenticated agents only, so every run will warn that it could not fetch it. Set the credentials, or mode = \"off\".", rc.Mode)
	}
}
