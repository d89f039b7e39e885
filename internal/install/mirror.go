package install

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
)

// MirrorRequest is `argus providers mirror DIR`.
type MirrorRequest struct {
	Config  *config.Config // required: registry blocks and trusted keys
	Lock    *lockfile.Lock // required: what to mirror
	Fetcher Fetcher        // required
	Dir     string         // required: the mirror directory, replaced as a whole
	// Events receives one event per archive and every warning; nil discards them.
	Events Events
}

// Mirror writes a static index (DESIGN.md layout) holding every locked registry provider, its
// locked platforms' archives, and the original SHA256SUMS with its signatures (so that the
// mirror verifies with the same keys). Everything is downloaded and verified against the lock
// into a staging directory next to Dir, which then replaces Dir by rename: a failed mirror leaves
// the previous one untouched. Local providers are not mirrored.
func Mirror(ctx context.Context, req MirrorRequest) error {
	if req.Config == nil || req.Lock == nil || req.Fetcher == nil || req.Dir == "" {
		return fmt.Errorf("install: MirrorRequest needs Config, Lock, Fetcher and Dir")
	}
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create mirror parent directory: %w", err)
	}
	stage, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create mirror staging directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(stage) }() // best effort: after the rename there is nothing left to remove
	scratch := filepath.Join(stage, ".scratch")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		return err
	}
	in := &installer{req: Request{Config: req.Config, Fetcher: req.Fetcher, Events: req.Events}, tmp: scratch}
	if in.req.Events == nil {
		in.req.Events = discardEvents{}
	}
	sources := make([]string, 0, len(req.Lock.Providers))
	for s, lp := range req.Lock.Providers {
		// A CCF plugin from an OCI registry is carried across an air gap as an OCI layout
		// (oci-layout:// sources, docs/ccf-plugins.md), not in the argus index layout.
		if !lockfile.IsLocalSource(s) && !lp.IsOCI() {
			sources = append(sources, s)
		}
	}
	slices.Sort(sources)
	for _, s := range sources {
		if err := in.mirrorOne(ctx, stage, req.Lock.Providers[s]); err != nil {
			return fmt.Errorf("mirror %s: %w", s, err)
		}
	}
	if err := os.RemoveAll(scratch); err != nil {
		return err
	}
	aside := ""
	if _, err := os.Lstat(dir); err == nil {
		aside = stage + ".old"
		if err := os.Rename(dir, aside); err != nil {
			return fmt.Errorf("move previous mirror %q aside: %w", dir, err)
		}
	}
	if err := os.Rename(stage, dir); err != nil {
		if aside != "" {
			_ = os.Rename(aside, dir)
		}
		return fmt.Errorf("publish mirror %q: %w", dir, err)
	}
	if aside != "" {
		_ = os.RemoveAll(aside)
	}
	return atomicfile.SyncDir(filepath.Dir(dir))
}

func (in *installer) mirrorOne(ctx context.Context, stage string, lp *lockfile.Provider) error {
	addr, err := ParseAddress(lp.Source)
	if err != nil {
		return err
	}
	var block config.Provider
	for _, p := range in.req.Config.Providers {
		if p.Source == lp.Source {
			block = p
		}
	}
	base, err := indexBase(in.req.Config, addr.Host)
	if err != nil {
		return err
	}
	relURL := providerURL(base, addr, lp.Version+".json")
	data, err := in.fetchSmall(ctx, relURL)
	if err != nil {
		return fmt.Errorf("read release %s: %w", lp.Version, err)
	}
	rel, err := DecodeRelease(data)
	if err != nil {
		return fmt.Errorf("decode release %s: %w", relURL.Redacted(), err)
	}
	sums, _, err := in.verifiedSums(ctx, block, addr, relURL, rel)
	if err != nil {
		return err
	}
	out := filepath.Join(stage, addr.Host, addr.Namespace, addr.Name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// SHA256SUMS and its signatures are copied byte for byte: the signature covers them.
	ref, _ := url.Parse(rel.Shasums.URL)
	sumsURL := relURL.ResolveReference(ref)
	sumsName := safeName(path.Base(sumsURL.Path))
	if err := in.req.Fetcher.Fetch(ctx, sumsURL.String(), filepath.Join(out, sumsName)); err != nil {
		return err
	}
	mirrored := Release{Archives: map[string]Archive{}, Shasums: Shasums{URL: sumsName}}
	for i, s := range rel.Shasums.Signatures {
		ref, err := url.Parse(s.URL)
		if err != nil {
			continue
		}
		name := fmt.Sprintf("%s.%d.sig", sumsName, i)
		if err := in.req.Fetcher.Fetch(ctx, sumsURL.ResolveReference(ref).String(), filepath.Join(out, name)); err != nil {
			return err
		}
		mirrored.Shasums.Signatures = append(mirrored.Shasums.Signatures, Signature{Type: s.Type, URL: name})
	}
	for pl, hashes := range lp.Platforms {
		archiveURL, zh, err := archiveFor(rel, relURL, sums, pl, lp.Hash(pl, "zh"))
		if err != nil {
			return err
		}
		name := safeName(path.Base(archiveURL.Path))
		dst := filepath.Join(out, name)
		in.event(Event{Kind: EventMirroring, Source: addr.String(), Version: lp.Version, Platform: pl})
		if err := in.req.Fetcher.Fetch(ctx, archiveURL.String(), dst); err != nil {
			return err
		}
		if got, err := fileSHA256(dst); err != nil || got != zh {
			return fmt.Errorf("archive %s has sha256 %s, the lock file says %s", archiveURL.Redacted(), got, zh)
		}
		mirrored.Archives[pl] = Archive{URL: name, Hashes: slices.Clone(hashes)}
	}
	vj, err := json.MarshalIndent(mirrored, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, lp.Version+".json"), vj, 0o644); err != nil {
		return err
	}
	idx := Index{Versions: map[string]IndexVersion{}}
	if prev, err := os.ReadFile(filepath.Join(out, "index.json")); err == nil { //nolint:gosec // G304: the index in the mirror directory being written
		_ = json.Unmarshal(prev, &idx)
	}
	idx.Versions[lp.Version] = IndexVersion{}
	ij, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "index.json"), ij, 0o644)
}

// safeName keeps a file name taken from a URL a single, ordinary path element.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." || strings.HasPrefix(s, ".") {
		s = "_" + s
	}
	return s
}
