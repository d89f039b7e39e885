package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/oci"
)

// The CCF plugin step of Init: Compliance Framework plugins from OCI registries, local OCI
// layouts or local paths, and the policy bundles their jobs name. An OCI artifact is pinned by
// its index digest and, per platform, its manifest digest and the h1 hash of its extracted
// tree; it lives in the cache's content-addressed OCI store (<cache>/oci), which internal/oci
// owns. A local plugin or policy is copied into the cache like a local provider and pinned by
// its tree hash.

// OCIClient is the client that reads and fills the OCI store of cache c, with no credentials
// beyond the Docker config file's. Init uses it when Request.OCI is nil; assess uses it to look
// up verified entries.
func OCIClient(c *cache.Cache) *oci.Client {
	return &oci.Client{CacheDir: filepath.Join(c.Dir, "oci"), UserAgent: "argus"}
}

func (in *installer) oci() *oci.Client {
	if in.req.OCI == nil {
		in.req.OCI = OCIClient(in.req.Cache)
	}
	return in.req.OCI
}

// ccfPlugin installs one CCF plugin provider block.
func (in *installer) ccfPlugin(ctx context.Context, p config.Provider) (Installed, error) {
	if p.IsLocal() {
		return in.localPlugin(ctx, p)
	}
	ref, err := oci.ParseReference(p.Source)
	if err != nil {
		return Installed{}, err
	}
	ref = ref.InDir(in.req.Config.Dir)
	old := in.old.Providers[p.Source]
	platforms := in.platforms()
	if lp, entry, ok := in.warmPlugin(p, ref, old, platforms); ok {
		in.new.Providers[p.Source] = lp
		in.event(Event{Kind: EventVerifiedInCache, Provider: p.Name, Source: p.Source, Version: lp.Index, Platform: in.req.Platform})
		return Installed{Name: p.Name, Source: p.Source, Version: lp.Index, Dir: entry.Dir, Entrypoint: entry.Path(oci.KindPlugin), Reused: true}, nil
	}
	host, err := oci.ParsePlatform(in.req.Platform)
	if err != nil {
		return Installed{}, err
	}
	res, err := in.oci().Resolve(ctx, ref, &host)
	if err != nil {
		return Installed{}, err
	}
	var oldIndex string
	if old != nil {
		oldIndex = old.Index
	}
	if err := in.checkMoved(p.Name, p.Source, res, oldIndex); err != nil {
		return Installed{}, err
	}
	lp := &lockfile.Provider{
		Source: p.Source, Kind: lockfile.KindCCFPlugin, Index: res.Index.String(),
		ProtocolVersion: in.protocol(p, res),
		Platforms:       map[string][]string{}, Manifests: map[string]string{},
	}
	// Platforms locked before (by providers lock --platform) stay locked: as they are when the
	// index is the same, pulled again from the new index when the tag moved.
	if old != nil && old.IsOCI() {
		for pl := range old.Manifests {
			if slices.Contains(platforms, pl) {
				continue
			}
			if old.Index == res.Index.String() {
				lp.Manifests[pl], lp.Platforms[pl] = old.Manifests[pl], slices.Clone(old.Platforms[pl])
			} else {
				platforms = append(platforms, pl)
			}
		}
	}
	var current *oci.Entry
	for _, platform := range platforms {
		desc := res.Manifest
		if platform != in.req.Platform {
			pl, err := oci.ParsePlatform(platform)
			if err != nil {
				return Installed{}, err
			}
			if desc, err = res.ForPlatform(&pl); err != nil {
				return Installed{}, err
			}
		}
		req := oci.PullRequest{Ref: ref, Manifest: desc.Digest, MediaType: desc.MediaType, Size: desc.Size, Kind: oci.KindPlugin}
		if old != nil && old.Manifests[platform] == desc.Digest.String() {
			req.TreeHash = old.Hash(platform, "h1")
		}
		in.event(Event{Kind: EventDownloading, Provider: p.Name, Source: p.Source, Version: desc.Digest.String(), Platform: platform, URL: ref.String()})
		e, err := in.oci().Pull(ctx, req)
		if err != nil {
			return Installed{}, err
		}
		lp.Manifests[platform] = desc.Digest.String()
		lp.Platforms[platform] = []string{e.TreeHash}
		if platform == in.req.Platform {
			current = e
		}
	}
	in.new.Providers[p.Source] = lp
	in.event(Event{Kind: EventInstalled, Provider: p.Name, Source: p.Source, Version: lp.Index})
	return Installed{Name: p.Name, Source: p.Source, Version: lp.Index, Dir: current.Dir, Entrypoint: current.Path(oci.KindPlugin), Reused: current.Reused}, nil
}

// warmPlugin is the warm path: the lock pins the plugin for every platform wanted and the
// current platform's tree is in the cache and verifies. Then nothing is requested.
func (in *installer) warmPlugin(p config.Provider, ref oci.Reference, old *lockfile.Provider, platforms []string) (*lockfile.Provider, *oci.Entry, bool) {
	if in.req.Upgrade || old == nil || !old.IsOCI() || old.Kind != lockfile.KindCCFPlugin {
		return nil, nil, false
	}
	if ref.Digest != "" && ref.Digest.String() != old.Index && ref.Digest.String() != old.Manifests[in.req.Platform] {
		return nil, nil, false // the reference names another artifact than the lock
	}
	if p.ProtocolVersion != 0 && p.ProtocolVersion != old.ProtocolVersion {
		return nil, nil, false
	}
	for _, pl := range platforms {
		if old.Manifests[pl] == "" || old.Hash(pl, "h1") == "" {
			return nil, nil, false
		}
	}
	d, err := digest.Parse(old.Manifests[in.req.Platform])
	if err != nil {
		return nil, nil, false
	}
	e, err := in.oci().Lookup(d, old.Hash(in.req.Platform, "h1"), oci.KindPlugin)
	if err != nil {
		return nil, nil, false
	}
	lp := *old
	lp.Platforms, lp.Manifests = map[string][]string{}, map[string]string{}
	for pl := range old.Manifests { // every platform locked stays, as for argus providers
		lp.Platforms[pl] = slices.Clone(old.Platforms[pl])
		lp.Manifests[pl] = old.Manifests[pl]
	}
	return &lp, e, true
}

// checkMoved compares what a reference names now with what the lock pins. A moved tag is an
// error in read-only mode; otherwise the new artifact is locked, with a warning. --upgrade
// accepts it silently: re-resolving is what it asks for.
func (in *installer) checkMoved(name, source string, res *oci.Resolved, oldIndex string) error {
	if in.req.Upgrade || oldIndex == "" {
		return nil
	}
	d, err := digest.Parse(oldIndex)
	if err != nil {
		return nil //nolint:nilerr // a lock entry whose digest does not parse is replaced, not trusted
	}
	err = res.CheckLocked(d)
	var moved *oci.MovedError
	if !errors.As(err, &moved) {
		return err
	}
	if in.req.Mode == LockReadOnly {
		return fmt.Errorf("%w (%w: read-only lock mode, the default when CI=true)", err, ErrLockChanged)
	}
	in.event(Event{Kind: EventTagMoved, Provider: name, Source: source, OldHash: moved.Locked, NewHash: moved.Now})
	return nil
}

// protocol is the plugin's CCF protocol version: the provider block's, else the index
// annotation's, else 1.
func (in *installer) protocol(p config.Provider, res *oci.Resolved) int {
	if p.ProtocolVersion != 0 {
		return p.ProtocolVersion
	}
	v, err := res.ProtocolVersion()
	if err != nil {
		in.event(Event{Kind: EventProtocolAnnotation, Provider: p.Name, Source: p.Source, Detail: err.Error()})
	}
	if v == 0 {
		return 1
	}
	return v
}

// localPlugin copies a local CCF plugin (an executable file, or a directory with an executable
// "plugin" at its root) into the cache and pins its tree hash.
func (in *installer) localPlugin(ctx context.Context, p config.Provider) (Installed, error) {
	src := p.LocalPath
	if src == "" {
		src = filepath.Join(in.req.Config.Dir, filepath.FromSlash(p.Source))
	}
	e, err := in.copyLocal(ctx, src, oci.PluginFile, "local plugin")
	if err != nil {
		return Installed{}, err
	}
	if err := checkEntrypoint(e.Dir, oci.PluginFile); err != nil {
		return Installed{}, fmt.Errorf("local CCF plugin %q: %w", src, err)
	}
	if old := in.old.Providers[p.Source]; old != nil && old.Hash(lockfile.LocalPlatform, "h1") != e.H1 {
		in.event(Event{Kind: EventLocalChanged, Provider: p.Name, Source: p.Source, OldHash: old.Hash(lockfile.LocalPlatform, "h1"), NewHash: e.H1})
	}
	in.new.Providers[p.Source] = &lockfile.Provider{
		Source: p.Source, Kind: lockfile.KindCCFPlugin, ProtocolVersion: max(p.ProtocolVersion, 1),
		Platforms: map[string][]string{lockfile.LocalPlatform: {e.H1}},
	}
	in.event(Event{Kind: EventLocalCopied, Provider: p.Name, Source: p.Source})
	return Installed{Name: p.Name, Source: p.Source, Dir: e.Dir, Entrypoint: filepath.Join(e.Dir, oci.PluginFile), Reused: e.Reused}, nil
}

// copyLocal copies a local file (under the name file) or directory tree into the cache.
func (in *installer) copyLocal(ctx context.Context, src, file, what string) (cache.Entry, error) {
	fi, err := os.Lstat(src)
	if err != nil {
		return cache.Entry{}, fmt.Errorf("read %s: %w", what, err)
	}
	lim := in.req.Limits.withDefaults()
	return in.req.Cache.InstallLocal(ctx, func(ctx context.Context, dir string) error {
		switch {
		case fi.Mode().IsRegular():
			return copyFile(src, filepath.Join(dir, file), fi.Mode(), lim.MaxBytes)
		case fi.IsDir():
			return copyTree(ctx, src, dir, lim)
		default:
			return fmt.Errorf("%s %q is neither a regular file nor a directory (symlinks are not followed)", what, src)
		}
	})
}

// policySources are the distinct policy sources of the configuration's CCF plugin jobs and
// providers, in a stable order.
func policySources(cfg *config.Config) []string {
	var out []string
	add := func(list []string) {
		for _, s := range list {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	for _, p := range cfg.Providers {
		if p.IsCCFPlugin() {
			add(p.Policies)
		}
	}
	for _, j := range cfg.Jobs {
		add(j.Policies)
	}
	slices.Sort(out)
	return out
}

// policy installs one policy bundle and pins it.
func (in *installer) policy(ctx context.Context, source string) error {
	old := in.old.Policies[source]
	if !config.IsOCIPolicy(source) {
		src := LocalPolicyPath(in.req.Config.Dir, source)
		e, err := in.copyLocal(ctx, src, filepath.Base(src), "local policy bundle")
		if err != nil {
			return err
		}
		if old != nil && old.Hash != e.H1 {
			in.event(Event{Kind: EventLocalChanged, Source: source, OldHash: old.Hash, NewHash: e.H1})
		}
		in.new.Policies[source] = &lockfile.Policy{Source: source, Hash: e.H1}
		in.event(Event{Kind: EventLocalCopied, Source: source})
		return nil
	}
	ref, err := oci.ParseReference(source)
	if err != nil {
		return err
	}
	ref = ref.InDir(in.req.Config.Dir)
	if !in.req.Upgrade && old != nil && old.Manifest != "" && (ref.Digest == "" || ref.Digest.String() == old.Index || ref.Digest.String() == old.Manifest) {
		if d, err := digest.Parse(old.Manifest); err == nil {
			if _, err := in.oci().Lookup(d, old.Hash, oci.KindPolicy); err == nil {
				c := *old
				in.new.Policies[source] = &c
				in.event(Event{Kind: EventVerifiedInCache, Source: source, Version: old.Index})
				return nil
			}
		}
	}
	res, err := in.oci().Resolve(ctx, ref, nil)
	if err != nil {
		return err
	}
	var oldIndex string
	if old != nil {
		oldIndex = old.Index
	}
	if err := in.checkMoved("", source, res, oldIndex); err != nil {
		return err
	}
	treeHash := ""
	if old != nil && old.Manifest == res.Manifest.Digest.String() {
		treeHash = old.Hash
	}
	in.event(Event{Kind: EventDownloading, Source: source, Version: res.Manifest.Digest.String(), URL: ref.String()})
	e, err := in.oci().Pull(ctx, res.PullRequest(oci.KindPolicy, treeHash))
	if err != nil {
		return err
	}
	in.new.Policies[source] = &lockfile.Policy{Source: source, Index: res.Index.String(), Manifest: e.Manifest.String(), Hash: e.TreeHash}
	in.event(Event{Kind: EventInstalled, Source: source, Version: res.Index.String()})
	return nil
}

// LocalPolicyPath is where a local policy source is: relative sources are relative to the
// configuration's directory (the agent had them relative to its working directory).
func LocalPolicyPath(configDir, source string) string {
	if filepath.IsAbs(source) {
		return filepath.Clean(source)
	}
	return filepath.Join(configDir, filepath.FromSlash(strings.TrimPrefix(source, "./")))
}

// Plugin is a CCF plugin provider as assess runs it, after its cache entry was re-verified.
type Plugin struct {
	Name, Source string
	Executable   string // the verified "plugin" file in the cache
	Protocol     int    // the CCF protocol version the lock records (1 or 2)
}

// LookupPlugin re-verifies the cache entry the lock pins for CCF plugin block name, without
// any request, and returns its executable.
func LookupPlugin(c *cache.Cache, cfg *config.Config, lock *lockfile.Lock, name string) (Plugin, error) {
	p, err := findProvider(cfg, name)
	if err != nil {
		return Plugin{}, err
	}
	notInstalled := func(format string, a ...any) error {
		return &NotInstalledError{Provider: name, Err: fmt.Errorf("CCF plugin %q (%s): "+format, append([]any{name, p.Source}, a...)...)}
	}
	lp := lock.Providers[p.Source]
	if lp == nil || lp.Kind != lockfile.KindCCFPlugin {
		return Plugin{}, notInstalled("is not in %s", lockfile.FileName)
	}
	out := Plugin{Name: name, Source: p.Source, Protocol: max(lp.ProtocolVersion, 1)}
	if p.ProtocolVersion != 0 && p.ProtocolVersion != lp.ProtocolVersion {
		return Plugin{}, notInstalled("the lock file records protocol version %d, the provider block says %d", lp.ProtocolVersion, p.ProtocolVersion)
	}
	if p.IsLocal() {
		h1 := lp.Hash(lockfile.LocalPlatform, "h1")
		dir, err := c.LocalDir(h1)
		if err == nil {
			err = cache.VerifyInstalled(dir, h1)
		}
		if err != nil {
			return Plugin{}, notInstalled("%w", err)
		}
		out.Executable = filepath.Join(dir, oci.PluginFile)
		return out, nil
	}
	d, err := digest.Parse(lp.Manifests[CurrentPlatform])
	if err != nil {
		return Plugin{}, notInstalled("has no manifest for %s in %s", CurrentPlatform, lockfile.FileName)
	}
	if ref, err := oci.ParseReference(p.Source); err == nil && ref.Digest != "" && ref.Digest.String() != lp.Index && ref.Digest != d {
		return Plugin{}, notInstalled("the lock file pins %s, the source names %s", lp.Index, ref.Digest)
	}
	e, err := OCIClient(c).Lookup(d, lp.Hash(CurrentPlatform, "h1"), oci.KindPlugin)
	if err != nil {
		return Plugin{}, notInstalled("%w", err)
	}
	out.Executable = e.Path(oci.KindPlugin)
	return out, nil
}

// PolicyEntry is a policy bundle as assess hands it to a plugin, after its cache entry was
// re-verified.
type PolicyEntry struct {
	Source string
	// Dir is the verified tree: an OCI bundle's extraction (.manifest, data.json, policies/),
	// or the copy of a local directory or of a local file.
	Dir string
	// File is the name of a local file source (a .tar.gz bundle) in Dir; "" otherwise.
	File string
}

// LookupPolicy re-verifies the cache entry the lock pins for a policy source, without any
// request.
func LookupPolicy(c *cache.Cache, cfg *config.Config, lock *lockfile.Lock, source string) (PolicyEntry, error) {
	notInstalled := func(format string, a ...any) error {
		return &NotInstalledError{Err: fmt.Errorf("policy bundle %s: "+format, append([]any{source}, a...)...)}
	}
	lp := lock.Policies[source]
	if lp == nil {
		return PolicyEntry{}, notInstalled("is not in %s", lockfile.FileName)
	}
	if lp.Manifest == "" {
		dir, err := c.LocalDir(lp.Hash)
		if err == nil {
			err = cache.VerifyInstalled(dir, lp.Hash)
		}
		if err != nil {
			return PolicyEntry{}, notInstalled("%w", err)
		}
		e := PolicyEntry{Source: source, Dir: dir}
		if fi, err := os.Stat(LocalPolicyPath(cfg.Dir, source)); err == nil && fi.Mode().IsRegular() || err != nil && strings.HasSuffix(source, ".tar.gz") {
			e.File = filepath.Base(LocalPolicyPath(cfg.Dir, source))
		}
		return e, nil
	}
	d, err := digest.Parse(lp.Manifest)
	if err != nil {
		return PolicyEntry{}, notInstalled("manifest %q in %s: %w", lp.Manifest, lockfile.FileName, err)
	}
	e, err := OCIClient(c).Lookup(d, lp.Hash, oci.KindPolicy)
	if err != nil {
		return PolicyEntry{}, notInstalled("%w", err)
	}
	return PolicyEntry{Source: source, Dir: e.Dir}, nil
}

// memo computes a value once per key; it is safe for concurrent use.
type memo[T any] struct {
	mu   sync.Mutex
	done map[string]*memoEntry[T]
}

type memoEntry[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(key string, f func() (T, error)) (T, error) {
	m.mu.Lock()
	if m.done == nil {
		m.done = map[string]*memoEntry[T]{}
	}
	e := m.done[key]
	if e == nil {
		e = &memoEntry[T]{}
		m.done[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v, e.err = f() })
	return e.v, e.err
}

// Plugin is LookupPlugin, computed once per provider name.
func (v *Verifier) Plugin(name string) (Plugin, error) {
	return v.plugins.get(name, func() (Plugin, error) { return LookupPlugin(v.Cache, v.Config, v.Lock, name) })
}

// Policy is LookupPolicy, computed once per source.
func (v *Verifier) Policy(source string) (PolicyEntry, error) {
	return v.policies.get(source, func() (PolicyEntry, error) { return LookupPolicy(v.Cache, v.Config, v.Lock, source) })
}
