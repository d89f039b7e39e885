package install

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	version "github.com/hashicorp/go-version"
)

// entrypointName is the executable's name inside a registry provider's archive.
func entrypointName(name, platform string) string {
	if strings.HasPrefix(platform, "windows_") {
		return "argus-provider-" + name + ".exe"
	}
	return "argus-provider-" + name
}

// registry installs a registry provider in named steps: the lock's pin if it still applies
// (lockedFor), the warm path that needs no network (warm), the version to install
// (chooseVersion), whether that moves the lock down (checkDowngrade), its signature-verified release (verifiedRelease), and an install or a hash
// for every wanted platform (installPlatforms).
func (in *installer) registry(ctx context.Context, p config.Provider) (Installed, error) {
	addr, err := ParseAddress(p.Source)
	if err != nil {
		return Installed{}, err
	}
	locked, err := in.lockedFor(p, addr)
	if err != nil {
		return Installed{}, err
	}
	platforms := in.platforms()
	if locked != nil {
		if inst, ok, err := in.warm(p, addr, locked, platforms); err != nil || ok {
			return inst, err
		}
	}
	base, err := indexBase(in.req.Config, addr.Host)
	if err != nil {
		return Installed{}, err
	}
	ver, idx, err := in.chooseVersion(ctx, p, addr, base, locked)
	if err != nil {
		return Installed{}, err
	}
	downgradedFrom, err := in.checkDowngrade(p, addr, idx, ver)
	if err != nil {
		return Installed{}, err
	}
	rel, err := in.verifiedRelease(ctx, p, addr, base, ver)
	if err != nil {
		return Installed{}, err
	}
	lp := &lockfile.Provider{Source: addr.String(), Constraints: p.Version, Version: ver, Signer: rel.signer, Platforms: map[string][]string{}}
	result, err := in.installPlatforms(ctx, p, addr, rel, locked, platforms, lp)
	if err != nil {
		return Installed{}, err
	}
	// Platforms locked before and not asked for this time stay locked, as long as the version
	// did not change.
	if locked != nil && locked.Version == ver {
		keepLockedPlatforms(lp, locked)
	}
	in.new.Providers[lp.Source] = lp
	if downgradedFrom != "" {
		in.event(Event{Kind: EventDowngraded, Provider: p.Name, Source: addr.String(), Version: ver, Detail: downgradedFrom})
	}
	in.event(Event{Kind: EventInstalled, Provider: p.Name, Source: addr.String(), Version: ver})
	result.DowngradedFrom = downgradedFrom
	return result, nil
}

// checkDowngrade compares the version chosen under Upgrade with the one the lock pinned: a
// lower one (the constraint was narrowed, or the locked version was yanked or withdrawn) is a
// *DowngradeError unless AllowDowngrade, and then it returns the version moved down from. It
// returns "" for anything else: no lock, no Upgrade, the same or a higher version, or a locked
// version that does not parse (nothing to compare it with).
func (in *installer) checkDowngrade(p config.Provider, addr Address, idx *Index, chosen string) (string, error) {
	prev := in.old.Providers[addr.String()]
	if !in.req.Upgrade || prev == nil || idx == nil {
		return "", nil
	}
	lv, err := version.NewVersion(prev.Version)
	if err != nil {
		return "", nil
	}
	cv, err := version.NewVersion(chosen)
	if err != nil || cv.Compare(lv) >= 0 {
		return "", nil
	}
	if in.req.AllowDowngrade {
		return prev.Version, nil
	}
	de := &DowngradeError{Locked: prev.Version, Chosen: chosen, Constraint: p.Version}
	if info, ok := idx.Versions[prev.Version]; !ok {
		de.Withdrawn = true
	} else {
		de.Yanked = info.Yanked
	}
	return "", de
}

// lockedFor is the lock's entry for addr when Init may keep its version: nil when nothing is
// locked or under Upgrade. A locked version the block's constraint no longer allows is a
// *LockMismatchError; a provider not locked yet is ErrLockChanged in read-only mode.
func (in *installer) lockedFor(p config.Provider, addr Address) (*lockfile.Provider, error) {
	cons, err := parseConstraint(p.Version)
	if err != nil {
		return nil, err
	}
	locked := in.old.Providers[addr.String()]
	if in.req.Upgrade {
		locked = nil
	}
	if locked != nil {
		v, err := version.NewVersion(locked.Version)
		if err != nil {
			return nil, &LockMismatchError{Locked: locked.Version, Constraint: p.Version, NotVersion: true}
		}
		if !satisfies(cons, p.Version, v) {
			return nil, &LockMismatchError{Locked: locked.Version, Constraint: p.Version}
		}
	}
	if locked == nil && in.req.Mode == LockReadOnly {
		return nil, fmt.Errorf("%w (read-only lock mode)", ErrNotLocked)
	}
	return locked, nil
}

// platforms are the platforms to lock: the one to install for and the extra ones asked for,
// sorted and without repeats.
func (in *installer) platforms() []string {
	platforms := append([]string{in.req.Platform}, in.req.Platforms...)
	slices.Sort(platforms)
	return slices.Compact(platforms)
}

// warm is the warm path: a locked version whose every wanted platform is locked and whose
// cache entry for this platform verifies is kept as it is, with no network at all. ok is false
// when the network is needed.
func (in *installer) warm(p config.Provider, addr Address, locked *lockfile.Provider, platforms []string) (_ Installed, ok bool, _ error) {
	key := cache.Key{Host: addr.Host, Namespace: addr.Namespace, Name: addr.Name, Version: locked.Version, Platform: in.req.Platform}
	h1 := locked.Hash(in.req.Platform, "h1")
	complete := h1 != ""
	for _, pl := range platforms {
		complete = complete && locked.Hash(pl, "zh") != "" && locked.Hash(pl, "h1") != ""
	}
	if !complete {
		return Installed{}, false, nil
	}
	dir, err := in.req.Cache.EntryDir(key, h1)
	if err != nil {
		return Installed{}, false, err
	}
	if in.verifyInstalled(dir, h1) != nil {
		return Installed{}, false, nil
	}
	lp := &lockfile.Provider{Source: addr.String(), Constraints: p.Version, Version: locked.Version, Signer: locked.Signer, Platforms: map[string][]string{}}
	keepLockedPlatforms(lp, locked)
	in.new.Providers[lp.Source] = lp
	if p.InsecureSkipSignature && locked.Signer == "" {
		in.event(Event{Kind: EventUnsignedInCache, Provider: p.Name, Source: addr.String()})
	}
	in.event(Event{Kind: EventVerifiedInCache, Provider: p.Name, Source: addr.String(), Version: locked.Version})
	return Installed{Name: p.Name, Source: addr.String(), Version: locked.Version, Dir: dir,
		Entrypoint: filepath.Join(dir, entrypointName(addr.Name, in.req.Platform)), Reused: true, Signer: locked.Signer}, true, nil
}

// keepLockedPlatforms copies into lp the hashes of every platform locked that lp does not
// have yet.
func keepLockedPlatforms(lp, locked *lockfile.Provider) {
	for pl, hs := range locked.Platforms {
		if _, ok := lp.Platforms[pl]; !ok {
			lp.Platforms[pl] = slices.Clone(hs)
		}
	}
}

// chooseVersion is the locked version when there is one, else the newest version of the index
// that the block's constraint allows, with the index it was chosen from (nil for the locked
// one).
func (in *installer) chooseVersion(ctx context.Context, p config.Provider, addr Address, base *url.URL, locked *lockfile.Provider) (string, *Index, error) {
	if locked != nil {
		return locked.Version, nil, nil
	}
	idxURL := providerURL(base, addr, "index.json")
	data, err := in.fetchSmall(ctx, idxURL)
	if err != nil {
		return "", nil, fmt.Errorf("read provider index: %w", err)
	}
	idx, err := DecodeIndex(data)
	if err != nil {
		return "", nil, fmt.Errorf("decode provider index %s: %w", idxURL.Redacted(), err)
	}
	ver, err := choose(idx, p.Version)
	return ver, idx, err
}

// release is one version's <version>.json with the signed SHA256SUMS it names.
type release struct {
	*Release
	url    *url.URL          // of <version>.json: archive and sums URLs resolve against it
	sums   map[string]string // archive file name → zh hash, from the verified SHA256SUMS
	signer string            // "" when insecure_skip_signature skipped the signature
}

// verifiedRelease fetches <version>.json and its SHA256SUMS, and verifies the signature.
func (in *installer) verifiedRelease(ctx context.Context, p config.Provider, addr Address, base *url.URL, ver string) (*release, error) {
	relURL := providerURL(base, addr, ver+".json")
	data, err := in.fetchSmall(ctx, relURL)
	if err != nil {
		return nil, fmt.Errorf("read release %s (the index lists it; is the registry incomplete?): %w", ver, err)
	}
	rel, err := DecodeRelease(data)
	if err != nil {
		return nil, fmt.Errorf("decode release %s: %w", relURL.Redacted(), err)
	}
	sums, signer, err := in.verifiedSums(ctx, p, addr, relURL, rel)
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", ver, err)
	}
	return &release{Release: rel, url: relURL, sums: sums, signer: signer}, nil
}

// installPlatforms installs the archive of this platform into the cache and hashes the others
// in scratch, recording every platform's hashes in lp (whose Version is set).
func (in *installer) installPlatforms(ctx context.Context, p config.Provider, addr Address, rel *release, locked *lockfile.Provider, platforms []string, lp *lockfile.Provider) (Installed, error) {
	var result Installed
	for _, pl := range platforms {
		var lockedZh, lockedH1 string
		if locked != nil {
			lockedZh, lockedH1 = locked.Hash(pl, "zh"), locked.Hash(pl, "h1")
		}
		archiveURL, zh, err := archiveFor(rel.Release, rel.url, rel.sums, pl, lockedZh)
		if err != nil {
			return Installed{}, fmt.Errorf("version %s: %w", lp.Version, err)
		}
		fill := func(ctx context.Context, dir string) error {
			return in.fetchAndExtract(ctx, archiveURL, zh, entrypointName(addr.Name, pl), dir)
		}
		if pl != in.req.Platform {
			// Another platform is only hashed, never installed: extract into scratch.
			h1, err := in.hashElsewhere(ctx, fill)
			if err != nil {
				return Installed{}, fmt.Errorf("version %s (%s): %w", lp.Version, pl, err)
			}
			if lockedH1 != "" && h1 != lockedH1 {
				return Installed{}, fmt.Errorf("version %s (%s): archive hashes to %s, the lock file says %s", lp.Version, pl, h1, lockedH1)
			}
			lp.Platforms[pl] = []string{h1, zh}
			continue
		}
		in.event(Event{Kind: EventDownloading, Provider: p.Name, Source: addr.String(), Version: lp.Version, Platform: pl, URL: archiveURL.Redacted()})
		key := cache.Key{Host: addr.Host, Namespace: addr.Namespace, Name: addr.Name, Version: lp.Version, Platform: pl}
		entry, err := in.req.Cache.Install(ctx, key, lockedH1, fill)
		if err != nil {
			return Installed{}, fmt.Errorf("version %s: %w", lp.Version, err)
		}
		if want := indexHash(rel.Archives[pl].Hashes, "h1"); want != "" && want != entry.H1 {
			return Installed{}, fmt.Errorf("version %s: installed tree hashes to %s, the index says %s", lp.Version, entry.H1, want)
		}
		lp.Platforms[pl] = []string{entry.H1, zh}
		result = Installed{Name: p.Name, Source: addr.String(), Version: lp.Version, Dir: entry.Dir,
			Entrypoint: filepath.Join(entry.Dir, entrypointName(addr.Name, pl)), Reused: entry.Reused, Signer: rel.signer}
	}
	return result, nil
}

func indexHash(hashes []string, scheme string) string {
	for _, h := range hashes {
		if strings.HasPrefix(h, scheme+":") {
			return h
		}
	}
	return ""
}

// archiveFor finds the archive of platform pl and the zh hash it must have: the one in the
// signed SHA256SUMS, which the index and the lock must agree with.
func archiveFor(rel *Release, relURL *url.URL, sums map[string]string, pl, lockedZh string) (*url.URL, string, error) {
	a, ok := rel.Archives[pl]
	if !ok {
		var have []string
		for p := range rel.Archives {
			have = append(have, p)
		}
		slices.Sort(have)
		return nil, "", fmt.Errorf("no archive for platform %s (the release has %s)", pl, strings.Join(have, ", "))
	}
	ref, err := url.Parse(a.URL)
	if err != nil {
		return nil, "", fmt.Errorf("archive url %q: %w", a.URL, err)
	}
	u := relURL.ResolveReference(ref)
	file := path.Base(u.Path)
	if _, err := archiveFormat(file); err != nil {
		return nil, "", err
	}
	zh, ok := sums[file]
	if !ok {
		return nil, "", fmt.Errorf("archive %q is not listed in SHA256SUMS", file)
	}
	if ih := indexHash(a.Hashes, "zh"); ih != "" && ih != zh {
		return nil, "", fmt.Errorf("archive %q: the index says %s, the signed SHA256SUMS says %s", file, ih, zh)
	}
	if lockedZh != "" && lockedZh != zh {
		return nil, "", &ReleaseChangedError{Archive: file, Published: zh, Locked: lockedZh}
	}
	return u, zh, nil
}

// verifiedSums fetches SHA256SUMS and checks its signature; it returns the sums and the signer.
func (in *installer) verifiedSums(ctx context.Context, p config.Provider, addr Address, relURL *url.URL, rel *Release) (map[string]string, string, error) {
	ref, err := url.Parse(rel.Shasums.URL)
	if err != nil {
		return nil, "", fmt.Errorf("shasums url %q: %w", rel.Shasums.URL, err)
	}
	sumsURL := relURL.ResolveReference(ref)
	data, err := in.fetchSmall(ctx, sumsURL)
	if err != nil {
		return nil, "", fmt.Errorf("read SHA256SUMS: %w", err)
	}
	sums, err := parseSums(data)
	if err != nil {
		return nil, "", fmt.Errorf("SHA256SUMS %s: %w", sumsURL.Redacted(), err)
	}
	if p.InsecureSkipSignature {
		in.event(Event{Kind: EventSignatureSkipped, Provider: p.Name, Source: addr.String()})
		return sums, "", nil
	}
	keys, err := parseKeys(p.SigningKeys, fmt.Sprintf("provider %q", p.Name))
	if err != nil {
		return nil, "", err
	}
	if r := registryFor(in.req.Config, addr.Host); r != nil {
		rk, err := parseKeys(r.SigningKeys, fmt.Sprintf("registry %q", r.Host))
		if err != nil {
			return nil, "", err
		}
		keys = append(keys, rk...)
	}
	if len(keys) == 0 {
		return nil, "", fmt.Errorf("no trusted signing key: add signing_keys to the provider block or to a registry %q block (or, to install it unsigned, insecure_skip_signature = true)", addr.Host)
	}
	var sigErrs []string
	for _, s := range rel.Shasums.Signatures {
		if s.Type != "minisign" {
			continue
		}
		ref, err := url.Parse(s.URL)
		if err != nil {
			sigErrs = append(sigErrs, fmt.Sprintf("signature url %q: %v", s.URL, err))
			continue
		}
		sig, err := in.fetchSmall(ctx, sumsURL.ResolveReference(ref))
		if err != nil {
			return nil, "", fmt.Errorf("read signature: %w", err)
		}
		signer, err := verifySignature(data, sig, keys)
		if err == nil {
			return sums, signer, nil
		}
		sigErrs = append(sigErrs, err.Error())
	}
	if len(sigErrs) == 0 {
		return nil, "", errors.New("SHA256SUMS has no minisign signature: the release is unsigned; ask its publisher to sign it (or set insecure_skip_signature = true to install it anyway)")
	}
	return nil, "", fmt.Errorf("SHA256SUMS signature rejected: %s", strings.Join(sigErrs, "; "))
}
