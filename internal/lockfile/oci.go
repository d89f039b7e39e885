package lockfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/opencontainers/go-digest"
	"github.com/zclconf/go-cty/cty"
)

// decodeOCI reads a provider block's CCF-plugin and OCI attributes into lp.
func decodeOCI(p *providerSchema, lp *Provider, rng *hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	bad := func(format string, a ...any) {
		diags = append(diags, fixAt(rng, "Invalid provider in lock file", fmt.Sprintf(format, a...), FixRelock))
	}
	if p.Kind != nil {
		switch *p.Kind {
		case KindCCFPlugin:
			lp.Kind = KindCCFPlugin
		case "argus": // the default, written out by hand
		default:
			bad("Provider %q has kind %q; a lock file knows %q and \"argus\".", p.Source, *p.Kind, KindCCFPlugin)
		}
	}
	if p.ProtocolVersion != nil {
		lp.ProtocolVersion = *p.ProtocolVersion
	}
	switch {
	case lp.Kind == KindCCFPlugin && lp.ProtocolVersion != 1 && lp.ProtocolVersion != 2:
		bad("CCF plugin %q needs protocol_version = 1 or 2.", p.Source)
	case lp.Kind != KindCCFPlugin && p.ProtocolVersion != nil:
		bad("Provider %q has a protocol_version, which only a kind = %q provider has.", p.Source, KindCCFPlugin)
	}
	if p.Index == nil {
		return diags
	}
	lp.Index = *p.Index
	if err := checkDigest(lp.Index); err != nil {
		bad("Provider %q: index %v.", p.Source, err)
	}
	if lp.Kind != KindCCFPlugin {
		bad("Provider %q is pinned to an OCI index, which only a kind = %q provider is.", p.Source, KindCCFPlugin)
	}
	if lp.Version != "" || lp.Constraints != "" || lp.Signer != "" {
		bad("OCI provider %q is pinned by digest and cannot have a version, constraints or signer.", p.Source)
	}
	if len(p.Platforms) == 0 {
		bad("OCI provider %q has no platform block.", p.Source)
	}
	return diags
}

// decodeManifest reads a platform block's manifest digest into lp.
func decodeManifest(pl platformSchema, lp *Provider, rng *hcl.Range) hcl.Diagnostics {
	bad := func(format string, a ...any) hcl.Diagnostics {
		return hcl.Diagnostics{fixAt(rng, "Invalid platform in lock file", fmt.Sprintf(format, a...), FixRelock)}
	}
	switch {
	case pl.Manifest == nil && lp.IsOCI():
		return bad("Platform %q of OCI provider %q has no manifest digest.", pl.Name, lp.Source)
	case pl.Manifest == nil:
		return nil
	case !lp.IsOCI():
		return bad("Platform %q of provider %q has a manifest digest, but the provider has no OCI index.", pl.Name, lp.Source)
	case pl.Name == LocalPlatform:
		return bad("OCI provider %q cannot have a %q platform.", lp.Source, LocalPlatform)
	}
	if err := checkDigest(*pl.Manifest); err != nil {
		return bad("Platform %q of provider %q: manifest %v.", pl.Name, lp.Source, err)
	}
	if len(pl.Hashes) == 0 || !slices.ContainsFunc(pl.Hashes, func(h string) bool { return strings.HasPrefix(h, "h1:") }) {
		return bad("Platform %q of OCI provider %q has no h1 hash of its extracted tree.", pl.Name, lp.Source)
	}
	if lp.Manifests == nil {
		lp.Manifests = map[string]string{}
	}
	lp.Manifests[pl.Name] = *pl.Manifest
	return nil
}

// decodePolicy validates one policy block and adds it to lock.
func decodePolicy(lock *Lock, p policySchema) hcl.Diagnostics {
	rng := p.DefRange.Ptr()
	bad := func(format string, a ...any) hcl.Diagnostics {
		return hcl.Diagnostics{fixAt(rng, "Invalid policy in lock file", fmt.Sprintf(format, a...), FixRelock)}
	}
	lp := &Policy{Source: p.Source, Hash: p.Hash}
	if p.Index != nil {
		lp.Index = *p.Index
	}
	if p.Manifest != nil {
		lp.Manifest = *p.Manifest
	}
	switch {
	case p.Source == "":
		return bad("A policy block needs the policy's source as its label.")
	case lock.Policies[p.Source] != nil:
		return hcl.Diagnostics{fixAt(rng, "Duplicate policy in lock file",
			fmt.Sprintf("Policy %q is locked twice.", p.Source), FixDuplicate)}
	case !strings.HasPrefix(p.Hash, "h1:"):
		return bad("Policy %q needs hash = \"h1:…\", the hash of its extracted tree.", p.Source)
	case (lp.Index == "") != (lp.Manifest == ""):
		return bad("Policy %q needs both index and manifest digests (an OCI bundle) or neither (a local one).", p.Source)
	}
	if lp.Index != "" {
		if err := checkDigest(lp.Index); err != nil {
			return bad("Policy %q: index %v.", p.Source, err)
		}
		if err := checkDigest(lp.Manifest); err != nil {
			return bad("Policy %q: manifest %v.", p.Source, err)
		}
	}
	if lock.Policies == nil {
		lock.Policies = map[string]*Policy{}
	}
	lock.Policies[p.Source] = lp
	return nil
}

func checkDigest(s string) error {
	d, err := digest.Parse(s)
	if err != nil || d.Algorithm() != digest.SHA256 {
		return fmt.Errorf("%q is not a sha256 digest (\"sha256:\" and 64 hex digits)", s)
	}
	return nil
}

// writeOCI writes a provider's CCF-plugin and OCI attributes.
func writeOCI(b *hclwrite.Body, p *Provider) {
	if p.Kind != "" {
		b.SetAttributeValue("kind", cty.StringVal(p.Kind))
	}
	if p.ProtocolVersion != 0 {
		b.SetAttributeValue("protocol_version", cty.NumberIntVal(int64(p.ProtocolVersion)))
	}
	if p.Index != "" {
		b.SetAttributeValue("index", cty.StringVal(p.Index))
	}
}

// writePolicies appends the policy blocks, sorted by source.
func writePolicies(body *hclwrite.Body, policies map[string]*Policy, separate bool) {
	sources := make([]string, 0, len(policies))
	for s := range policies {
		sources = append(sources, s)
	}
	slices.Sort(sources)
	for i, s := range sources {
		if i > 0 || separate {
			body.AppendNewline()
		}
		p := policies[s]
		b := body.AppendNewBlock("policy", []string{s}).Body()
		if p.Index != "" {
			b.SetAttributeValue("index", cty.StringVal(p.Index))
			b.SetAttributeValue("manifest", cty.StringVal(p.Manifest))
		}
		b.SetAttributeValue("hash", cty.StringVal(p.Hash))
	}
}
