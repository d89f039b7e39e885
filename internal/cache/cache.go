package cache

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"golang.org/x/mod/sumdb/dirhash"
)

// EnvDir names the environment variable that overrides the cache location.
const EnvDir = "ARGUS_CACHE_DIR"

// Cache is a provider store rooted at Dir.
type Cache struct {
	Dir string // required: absolute path of the cache root
}

// DefaultDir returns $ARGUS_CACHE_DIR, or the user cache directory ($XDG_CACHE_HOME, or
// ~/.cache on Linux) with "argus" appended. getenv is os.Getenv outside tests.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv(EnvDir); d != "" {
		return filepath.Abs(d)
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "argus"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache directory (set %s): %w", EnvDir, err)
	}
	return filepath.Join(d, "argus"), nil
}

// Key names one registry provider entry.
type Key struct {
	Host, Namespace, Name, Version string
	Platform                       string // "<os>_<arch>"
}

func (k Key) String() string {
	return fmt.Sprintf("%s/%s/%s %s (%s)", k.Host, k.Namespace, k.Name, k.Version, k.Platform)
}

// validate keeps every part a single, ordinary path element: these strings come from config
// and from a registry, and must not be able to point outside the cache.
func (k Key) validate() error {
	for _, p := range []struct{ what, v string }{
		{"host", k.Host}, {"namespace", k.Namespace}, {"name", k.Name}, {"version", k.Version}, {"platform", k.Platform},
	} {
		if !safeElem(p.v) {
			return fmt.Errorf("provider %s %q cannot be used as a cache path element", p.what, p.v)
		}
	}
	return nil
}

func safeElem(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.HasPrefix(s, ".") &&
		!strings.ContainsAny(s, `/\:`+"\x00") && len(s) <= 128
}

// keyDir is where an argus before content-addressed entries kept the entry for k; its lock
// file (keyDir + ".lock") serialises every install of k, old argus and new.
func (c *Cache) keyDir(k Key) (string, error) {
	if err := k.validate(); err != nil {
		return "", err
	}
	return filepath.Join(c.Dir, "providers", k.Host, k.Namespace, k.Name, k.Version, k.Platform), nil
}

// EntryDir is where the entry for k whose tree hashes to h1 lives (whether or not it exists).
// Entries are content-addressed: other bytes published for the same version (another
// project's init, a re-released version) get another directory, so a path that assess has
// verified is never replaced under it.
func (c *Cache) EntryDir(k Key, h1 string) (string, error) {
	dir, err := c.keyDir(k)
	if err != nil {
		return "", err
	}
	sum, err := decodeH1(h1)
	if err != nil {
		return "", err
	}
	return dir + "-h1-" + hex.EncodeToString(sum), nil
}

// LocalDir is where a local provider tree with hash h1 lives.
func (c *Cache) LocalDir(h1 string) (string, error) {
	sum, err := decodeH1(h1)
	if err != nil {
		return "", err
	}
	return filepath.Join(c.Dir, "providers", "local", hex.EncodeToString(sum)), nil
}

func decodeH1(h1 string) ([]byte, error) {
	b64, ok := strings.CutPrefix(h1, "h1:")
	if !ok {
		return nil, fmt.Errorf("hash %q is not an h1 hash", h1)
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("hash %q is not a valid h1 hash", h1)
	}
	return sum, nil
}

// Hash returns the h1 hash of the tree at dir, as Terraform and the Go module system compute
// it. It refuses a tree holding anything but regular files and directories, since a symlink
// would let the hashed content differ from what runs.
func Hash(dir string) (string, error) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return fmt.Errorf("%q is not a regular file", path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash %q: %w", dir, err)
	}
	h, err := dirhash.HashDir(dir, "", dirhash.Hash1)
	if err != nil {
		return "", fmt.Errorf("hash %q: %w", dir, err)
	}
	return h, nil
}

// MismatchError says that an installed tree no longer has the hash it was locked with.
type MismatchError struct {
	Dir       string
	Want, Got string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("installed provider %q has hash %s, but the lock file says %s: it was modified after install", e.Dir, e.Got, e.Want)
}

// VerifyInstalled re-hashes the entry at dir and compares it with want (an "h1:" hash).
func VerifyInstalled(dir, want string) error {
	if want == "" {
		return fmt.Errorf("verify %q: no h1 hash to verify against", dir)
	}
	got, err := Hash(dir)
	if err != nil {
		return err
	}
	if got != want {
		return &MismatchError{Dir: dir, Want: want, Got: got}
	}
	return nil
}

// Entry is an installed entry.
type Entry struct {
	Dir    string
	H1     string
	Reused bool // an existing entry was kept; nothing was published
}

// Filler fills the empty directory dir with a provider tree. Install hashes it afterwards.
type Filler func(ctx context.Context, dir string) error

// Install makes the entry for k and want hold a tree whose hash is want, calling fill only
// when that entry does not already hash to want. With want "" (nothing locked yet), fill always
// runs and the tree goes to the entry of its own hash: equal content is reused, and an entry of
// other content is never touched (see EntryDir). Only an entry that no longer hashes to its own
// name (tampered with or damaged) is replaced.
func (c *Cache) Install(ctx context.Context, k Key, want string, fill Filler) (Entry, error) {
	base, err := c.keyDir(k)
	if err != nil {
		return Entry{}, err
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return Entry{}, fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := acquire(ctx, base+".lock")
	if err != nil {
		return Entry{}, err
	}
	defer unlock()

	if want != "" {
		dir, err := c.EntryDir(k, want)
		if err != nil {
			return Entry{}, err
		}
		if got, err := Hash(dir); err == nil && got == want {
			return Entry{Dir: dir, H1: got, Reused: true}, nil
		}
		// An entry of the layout before content addressing that verifies moves into place
		// (under the key's lock, which older argus takes too) instead of being downloaded again.
		if got, err := Hash(base); err == nil && got == want {
			if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) && os.Rename(base, dir) == nil {
				return Entry{Dir: dir, H1: got, Reused: true}, nil
			}
		}
	}
	staging, tree, unstage, err := c.stage(ctx, fill)
	if err != nil {
		return Entry{}, fmt.Errorf("install %s: %w", k, err)
	}
	defer unstage()
	h, err := Hash(tree)
	if err != nil {
		return Entry{}, fmt.Errorf("install %s: %w", k, err)
	}
	if want != "" && h != want {
		return Entry{}, fmt.Errorf("install %s: extracted tree has hash %s, but the lock file says %s", k, h, want)
	}
	dir, err := c.EntryDir(k, h)
	if err != nil {
		return Entry{}, err
	}
	return publish(staging, tree, dir, h)
}

// InstallLocal copies a local provider into the cache, keyed by its hash.
func (c *Cache) InstallLocal(ctx context.Context, fill Filler) (Entry, error) {
	staging, tree, unstage, err := c.stage(ctx, fill)
	if err != nil {
		return Entry{}, fmt.Errorf("install local provider: %w", err)
	}
	defer unstage()
	h, err := Hash(tree)
	if err != nil {
		return Entry{}, err
	}
	dir, err := c.LocalDir(h)
	if err != nil {
		return Entry{}, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return Entry{}, fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := acquire(ctx, dir+".lock")
	if err != nil {
		return Entry{}, err
	}
	defer unlock()
	return publish(staging, tree, dir, h)
}

// stage creates a staging directory inside the cache (so the final rename stays on one file
// system), owned by this process until release (see newStaging), and fills its "tree"
// subdirectory. Staging directories left by a killed process are removed first.
func (c *Cache) stage(ctx context.Context, fill Filler) (staging, tree string, release func(), err error) {
	staging, release, err = newStaging(ctx, filepath.Join(c.Dir, "staging"))
	if err != nil {
		return "", "", nil, err
	}
	tree = filepath.Join(staging, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		release() // the create error is the one to report
		return "", "", nil, fmt.Errorf("create staging directory: %w", err)
	}
	if err := fill(ctx, tree); err != nil {
		release() // the fill error is the one to report
		return "", "", nil, err
	}
	return staging, tree, release, nil
}

// publish renames tree to dir, called with dir's lock held. An existing dir with the same hash
// is kept; one with another hash (dir is named by its hash: it was damaged) is moved into the
// staging directory (removed with it) first.
func publish(staging, tree, dir, h string) (Entry, error) {
	if _, err := os.Lstat(dir); err == nil {
		if got, err := Hash(dir); err == nil && got == h {
			return Entry{Dir: dir, H1: h, Reused: true}, nil
		}
		if err := os.Rename(dir, filepath.Join(staging, "replaced")); err != nil {
			return Entry{}, fmt.Errorf("move damaged cache entry %q aside: %w", dir, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Entry{}, fmt.Errorf("inspect cache entry %q: %w", dir, err)
	}
	if err := atomicfile.SyncTree(tree); err != nil {
		return Entry{}, err
	}
	if err := os.Rename(tree, dir); err != nil {
		return Entry{}, fmt.Errorf("publish cache entry %q: %w", dir, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
		return Entry{}, err
	}
	return Entry{Dir: dir, H1: h}, nil
}
