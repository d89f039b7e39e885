package config

import (
	"net/url"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/compliance-framework/argus/internal/lockfile"
)

// registrySchema is a `registry "<host>"` block: where the index of a source host lives.
var registrySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "url", Required: true}, {Name: "signing_keys"},
}}

func (l *loader) decodeRegistry(b *hcl.Block) {
	c := l.content(b, registrySchema)
	r := Registry{Host: b.Labels[0], Range: b.DefRange}
	if !hostRe.MatchString(r.Host) {
		l.errorf(b.LabelRanges[0], "Invalid registry host",
			"%q is not a host name. Name the host of the provider sources this registry serves, in lower case, like \"registry.example.com\".", r.Host)
	}
	if attr := c.Attributes["url"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			r.URL = l.registryURL(attr, s)
		}
	}
	if attr := c.Attributes["signing_keys"]; attr != nil {
		r.SigningKeys = l.signingKeys(attr)
	}
	l.cfg.Registries = append(l.cfg.Registries, r)
}

// registryURL checks a registry block's url: an https:// URL (http:// for localhost), a file://
// URL, or a directory (starting with /, ./ or ../, relative to the configuration), such as a
// copy of `argus providers mirror DIR`. A directory is returned absolute, which the installer
// reads as a local index.
func (l *loader) registryURL(attr *hcl.Attribute, s string) string {
	const how = "Write the absolute https:// URL of the index, like \"https://mirror.internal/argus/\" (http:// is accepted only for localhost), a file:///abs/path/ URL, or a directory starting with /, ./ or ../ (relative to the configuration)."
	switch {
	case strings.HasPrefix(strings.ToLower(s), "file:"):
		u, err := url.Parse(s)
		switch {
		case err != nil:
			l.errorf(attr.Expr.Range(), "Invalid registry URL", "%q is not a URL: %v. %s", s, err, how)
		case u.Host != "" && u.Host != "localhost":
			l.errorf(attr.Expr.Range(), "Invalid registry URL", "%q names the host %q; a file:// URL names a directory on this machine, like \"file:///srv/argus-mirror/\". %s", s, u.Host, how)
		case !strings.HasPrefix(u.Path, "/") || u.RawQuery != "" || u.Fragment != "":
			l.errorf(attr.Expr.Range(), "Invalid registry URL", "%q is not a file:// URL of an absolute directory (three slashes: \"file:///srv/argus-mirror/\"). %s", s, how)
		}
		return s
	case lockfile.IsLocalSource(s) || filepath.IsAbs(s):
		return l.abs(s)
	}
	if err := checkHTTPURL(s, true); err != nil {
		l.errorf(attr.Expr.Range(), "Invalid registry URL", "%v. %s", err, how)
	}
	return s
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
