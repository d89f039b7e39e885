package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
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
	version "github.com/hashicorp/go-version"
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
	// Platforms to lock in addition to the current one ("linux_amd64", …).
	Platforms []string
	// Progress receives one plain line per step and every warning; nil discards them.
	Progress io.Writer
	// Limits bound archive extraction; zero means the defaults.
	Limits Limits
	// Platform is the platform to install for; default CurrentPlatform.
	Platform string
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
}

// Error collects the failures of several providers.
type Error struct {
	Errs []error // one per failed provider, sorted by provider name
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e *Error) Unwrap() []error { return e.Errs }

// ErrLockChanged is wrapped by Init in LockReadOnly mode when the lock would change.
var ErrLockChanged = errors.New("the lock file would change")

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
	if req.Progress == nil {
		req.Progress = io.Discard
	}
	for _, p := range req.Platforms {
		if !platformRE.MatchString(p) {
			return Result{}, fmt.Errorf("platform %q is not of the form os_arch (e.g. linux_amd64)", p)
		}
	}
	old, diags := lockfile.Load(req.LockPath)
	if diags.HasErrors() {
		return Result{}, fmt.Errorf("read lock file: %w", diags)
	}
	in := &installer{req: req, old: old, new: lockfile.New()}
	scratch, err := in.scratch()
	if err != nil {
		return Result{}, err
	}
	defer func() { _ = os.RemoveAll(scratch) }() // best effort: scratch is under the cache's tmp, cleared by the next run
	in.tmp = scratch

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
	if len(errs) > 0 {
		return Result{}, &Error{Errs: errs}
	}
	res.Lock = in.new
	res.Changed = !in.new.Equal(old)
	if !res.Changed {
		return res, nil
	}
	if req.Mode == LockReadOnly {
		return res, fmt.Errorf("%w: %s (read-only lock mode, the default when CI=true): run \"argus init\" without --lockfile=readonly and commit %s",
			ErrLockChanged, describeChange(old, in.new), filepath.Base(req.LockPath))
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
			parts = append(parts, fmt.Sprintf("%s would change (hashes, constraints or signer)", s))
		}
	}
	for s := range old.Providers {
		if _, ok := cur.Providers[s]; !ok {
			parts = append(parts, fmt.Sprintf("%s would be removed", s))
		}
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return "its formatting would change"
	}
	return strings.Join(parts, "; ")
}

type installer struct {
	req      Request
	old, new *lockfile.Lock
	tmp      string // scratch directory inside the cache for metadata and archives
	seq      int
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

func (in *installer) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(in.req.Progress, format+"\n", args...)
}

func (in *installer) provider(ctx context.Context, p config.Provider) (Installed, error) {
	if p.IsLocal() {
		return in.local(ctx, p)
	}
	return in.registry(ctx, p)
}

// entrypointName is the executable's name inside a registry provider's archive.
func entrypointName(name, platform string) string {
	if strings.HasPrefix(platform, "windows_") {
		return "argus-provider-" + name + ".exe"
	}
	return "argus-provider-" + name
}

func (in *installer) registry(ctx context.Context, p config.Provider) (Installed, error) {
	addr, err := ParseAddress(p.Source)
	if err != nil {
		return Installed{}, err
	}
	cons, err := parseConstraint(p.Version)
	if err != nil {
		return Installed{}, err
	}
	locked := in.old.Providers[addr.String()]
	if locked != nil && !in.req.Upgrade {
		v, err := version.NewVersion(locked.Version)
		if err != nil {
			return Installed{}, fmt.Errorf("locked version %q is not a version: run \"argus init --upgrade\"", locked.Version)
		}
		if !satisfies(cons, p.Version, v) {
			return Installed{}, fmt.Errorf("locked version %s does not satisfy %q: run \"argus init --upgrade\" to choose a new version", locked.Version, p.Version)
		}
	}
	if in.req.Upgrade {
		locked = nil
	}
	if locked == nil && in.req.Mode == LockReadOnly {
		return Installed{}, fmt.Errorf("%w: the provider is not locked (read-only lock mode): run \"argus init\" and commit %s", ErrLockChanged, lockfile.FileName)
	}
	entryName := entrypointName(addr.Name, in.req.Platform)
	lp := &lockfile.Provider{Source: addr.String(), Constraints: p.Version, Platforms: map[string][]string{}}
	platforms := append([]string{in.req.Platform}, in.req.Platforms...)
	slices.Sort(platforms)
	platforms = slices.Compact(platforms)

	// The warm path: a locked version whose every wanted platform is locked and whose entry for
	// this platform verifies. No network at all.
	if locked != nil {
		key := cache.Key{Host: addr.Host, Namespace: addr.Namespace, Name: addr.Name, Version: locked.Version, Platform: in.req.Platform}
		dir, err := in.req.Cache.EntryDir(key)
		if err != nil {
			return Installed{}, err
		}
		h1 := locked.Hash(in.req.Platform, "h1")
		complete := h1 != ""
		for _, pl := range platforms {
			complete = complete && locked.Hash(pl, "zh") != "" && locked.Hash(pl, "h1") != ""
		}
		if complete && cache.VerifyInstalled(dir, h1) == nil {
			lp.Version, lp.Signer = locked.Version, locked.Signer
			for pl, hs := range locked.Platforms {
				lp.Platforms[pl] = slices.Clone(hs)
			}
			in.new.Providers[lp.Source] = lp
			if p.InsecureSkipSignature && locked.Signer == "" {
				in.logf("argus: warning: provider %q (%s) is unsigned and was installed without signature verification (insecure_skip_signature = true)", p.Name, addr)
			}
			in.logf("argus: %s %s: verified in cache", addr, locked.Version)
			return Installed{Name: p.Name, Source: addr.String(), Version: locked.Version, Dir: dir,
				Entrypoint: filepath.Join(dir, entryName), Reused: true, Signer: locked.Signer}, nil
		}
	}

	base, err := indexBase(in.req.Config, addr.Host)
	if err != nil {
		return Installed{}, err
	}
	ver := ""
	if locked != nil {
		ver = locked.Version
	} else {
		idxURL := providerURL(base, addr, "index.json")
		data, err := in.fetchSmall(ctx, idxURL)
		if err != nil {
			return Installed{}, fmt.Errorf("read provider index: %w", err)
		}
		idx, err := DecodeIndex(data)
		if err != nil {
			return Installed{}, fmt.Errorf("decode provider index %s: %w", idxURL.Redacted(), err)
		}
		if ver, err = choose(idx, p.Version); err != nil {
			return Installed{}, err
		}
	}
	relURL := providerURL(base, addr, ver+".json")
	data, err := in.fetchSmall(ctx, relURL)
	if err != nil {
		return Installed{}, fmt.Errorf("read release %s (the index lists it; is the registry incomplete?): %w", ver, err)
	}
	rel, err := DecodeRelease(data)
	if err != nil {
		return Installed{}, fmt.Errorf("decode release %s: %w", relURL.Redacted(), err)
	}
	sums, signer, err := in.verifiedSums(ctx, p, addr, relURL, rel)
	if err != nil {
		return Installed{}, fmt.Errorf("version %s: %w", ver, err)
	}
	lp.Version, lp.Signer = ver, signer

	var result Installed
	for _, pl := range platforms {
		var lockedZh, lockedH1 string
		if locked != nil {
			lockedZh, lockedH1 = locked.Hash(pl, "zh"), locked.Hash(pl, "h1")
		}
		archiveURL, zh, err := archiveFor(rel, relURL, sums, pl, lockedZh)
		if err != nil {
			return Installed{}, fmt.Errorf("version %s: %w", ver, err)
		}
		key := cache.Key{Host: addr.Host, Namespace: addr.Namespace, Name: addr.Name, Version: ver, Platform: pl}
		fill := func(ctx context.Context, dir string) error {
			return in.fetchAndExtract(ctx, archiveURL, zh, entrypointName(addr.Name, pl), dir)
		}
		if pl != in.req.Platform {
			// Another platform is only hashed, never installed: extract into scratch.
			h1, err := in.hashElsewhere(ctx, fill)
			if err != nil {
				return Installed{}, fmt.Errorf("version %s (%s): %w", ver, pl, err)
			}
			if lockedH1 != "" && h1 != lockedH1 {
				return Installed{}, fmt.Errorf("version %s (%s): archive hashes to %s, the lock file says %s", ver, pl, h1, lockedH1)
			}
			lp.Platforms[pl] = []string{h1, zh}
			continue
		}
		in.logf("argus: %s %s (%s): downloading %s", addr, ver, pl, archiveURL.Redacted())
		entry, err := in.req.Cache.Install(ctx, key, lockedH1, fill)
		if err != nil {
			return Installed{}, fmt.Errorf("version %s: %w", ver, err)
		}
		if want := indexHash(rel.Archives[pl].Hashes, "h1"); want != "" && want != entry.H1 {
			return Installed{}, fmt.Errorf("version %s: installed tree hashes to %s, the index says %s", ver, entry.H1, want)
		}
		lp.Platforms[pl] = []string{entry.H1, zh}
		result = Installed{Name: p.Name, Source: addr.String(), Version: ver, Dir: entry.Dir,
			Entrypoint: filepath.Join(entry.Dir, entrypointName(addr.Name, pl)), Reused: entry.Reused, Signer: signer}
	}
	// Platforms locked before and not asked for this time stay locked, as long as the version
	// did not change.
	if locked != nil && locked.Version == ver {
		for pl, hs := range locked.Platforms {
			if _, ok := lp.Platforms[pl]; !ok {
				lp.Platforms[pl] = slices.Clone(hs)
			}
		}
	}
	in.new.Providers[lp.Source] = lp
	in.logf("argus: %s %s: installed and verified", addr, ver)
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
		return nil, "", fmt.Errorf("archive %q: the registry now publishes %s, the lock file says %s: the release was changed after it was locked; do not use it (or run \"argus init --upgrade\" if the change is known and trusted)", file, zh, lockedZh)
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
		in.logf("argus: warning: provider %q (%s): signature NOT verified (insecure_skip_signature = true); anyone who can change the registry can run code here", p.Name, addr)
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

// fetchSmall fetches a JSON, SHA256SUMS or signature file into scratch and reads it.
func (in *installer) fetchSmall(ctx context.Context, u *url.URL) ([]byte, error) {
	dst := in.tempPath(path.Base(u.Path))
	if err := in.req.Fetcher.Fetch(ctx, u.String(), dst); err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(dst) }() // best effort: scratch is cleared by the next run
	fi, err := os.Stat(dst)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxJSONSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", u.Redacted(), maxJSONSize)
	}
	return os.ReadFile(dst) //nolint:gosec // G304: dst is the scratch file argus just downloaded
}

// fetchAndExtract downloads an archive, checks its sha256 against zh and extracts it into dir.
func (in *installer) fetchAndExtract(ctx context.Context, u *url.URL, zh, entry, dir string) error {
	format, err := archiveFormat(path.Base(u.Path))
	if err != nil {
		return err
	}
	archive := in.tempPath(path.Base(u.Path))
	defer func() { _ = os.Remove(archive) }() // best effort: scratch is cleared by the next run
	if err := in.req.Fetcher.Fetch(ctx, u.String(), archive); err != nil {
		return err
	}
	got, err := fileSHA256(archive)
	if err != nil {
		return err
	}
	if got != zh {
		return fmt.Errorf("archive %s has sha256 %s, but the signed SHA256SUMS says %s: it was altered or damaged in transit", u.Redacted(), got, zh)
	}
	if err := extract(ctx, archive, format, dir, in.req.Limits); err != nil {
		// Name the archive as the user knows it, not by its scratch path.
		var ae *ArchiveError
		if errors.As(err, &ae) {
			ae.Archive = u.Redacted()
		}
		return err
	}
	return checkEntrypoint(dir, entry)
}

// checkEntrypoint makes sure the executable is at the root and executable.
func checkEntrypoint(dir, entry string) error {
	p := filepath.Join(dir, entry)
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("archive has no executable %q at its root", entry)
	}
	if err := os.Chmod(p, 0o755); err != nil { //nolint:gosec // G302: the provider entry point must be executable
		return fmt.Errorf("make %q executable: %w", p, err)
	}
	return nil
}

// hashElsewhere fills a scratch directory and hashes it, for platforms that are locked but
// not installed here.
func (in *installer) hashElsewhere(ctx context.Context, fill cache.Filler) (string, error) {
	dir, err := os.MkdirTemp(in.tmp, "platform-*")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(dir) }() // best effort: scratch is cleared by the next run
	if err := fill(ctx, dir); err != nil {
		return "", err
	}
	return cache.Hash(dir)
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p) //nolint:gosec // G304: p is a file argus downloaded or was told to pin
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read-only
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %q: %w", p, err)
	}
	return "zh:" + hex.EncodeToString(h.Sum(nil)), nil
}
