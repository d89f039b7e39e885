package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
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
