// Package remoteconfig makes a remote --config address (DESIGN "Configuration") a local path:
// it fetches the address into <dir>/remote-config/<sha256(address)[:16]>/, replacing the last
// good copy only when a fetch succeeds completely, and falls back on that copy, with a warning,
// when the source cannot be reached.
//
// Supported addresses (anything else is an error that says so):
//
//   - https://host/path/name.hcl: one HCL file (http:// only to a loopback host, for tests).
//     The name must end in .hcl. Archives are not unpacked: for a directory of files, use git.
//   - git::https://host/org/repo.git[//sub/dir][?ref=REF]: a directory (or one .hcl file) of a
//     git repository at a branch, tag or commit (default: the remote's default branch). Only
//     ref is accepted as a query parameter. Needs the git program.
//
// An address is remote when it contains "::" or starts with https:// or http://; anything else
// is a local path and is returned unchanged. Paths inside the configuration (a local provider's
// source, file()) resolve inside the fetched copy, as they would in a checkout.
//
// It is not responsible for downloading (package getter) or for reading the configuration
// (package config).
package remoteconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/flock"
)

// MaxFileSize is the largest configuration file a fetch accepts: the loader's own limit.
// Pass it to the Fetcher (getter.Options.MaxBytes) so that a larger download stops early;
// Resolve checks every fetched .hcl file against it either way.
const MaxFileSize = config.MaxFileSize

// DefaultLockWait bounds the wait for another argus fetching the same address when Options
// is nil: the default of --lock-timeout.
const DefaultLockWait = 30 * time.Second

// Options are the optional inputs of Resolve; nil means defaults.
type Options struct {
	// LockWait bounds the wait for another argus fetching the same address (--lock-timeout);
	// zero or less tries once.
	LockWait time.Duration
}

// Fetcher downloads. *getter.Getter implements it.
type Fetcher interface {
	// Fetch downloads one file from src into the file dst, which does not exist yet.
	Fetch(ctx context.Context, src, dst string) error
	// FetchGit checks out ref of the repository into the directory dst, which does not exist yet.
	FetchGit(ctx context.Context, repo, ref, dst string) error
}

// Kind is the form of a remote address.
type Kind string

// The supported kinds.
const (
	KindHTTP Kind = "https"
	KindGit  Kind = "git"
)

// Address is a parsed remote address.
type Address struct {
	Kind Kind
	// URL is what is fetched: the file's URL, or the repository's (without subdir and ref).
	URL string
	// Ref is the git ref; empty for the default branch.
	Ref string
	// Path is what the configuration is inside the fetched tree: the file name for KindHTTP,
	// the subdirectory (or file) for KindGit, "" for the whole repository.
	Path string
}

// IsRemote reports whether addr is to be fetched rather than read from disk.
func IsRemote(addr string) bool {
	return strings.Contains(addr, "::") || strings.HasPrefix(addr, "https://") || strings.HasPrefix(addr, "http://")
}

// Parse checks a remote address and splits it.
func Parse(addr string) (Address, error) {
	forced, rest, hasForced := strings.Cut(addr, "::")
	if !hasForced {
		forced, rest = "", addr
	}
	switch forced {
	case "":
		u, err := url.Parse(rest)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Address{}, fmt.Errorf("--config %q: not an https:// URL", addr)
		}
		name := path.Base(u.Path)
		if !strings.HasSuffix(name, ".hcl") {
			return Address{}, fmt.Errorf("--config %q: an https:// address must name one .hcl file (archives are not unpacked; for a directory use git::https://host/repo.git//dir?ref=TAG)", addr)
		}
		return Address{Kind: KindHTTP, URL: rest, Path: name}, nil
	case "git":
		u, err := url.Parse(rest)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return Address{}, fmt.Errorf("--config %q: git:: addresses must be git::https://host/repo.git[//dir][?ref=REF] (ssh and scp-like addresses are not supported)", addr)
		}
		q := u.Query()
		ref := q.Get("ref")
		q.Del("ref")
		if len(q) > 0 || u.Fragment != "" {
			return Address{}, fmt.Errorf("--config %q: only the ref query parameter is supported", addr)
		}
		repoPath, sub, _ := strings.Cut(u.Path, "//")
		sub = strings.Trim(sub, "/")
		if sub != "" {
			clean := path.Clean(sub)
			if clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
				return Address{}, fmt.Errorf("--config %q: the subdirectory %q leaves the repository", addr, sub)
			}
			sub = clean
		}
		repo := *u
		repo.Path, repo.RawPath, repo.RawQuery = repoPath, "", ""
		return Address{Kind: KindGit, URL: repo.String(), Ref: ref, Path: sub}, nil
	}
	return Address{}, fmt.Errorf("--config %q: %q addresses are not supported by this argus (use https://…/file.hcl or git::https://…)", addr, forced+"::")
}

// meta is kept next to a fetched copy.
type meta struct {
	Address string    `json:"address"`
	Fetched time.Time `json:"fetched"`
}

const (
	metaFile = "source.json"
	srcDir   = "src"
)

// Resolve returns the local path of the configuration at addr. A local path is returned as it
// is. A remote address is fetched into dir/remote-config; when that fails and an earlier copy
// exists, Resolve returns the copy's path with a warning (non-nil) and no error. A fetch that
// would wait longer than opts.LockWait for another argus fetching the same address fails with
// an error wrapping *flock.HeldError (no fallback: the other process is replacing the copy).
func Resolve(ctx context.Context, addr, dir string, fetch Fetcher, opts *Options) (localPath string, warning error, err error) {
	if !IsRemote(addr) {
		return addr, nil, nil
	}
	a, err := Parse(addr)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256([]byte(addr))
	key := hex.EncodeToString(sum[:])[:16]
	root := filepath.Join(dir, "remote-config")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", nil, fmt.Errorf("remote configuration %s: create %s: %w", addr, root, err)
	}
	// One fetch at a time per address: concurrent runs would otherwise swap copies under each
	// other. The wait is bounded like the state lock's, so a stalled fetch elsewhere cannot
	// hold this run for as long as that fetch takes.
	wait := DefaultLockWait
	if opts != nil {
		wait = max(opts.LockWait, 0)
	}
	lockCtx, cancel := context.WithTimeout(ctx, wait)
	lock, err := flock.Acquire(lockCtx, filepath.Join(root, key+".lock"), flock.Describe("argus: fetch "+redact(addr), time.Now()))
	cancel()
	if err != nil {
		return "", nil, fmt.Errorf("remote configuration %s: %w", redact(addr), err)
	}
	// A failed unlock or close changes nothing for this run's copy, and the kernel drops the
	// lock when argus exits.
	defer func() { _ = lock.Release() }()

	final := filepath.Join(root, key)
	old := filepath.Join(root, "."+key+".old")
	// A crash between the two renames of a swap leaves the last good copy under old.
	if _, err := os.Stat(final); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(old); err == nil {
			_ = os.Rename(old, final)
		}
	}
	_ = os.RemoveAll(old)
	local := filepath.Join(final, srcDir, filepath.FromSlash(a.Path))

	fetchErr := fetchInto(ctx, fetch, a, addr, root, key, final, old)
	if fetchErr == nil {
		return local, nil, nil
	}
	m, merr := readMeta(final)
	if merr != nil {
		return "", nil, fmt.Errorf("%w (and there is no earlier copy to fall back on: check the address and that this machine can reach it, or pass a local path to --config)", fetchErr)
	}
	return local, fmt.Errorf("%w; using the last good copy, fetched %s", fetchErr, m.Fetched.UTC().Format(time.RFC3339)), nil
}

// fetchInto fetches into a staging directory and swaps it in place of final on success.
func fetchInto(ctx context.Context, f Fetcher, a Address, addr, root, key, final, old string) error {
	stage, err := os.MkdirTemp(root, "."+key+".stage-")
	if err != nil {
		return fmt.Errorf("remote configuration %s: %w", redact(addr), err)
	}
	defer func() { _ = os.RemoveAll(stage) }() // gone after a successful rename; otherwise best effort on the leftovers
	src := filepath.Join(stage, srcDir)
	switch a.Kind {
	case KindHTTP:
		if err = os.Mkdir(src, 0o700); err == nil {
			err = f.Fetch(ctx, a.URL, filepath.Join(src, a.Path))
		}
	case KindGit:
		err = f.FetchGit(ctx, a.URL, a.Ref, src)
	}
	if err != nil {
		return fmt.Errorf("fetch configuration %s: %w", redact(addr), err)
	}
	if _, err := os.Stat(filepath.Join(src, filepath.FromSlash(a.Path))); err != nil {
		return fmt.Errorf("fetch configuration %s: %q is not in what was fetched", redact(addr), a.Path)
	}
	if err := checkSizes(filepath.Join(src, filepath.FromSlash(a.Path))); err != nil {
		return fmt.Errorf("fetch configuration %s: %w", redact(addr), err)
	}
	b, _ := json.Marshal(meta{Address: redact(addr), Fetched: time.Now().UTC()})
	if err := atomicfile.WriteFile(filepath.Join(stage, metaFile), b, 0o600); err != nil {
		return fmt.Errorf("remote configuration %s: %w", redact(addr), err)
	}
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("remote configuration %s: set the last copy aside: %w", redact(addr), err)
		}
	}
	if err := os.Rename(stage, final); err != nil {
		_ = os.Rename(old, final)
		return fmt.Errorf("remote configuration %s: put the new copy in place: %w", redact(addr), err)
	}
	_ = os.RemoveAll(old)
	return atomicfile.SyncDir(root)
}

// checkSizes refuses a fetched configuration holding an .hcl file larger than MaxFileSize
// (the configuration file, or the files of the configuration directory), whatever the Fetcher
// enforced, so that the copy is never replaced by something the loader will refuse.
func checkSizes(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	files := []string{path}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		files = files[:0]
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".hcl") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return err
		}
		if fi.Size() > MaxFileSize {
			return fmt.Errorf("%s is %d bytes; a configuration file may be at most %d MiB", filepath.Base(f), fi.Size(), MaxFileSize>>20)
		}
	}
	return nil
}

func readMeta(final string) (meta, error) {
	b, err := os.ReadFile(filepath.Join(final, metaFile)) //nolint:gosec // G304: the metadata of a copy in argus's own state directory
	if err != nil {
		return meta{}, err
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return meta{}, err
	}
	return m, nil
}

// redact drops credentials (user:password@) from an address before it appears in a message.
func redact(addr string) string {
	forced, rest, ok := strings.Cut(addr, "::")
	if !ok {
		forced, rest = "", addr
	}
	u, err := url.Parse(rest)
	if err != nil {
		return addr
	}
	if forced != "" {
		return forced + "::" + u.Redacted()
	}
	return u.Redacted()
}
