package config

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/compliance-framework/argus/internal/lockfile"
)

// providerSchema is a `provider "<name>"` block.
var providerSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "source", Required: true}, {Name: "version"}, {Name: "signing_keys"}, {Name: "insecure_skip_signature"},
}}

// pessimisticRe finds "~>" operators in a constraint to check how many segments follow.
var pessimisticRe = regexp.MustCompile(`~>\s*([^,\s]*)`)

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
			if lockfile.IsLocalSource(s) {
				p.LocalPath = l.abs(s)
				if _, err := os.Stat(p.LocalPath); errors.Is(err, fs.ErrNotExist) {
					// Found here rather than by `argus init`, so that validate says so.
					l.errorf(attr.Expr.Range(), "Local provider not found",
						"Provider %q's source %s is %s, which does not exist. Create the executable (or a directory holding one) there, or fix the path: it is relative to %s.", p.Name, s, p.LocalPath, l.cfg.Dir)
				}
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
