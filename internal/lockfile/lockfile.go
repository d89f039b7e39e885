package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// FileName is the lock file's name, next to the configuration.
const FileName = "argus.lock.hcl"

// LocalPlatform is the platform block name of a local provider, whose tree does not depend on
// the platform.
const LocalPlatform = "local"

// maxSize bounds what Load reads: a lock file with a few hundred providers is under 1 MiB.
const maxSize = 8 << 20

const header = "# Maintained by \"argus init\". Commit it.\n"

// Lock is the content of a lock file: providers and policy bundles keyed by source.
type Lock struct {
	Providers map[string]*Provider
	Policies  map[string]*Policy // may be nil when there are none
}

// KindCCFPlugin is the kind of a provider that is a Compliance Framework plugin.
const KindCCFPlugin = "ccf-plugin"

// Provider is one locked provider.
type Provider struct {
	Source      string
	Version     string // "" for a local source
	Constraints string // "" for a local source or when the block has no version constraint
	Signer      string // "minisign:<key id hex>"; "" for local or unsigned providers
	// Platforms maps "<os>_<arch>" (or LocalPlatform) to hashes ("h1:…", "zh:…").
	Platforms map[string][]string

	// Kind is KindCCFPlugin for a Compliance Framework plugin, "" for an argus provider.
	Kind string
	// ProtocolVersion is a CCF plugin's protocol version (1 or 2); 0 for argus providers.
	ProtocolVersion int
	// Index is the digest ("sha256:…") of the OCI index an OCI source resolved to; "" for
	// sources that are not OCI. An entry with an index has no version, constraints or signer.
	Index string
	// Manifests maps a platform of an OCI source to the digest of its manifest. Every
	// platform of an entry with an index has one.
	Manifests map[string]string
}

// IsOCI reports whether p pins an OCI source.
func (p *Provider) IsOCI() bool { return p.Index != "" }

// Policy is one locked policy bundle: an OCI artifact (index and manifest digests) or a local
// directory or .tar.gz (neither), and the h1 hash of its extracted tree.
type Policy struct {
	Source   string
	Index    string // "" for a local source
	Manifest string // "" for a local source
	Hash     string // "h1:…"
}

// New returns an empty lock.
func New() *Lock { return &Lock{Providers: map[string]*Provider{}, Policies: map[string]*Policy{}} }

// IsLocalSource reports whether source names a local path rather than a registry address.
func IsLocalSource(source string) bool {
	return strings.HasPrefix(source, "./") || strings.HasPrefix(source, "../") || strings.HasPrefix(source, "/")
}

// Load reads the lock file at path. A missing file is an empty lock, not an error: the first
// `argus init` creates it.
func Load(path string) (*Lock, hcl.Diagnostics) {
	f, err := os.Open(path) //nolint:gosec // G304: the lock file next to the operator's configuration
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read lock file",
			Detail: fmt.Sprintf("Read lock file %q: %v.", path, err)}}
	}
	defer func() { _ = f.Close() }() // read-only
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(&limitReader{f, maxSize}); err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read lock file",
			Detail: fmt.Sprintf("Read lock file %q: %v.", path, err), Extra: FixRecreate}}
	}
	return Parse(buf.Bytes(), path)
}

type limitReader struct {
	f *os.File
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("lock file is larger than %d bytes", maxSize)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.f.Read(p)
	l.n -= int64(n)
	return n, err
}

type fileSchema struct {
	Providers []providerSchema `hcl:"provider,block"`
	Policies  []policySchema   `hcl:"policy,block"`
}

type providerSchema struct {
	Source          string           `hcl:"source,label"`
	Version         *string          `hcl:"version,attr"`
	Constraints     *string          `hcl:"constraints,attr"`
	Signer          *string          `hcl:"signer,attr"`
	Kind            *string          `hcl:"kind,attr"`
	ProtocolVersion *int             `hcl:"protocol_version,attr"`
	Index           *string          `hcl:"index,attr"`
	Platforms       []platformSchema `hcl:"platform,block"`
	DefRange        hcl.Range        `hcl:",def_range"`
}

type platformSchema struct {
	Name     string    `hcl:"name,label"`
	Manifest *string   `hcl:"manifest,attr"`
	Hashes   []string  `hcl:"hashes"`
	DefRange hcl.Range `hcl:",def_range"`
}

type policySchema struct {
	Source   string    `hcl:"source,label"`
	Index    *string   `hcl:"index,attr"`
	Manifest *string   `hcl:"manifest,attr"`
	Hash     string    `hcl:"hash,attr"`
	DefRange hcl.Range `hcl:",def_range"`
}

// Parse decodes lock file source. Diagnostics carry filename:line:col so a hand-edited file
// points at its own mistake.
func Parse(src []byte, filename string) (*Lock, hcl.Diagnostics) {
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	var fs fileSchema
	diags = append(diags, gohcl.DecodeBody(file.Body, nil, &fs)...)
	if diags.HasErrors() {
		return nil, diags
	}
	lock := New()
	for _, p := range fs.Providers {
		rng := p.DefRange.Ptr()
		if _, dup := lock.Providers[p.Source]; dup {
			diags = append(diags, fixAt(rng, "Duplicate provider in lock file",
				fmt.Sprintf("Provider %q is locked twice.", p.Source), FixDuplicate))
			continue
		}
		lp := &Provider{Source: p.Source, Platforms: map[string][]string{}}
		if p.Version != nil {
			lp.Version = *p.Version
		}
		if p.Constraints != nil {
			lp.Constraints = *p.Constraints
		}
		if p.Signer != nil {
			lp.Signer = *p.Signer
		}
		if d := decodeOCI(&p, lp, rng); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		local := IsLocalSource(p.Source)
		switch {
		case p.Source == "":
			diags = append(diags, errAt(rng, "Invalid provider in lock file", "A provider block needs a source address as its label."))
			continue
		case lp.IsOCI():
			// Pinned by digests, not by a version.
		case !local && lp.Version == "":
			diags = append(diags, fixAt(rng, "Invalid provider in lock file",
				fmt.Sprintf("Provider %q has no version.", p.Source), FixUpgrade))
			continue
		case local && (lp.Version != "" || lp.Signer != ""):
			diags = append(diags, fixAt(rng, "Invalid provider in lock file",
				fmt.Sprintf("Local provider %q cannot have a version or signer.", p.Source), FixRelock))
			continue
		}
		for _, pl := range p.Platforms {
			prng := pl.DefRange.Ptr()
			if _, dup := lp.Platforms[pl.Name]; dup {
				diags = append(diags, errAt(prng, "Duplicate platform in lock file",
					fmt.Sprintf("Platform %q of provider %q appears twice.", pl.Name, p.Source)))
				continue
			}
			if !validPlatform(pl.Name) {
				diags = append(diags, errAt(prng, "Invalid platform in lock file",
					fmt.Sprintf("Platform %q of provider %q is not of the form os_arch.", pl.Name, p.Source)))
				continue
			}
			for _, h := range pl.Hashes {
				if !strings.HasPrefix(h, "h1:") && !strings.HasPrefix(h, "zh:") {
					diags = append(diags, errAt(prng, "Invalid hash in lock file",
						fmt.Sprintf("Hash %q of provider %q (%s) is neither \"h1:…\" nor \"zh:…\".", h, p.Source, pl.Name)))
				}
			}
			lp.Platforms[pl.Name] = normalise(pl.Hashes)
			diags = append(diags, decodeManifest(pl, lp, prng)...)
		}
		lock.Providers[p.Source] = lp
	}
	for _, p := range fs.Policies {
		diags = append(diags, decodePolicy(lock, p)...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return lock, diags
}

func errAt(rng *hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng}
}

// fixAt is errAt for an error that fix repairs.
func fixAt(rng *hcl.Range, summary, detail string, fix Fix) *hcl.Diagnostic {
	d := errAt(rng, summary, detail)
	d.Extra = fix
	return d
}

func validPlatform(s string) bool {
	if s == LocalPlatform {
		return true
	}
	os, arch, ok := strings.Cut(s, "_")
	return ok && os != "" && arch != "" && !strings.ContainsAny(s, " /\\\"")
}

func normalise(hashes []string) []string {
	out := slices.Clone(hashes)
	slices.Sort(out)
	return slices.Compact(out)
}

// Bytes renders the lock deterministically: providers, platforms and hashes sorted.
func (l *Lock) Bytes() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	sources := make([]string, 0, len(l.Providers))
	for s := range l.Providers {
		sources = append(sources, s)
	}
	slices.Sort(sources)
	for i, s := range sources {
		if i > 0 {
			body.AppendNewline()
		}
		p := l.Providers[s]
		b := body.AppendNewBlock("provider", []string{s}).Body()
		if p.Version != "" {
			b.SetAttributeValue("version", cty.StringVal(p.Version))
		}
		if p.Constraints != "" {
			b.SetAttributeValue("constraints", cty.StringVal(p.Constraints))
		}
		if p.Signer != "" {
			b.SetAttributeValue("signer", cty.StringVal(p.Signer))
		}
		writeOCI(b, p)
		platforms := make([]string, 0, len(p.Platforms))
		for pl := range p.Platforms {
			platforms = append(platforms, pl)
		}
		slices.Sort(platforms)
		for _, pl := range platforms {
			hashes := normalise(p.Platforms[pl])
			vals := make([]cty.Value, len(hashes))
			for j, h := range hashes {
				vals[j] = cty.StringVal(h)
			}
			list := cty.ListValEmpty(cty.String)
			if len(vals) > 0 {
				list = cty.ListVal(vals)
			}
			pb := b.AppendNewBlock("platform", []string{pl}).Body()
			if m := p.Manifests[pl]; m != "" {
				pb.SetAttributeValue("manifest", cty.StringVal(m))
			}
			pb.SetAttributeValue("hashes", list)
		}
	}
	writePolicies(body, l.Policies, len(sources) > 0)
	return append([]byte(header), hclwrite.Format(f.Bytes())...)
}

// Equal reports whether two locks render identically.
func (l *Lock) Equal(o *Lock) bool { return bytes.Equal(l.Bytes(), o.Bytes()) }

// Clone returns a deep copy, so that an installer can build a new lock without touching the
// one it was given.
func (l *Lock) Clone() *Lock {
	c := New()
	for s, p := range l.Providers {
		q := *p
		q.Platforms = make(map[string][]string, len(p.Platforms))
		for pl, h := range p.Platforms {
			q.Platforms[pl] = slices.Clone(h)
		}
		q.Manifests = maps.Clone(p.Manifests)
		c.Providers[s] = &q
	}
	for s, p := range l.Policies {
		q := *p
		c.Policies[s] = &q
	}
	return c
}

// Hash returns the hash with the given scheme ("h1" or "zh") locked for a platform, or "".
func (p *Provider) Hash(platform, scheme string) string {
	for _, h := range p.Platforms[platform] {
		if strings.HasPrefix(h, scheme+":") {
			return h
		}
	}
	return ""
}

// Write writes the lock atomically to path.
func (l *Lock) Write(path string) error {
	if err := atomicfile.WriteFile(path, l.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write lock file %q: %w", path, err)
	}
	return nil
}
