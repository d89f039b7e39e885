package config

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/oci"
)

// providerSchema is a `provider "<name>"` block.
var providerSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "source", Required: true}, {Name: "version"}, {Name: "signing_keys"}, {Name: "insecure_skip_signature"},
	{Name: "kind"}, {Name: "protocol_version"}, {Name: "policies"},
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
	kindAttr := c.Attributes["kind"]
	if kindAttr != nil {
		if k, ok := l.str(kindAttr, l.fileCtx); ok {
			switch k {
			case KindArgus, KindCCFPlugin:
				p.Kind = k
			default:
				l.errorf(kindAttr.Expr.Range(), "Invalid provider kind",
					"%q is not a provider kind. Use %q (a provider speaking argus's protocol, the default) or %q (a Compliance Framework plugin).", k, KindArgus, KindCCFPlugin)
			}
		}
	}
	if attr := c.Attributes["source"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			p.Source = s
			l.providerSource(&p, attr, kindAttr, versionAttr)
		}
	}
	if p.Kind == KindArgus {
		p.Kind = "" // the default, as a Provider built by hand has it
	}
	if attr := c.Attributes["signing_keys"]; attr != nil {
		p.SigningKeys = l.signingKeys(attr)
		l.notForCCF(p, attr, "signing_keys", "An OCI plugin is pinned by digest in the lock file instead")
	}
	if attr := c.Attributes["insecure_skip_signature"]; attr != nil {
		if v, ok := l.eval(attr, l.fileCtx, cty.Bool); ok {
			p.InsecureSkipSignature = v.True()
		}
		l.notForCCF(p, attr, "insecure_skip_signature", "An OCI plugin is pinned by digest in the lock file instead")
	}
	if attr := c.Attributes["protocol_version"]; attr != nil {
		if n, ok := l.int(attr, l.fileCtx); ok {
			switch {
			case !p.IsCCFPlugin():
				l.errorf(attr.Range, "protocol_version on an argus provider",
					"protocol_version is the CCF protocol of a Compliance Framework plugin, and provider %q is an argus provider. Remove it, or set kind = %q.", p.Name, KindCCFPlugin)
			case n != 1 && n != 2:
				l.errorf(attr.Expr.Range(), "Invalid protocol_version",
					"protocol_version is %d; a CCF plugin speaks protocol 1 or 2. Use 2 for plugins built against agent v0.3.0 or later (they implement Init), else 1, or remove it to use the plugin's annotation %s.", n, "org.ccf.plugin.protocol.version")
			default:
				p.ProtocolVersion = n
			}
		}
	}
	if attr := c.Attributes["policies"]; attr != nil {
		p.Policies = l.policies(attr, l.fileCtx)
		if !p.IsCCFPlugin() {
			l.errorf(attr.Range, "policies on an argus provider",
				"policies are Rego bundles for a Compliance Framework plugin, and provider %q is an argus provider. Remove them, or set kind = %q.", p.Name, KindCCFPlugin)
		}
	}
	l.cfg.Providers = append(l.cfg.Providers, p)
}

// providerSource classifies p.Source: a local path (an argus provider, or a local CCF plugin
// with kind = "ccf-plugin"), an OCI reference (a CCF plugin), or a registry address (an argus
// provider with a version constraint).
func (l *loader) providerSource(p *Provider, attr, kindAttr, versionAttr *hcl.Attribute) {
	s := p.Source
	switch {
	case lockfile.IsLocalSource(s):
		p.LocalPath = l.abs(s)
		if versionAttr != nil {
			l.errorf(versionAttr.Range, "Version on a local provider",
				"Provider %q has a local source (%s), which has no versions: it is hashed into the lock file instead. Remove version.", p.Name, s)
		}
	case oci.IsReference(s):
		if _, err := oci.ParseReference(s); err != nil {
			l.errorf(attr.Expr.Range(), "Invalid OCI reference",
				"%v. An OCI source is written as the agent writes it: \"ghcr.io/org/plugin-name:v1.2.3\", \"…@sha256:<64 hex>\", or \"oci-layout://DIR:TAG\" for a local OCI layout.", err)
		}
		if p.Kind == KindArgus {
			l.errorf(kindAttr.Expr.Range(), "OCI source on an argus provider",
				"Provider %q has an OCI source (%s), which is always a Compliance Framework plugin. Remove kind, or set kind = %q.", p.Name, s, KindCCFPlugin)
		}
		p.Kind = KindCCFPlugin
		if versionAttr != nil {
			l.errorf(versionAttr.Range, "Version on an OCI plugin",
				"Provider %q comes from an OCI registry, where its tag or digest (%s) says which artifact it is, and the lock file pins the digest. Remove version.", p.Name, s)
		}
	case p.Kind == KindCCFPlugin:
		l.errorf(attr.Expr.Range(), "Invalid CCF plugin source",
			"Provider %q is a Compliance Framework plugin, whose source is an OCI reference with a tag or digest (\"ghcr.io/org/plugin-name:v1.2.3\"), an \"oci-layout://DIR:TAG\" reference, or a local path starting with ./, ../ or /; %q is none of these.", p.Name, s)
	default:
		l.checkRegistrySource(attr, s, p.Name, versionAttr, p.Version)
	}
}

// notForCCF reports an attribute that only argus providers have.
func (l *loader) notForCCF(p Provider, attr *hcl.Attribute, name, why string) {
	if p.IsCCFPlugin() {
		l.errorf(attr.Range, name+" on a CCF plugin",
			"Provider %q is a Compliance Framework plugin, which has no %s: %s. Remove it.", p.Name, name, why)
	}
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
