package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/oci"
)

// Fetcher downloads one file into dst (which must not exist).
type Fetcher interface {
	Fetch(ctx context.Context, src, dst string) error
}

var _ Fetcher = (*getter.Getter)(nil)

// LockMode says whether Init may change the lock file.
type LockMode int

const (
	// LockUpdate writes the lock file when it changes.
	LockUpdate LockMode = iota
	// LockReadOnly fails when the lock file would change (--lockfile=readonly, CI).
	LockReadOnly
)

// CurrentPlatform is "<os>_<arch>" of this binary.
const CurrentPlatform = runtime.GOOS + "_" + runtime.GOARCH

// Request is one `argus init`.
type Request struct {
	Config  *config.Config // required
	Cache   *cache.Cache   // required
	Fetcher Fetcher        // required; used only when something is missing

	// LockPath defaults to <Config.Dir>/argus.lock.hcl.
	LockPath string
	Mode     LockMode
	// Upgrade ignores locked versions and picks the newest allowed version.
	Upgrade bool
	// AllowDowngrade lets Upgrade lock a lower version than the locked one (a narrowed
	// constraint, a yanked version); without it that is a *DowngradeError.
	AllowDowngrade bool
	// Platforms to lock in addition to the current one ("linux_amd64", …).
	Platforms []string
	// Events receives every step and warning as it happens; nil discards them.
	Events Events
	// Limits bound archive extraction; zero means the defaults.
	Limits Limits
	// Platform is the platform to install for; default CurrentPlatform.
	Platform string
	// OCI resolves and pulls CCF plugins and policy bundles; nil means OCIClient(Cache).
	OCI *oci.Client
}

// Result is what Init did.
type Result struct {
	Lock      *lockfile.Lock
	Changed   bool // the lock differs from the one read (and was written, in LockUpdate mode)
	Providers []Installed
}

// Installed is one provider after Init.
type Installed struct {
	Name       string // the provider block's name
	Source     string
	Version    string // "" for a local provider
	Dir        string // cache entry
	Entrypoint string
	Reused     bool   // found verified in the cache: nothing downloaded
	Signer     string // "" for local or unsigned providers
	// DowngradedFrom is the higher version the lock pinned before an allowed downgrade, or "".
	DowngradedFrom string
}

// Init resolves, installs and verifies every provider block of req.Config and produces the new
// lock. It writes the lock file when it changed and req.Mode allows it.
func Init(ctx context.Context, req Request) (Result, error) {
	if req.Config == nil || req.Cache == nil || req.Fetcher == nil {
		return Result{}, errors.New("install: Request needs Config, Cache and Fetcher")
	}
	if req.Platform == "" {
		req.Platform = CurrentPlatform
	}
	if req.LockPath == "" {
		req.LockPath = filepath.Join(req.Config.Dir, lockfile.FileName)
	}
	if req.Events == nil {
		req.Events = discardEvents{}
	}
	for _, p := range req.Platforms {
		if !platformRE.MatchString(p) {
			return Result{}, fmt.Errorf("platform %q is not of the form os_arch (e.g. linux_amd64)", p)
		}
	}
	old, diags := lockfile.Load(req.LockPath)
	if diags.HasErrors() {
		return Result{}, &LockReadError{Diags: diags}
	}
	in := &installer{req: req, old: old, new: lockfile.New()}
	in.new.Policies = map[string]*lockfile.Policy{}
	scratch, err := in.scratch()
	if err != nil {
		return Result{}, err
	}
	defer func() { _ = os.RemoveAll(scratch) }() // best effort: scratch is under the cache's tmp, cleared by the next run
	in.tmp = scratch
	in.prehash(ctx)

	var res Result
	var errs []error
	for _, p := range req.Config.Providers {
		inst, err := in.provider(ctx, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("provider %q (%s): %w", p.Name, p.Source, err))
			continue
		}
		res.Providers = append(res.Providers, inst)
	}
	for _, src := range policySources(req.Config) {
		if err := in.policy(ctx, src); err != nil {
			errs = append(errs, fmt.Errorf("policy bundle %s: %w", src, err))
		}
	}
	if len(errs) > 0 {
		return Result{}, &Error{Errs: errs}
	}
	if len(in.new.Policies) == 0 {
		in.new.Policies = nil
	}
	res.Lock = in.new
	res.Changed = !in.new.Equal(old)
	if !res.Changed {
		return res, nil
	}
	if req.Mode == LockReadOnly {
		return res, fmt.Errorf("%w: %s (read-only lock mode, the default when CI=true)", ErrLockChanged, describeChange(old, in.new))
	}
	if err := in.new.Write(req.LockPath); err != nil {
		return res, err
	}
	return res, nil
}

func describeChange(old, cur *lockfile.Lock) string {
	var parts []string
	for s, p := range cur.Providers {
		o, ok := old.Providers[s]
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("%s would be added", s))
		case o.Version != p.Version:
			parts = append(parts, fmt.Sprintf("%s would change from %s to %s", s, o.Version, p.Version))
		default:
			// Name only what changed, and only for the providers that did.
			var what []string
			if o.Constraints != p.Constraints {
				what = append(what, fmt.Sprintf("constraints %q to %q", o.Constraints, p.Constraints))
			}
			if o.Signer != p.Signer {
				what = append(what, fmt.Sprintf("signer %s to %s", orNone(o.Signer), orNone(p.Signer)))
			}
			for _, pl := range changedPlatforms(o.Platforms, p.Platforms) {
				what = append(what, "hashes for "+pl)
			}
			if len(what) > 0 {
				parts = append(parts, fmt.Sprintf("%s would change: %s", s, strings.Join(what, ", ")))
			}
		}
	}
	for s := range old.Providers {
		if _, ok := cur.Providers[s]; !ok {
			parts = append(parts, fmt.Sprintf("%s would be removed", s))
		}
	}
	for s, p := range cur.Policies {
		switch o := old.Policies[s]; {
		case o == nil:
			parts = append(parts, fmt.Sprintf("policy %s would be added", s))
		case *o != *p:
			parts = append(parts, fmt.Sprintf("policy %s would change", s))
		}
	}
	for s := range old.Policies {
		if _, ok := cur.Policies[s]; !ok {
			parts = append(parts, fmt.Sprintf("policy %s would be removed", s))
		}
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return "its formatting would change"
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// changedPlatforms lists the platforms whose hashes differ between old and cur (added, removed
// or changed), sorted.
func changedPlatforms(old, cur map[string][]string) []string {
	var out []string
	for pl, h := range cur {
		if !slices.Equal(old[pl], h) {
			out = append(out, pl)
		}
	}
	for pl := range old {
		if _, ok := cur[pl]; !ok {
			out = append(out, pl)
		}
	}
	slices.Sort(out)
	return out
}

type installer struct {
	req      Request
	old, new *lockfile.Lock
	tmp      string // scratch directory inside the cache for metadata and archives
	seq      int
	hashes   map[string]hashed // entry dir → its hash, computed in parallel by prehash
}

// scratch makes a directory inside the cache for downloads, so that nothing is written
// outside the cache and renames stay on one file system.
func (in *installer) scratch() (string, error) {
	root := filepath.Join(in.req.Cache.Dir, "staging")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("create cache staging directory: %w", err)
	}
	d, err := os.MkdirTemp(root, "init-*")
	if err != nil {
		return "", fmt.Errorf("create cache staging directory: %w", err)
	}
	return d, nil
}

func (in *installer) tempPath(name string) string {
	in.seq++
	return filepath.Join(in.tmp, fmt.Sprintf("%d-%s", in.seq, path.Base("/"+name)))
}

func (in *installer) event(e Event) { in.req.Events.Event(e) }

func (in *installer) provider(ctx context.Context, p config.Provider) (Installed, error) {
	switch {
	case p.IsCCFPlugin():
		return in.ccfPlugin(ctx, p)
	case p.IsLocal():
		return in.local(ctx, p)
	}
	return in.registry(ctx, p)
}
