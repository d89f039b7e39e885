package install

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	version "github.com/hashicorp/go-version"
)

// LockPlatforms is `argus providers lock --platform …`: Init with more platforms locked.
func LockPlatforms(ctx context.Context, req Request, platforms []string) (Result, error) {
	req.Platforms = append(slices.Clone(req.Platforms), platforms...)
	return Init(ctx, req)
}

// entry finds the cache entry and h1 hash that the lock pins for provider block p, without
// touching the file system.
func entry(c *cache.Cache, p config.Provider, lock *lockfile.Lock, platform string) (dir, h1 string, err error) {
	if p.IsLocal() {
		lp := lock.Providers[p.Source]
		if lp == nil || lp.Hash(lockfile.LocalPlatform, "h1") == "" {
			return "", "", &NotInstalledError{Provider: p.Name, Err: fmt.Errorf("local provider %q (%s) is not in %s", p.Name, p.Source, lockfile.FileName)}
		}
		h1 = lp.Hash(lockfile.LocalPlatform, "h1")
		dir, err = c.LocalDir(h1)
		return dir, h1, err
	}
	addr, err := ParseAddress(p.Source)
	if err != nil {
		return "", "", err
	}
	lp := lock.Providers[addr.String()]
	if lp == nil {
		return "", "", &NotInstalledError{Provider: p.Name, Err: fmt.Errorf("provider %q (%s) is not in %s", p.Name, addr, lockfile.FileName)}
	}
	if p.Version != "" {
		cons, err := parseConstraint(p.Version)
		if err != nil {
			return "", "", err
		}
		v, err := version.NewVersion(lp.Version)
		if err != nil || !satisfies(cons, p.Version, v) {
			// Reported as a mismatch even when the locked version does not parse, as before.
			return "", "", fmt.Errorf("provider %q: %w", p.Name, &LockMismatchError{Locked: lp.Version, Constraint: p.Version})
		}
	}
	h1 = lp.Hash(platform, "h1")
	if h1 == "" {
		return "", "", &NotInstalledError{Provider: p.Name, Err: fmt.Errorf("provider %q (%s %s) has no hash for %s in %s", p.Name, addr, lp.Version, platform, lockfile.FileName)}
	}
	dir, err = c.EntryDir(cache.Key{Host: addr.Host, Namespace: addr.Namespace, Name: addr.Name, Version: lp.Version, Platform: platform}, h1)
	return dir, h1, err
}

func findProvider(cfg *config.Config, name string) (config.Provider, error) {
	for _, p := range cfg.Providers {
		if p.Name == name {
			return p, nil
		}
	}
	return config.Provider{}, fmt.Errorf("no provider block named %q", name)
}

// Lookup returns the executable of provider block name after re-verifying the installed tree
// against the lock (cache.Verify: a full re-hash unless a valid verification record says the
// files are unchanged since they last hashed to it). A missing, unlocked or modified provider is a
// *NotInstalledError; a locked version its block no longer allows, a *LockMismatchError. assess should call it once per provider per invocation (see
// Verifier), before the provider's first job.
func Lookup(c *cache.Cache, cfg *config.Config, lock *lockfile.Lock, name string) (string, error) {
	p, err := findProvider(cfg, name)
	if err != nil {
		return "", err
	}
	if p.IsCCFPlugin() {
		pl, err := LookupPlugin(c, cfg, lock, name)
		return pl.Executable, err
	}
	dir, h1, err := entry(c, p, lock, CurrentPlatform)
	if err != nil {
		return "", err
	}
	if err := c.Verify(dir, h1); err != nil {
		return "", &NotInstalledError{Provider: name, Err: fmt.Errorf("provider %q: %w", name, err)}
	}
	if p.IsLocal() {
		e, err := findEntrypoint(dir)
		if err != nil {
			return "", fmt.Errorf("provider %q: %w", name, err)
		}
		return filepath.Join(dir, e), nil
	}
	addr, _ := ParseAddress(p.Source)
	return filepath.Join(dir, entrypointName(addr.Name, CurrentPlatform)), nil
}

// Verifier memoises Lookup for one invocation, so each provider is hashed once however many
// jobs use it. It is safe for concurrent use.
type Verifier struct {
	Cache  *cache.Cache   // required
	Config *config.Config // required
	Lock   *lockfile.Lock // required

	mu   sync.Mutex
	done map[string]*lookupResult

	plugins  memo[Plugin]
	policies memo[PolicyEntry]
}

type lookupResult struct {
	once  sync.Once
	entry string
	err   error
}

// Entrypoint is Lookup, computed once per provider name.
func (v *Verifier) Entrypoint(name string) (string, error) {
	v.mu.Lock()
	if v.done == nil {
		v.done = map[string]*lookupResult{}
	}
	r := v.done[name]
	if r == nil {
		r = &lookupResult{}
		v.done[name] = r
	}
	v.mu.Unlock()
	r.once.Do(func() { r.entry, r.err = Lookup(v.Cache, v.Config, v.Lock, name) })
	return r.entry, r.err
}

// Status is one provider as `argus providers list` shows it.
type Status struct {
	Name, Source, Version string
	Dir                   string
	Entrypoint            string
	Err                   error // nil when installed and verified
}

// List reports every provider block: where it is installed and whether it verifies.
func List(c *cache.Cache, cfg *config.Config, lock *lockfile.Lock) []Status {
	out := make([]Status, 0, len(cfg.Providers))
	for _, p := range cfg.Providers {
		s := Status{Name: p.Name, Source: p.Source}
		if lp := lock.Providers[p.Source]; lp != nil {
			s.Version = lp.Version
		}
		s.Dir, _, _ = entry(c, p, lock, CurrentPlatform)
		s.Entrypoint, s.Err = Lookup(c, cfg, lock, p.Name)
		out = append(out, s)
	}
	return out
}
