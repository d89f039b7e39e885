package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/compliance-framework/argus/internal/archive"
	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/cache"
)

// Kind is what an artifact holds, which decides what its tree must contain.
type Kind int

const (
	// KindPlugin is a CCF plugin: an executable "plugin" at the root of the tree.
	KindPlugin Kind = iota + 1
	// KindPolicy is a policy bundle (opa build): a "policies" directory at the root.
	KindPolicy
)

func (k Kind) String() string {
	switch k {
	case KindPlugin:
		return "plugin"
	case KindPolicy:
		return "policy bundle"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// PluginFile is the executable a CCF plugin artifact holds at its root.
const PluginFile = "plugin"

// PolicyDir is the directory of a policy bundle that the agent hands to a plugin.
const PolicyDir = "policies"

// PullRequest says which manifest to pull and what it must hold.
type PullRequest struct {
	Ref      Reference     // the repository or layout to fetch from; its tag and digest are not used
	Manifest digest.Digest // required: the platform manifest (Resolved.Manifest, or the lock's)
	// MediaType and Size of the manifest, when known (Resolved has them): they save a request.
	MediaType string
	Size      int64
	Kind      Kind // required
	// TreeHash is the "h1:" hash the lock pins for the extracted tree; "" when nothing is
	// locked yet. A pulled tree with another hash is refused, and a cached one re-pulled.
	TreeHash string
}

// Entry is a published, content-addressed tree.
type Entry struct {
	Dir      string // <CacheDir>/<algorithm>/<hex of the manifest digest>
	Manifest digest.Digest
	TreeHash string // "h1:…" of the tree
	Reused   bool   // it was already in the cache: nothing was fetched
}

// Path is the plugin executable (KindPlugin) or the policies directory (KindPolicy) in e.
func (e *Entry) Path(kind Kind) string {
	if kind == KindPlugin {
		return filepath.Join(e.Dir, PluginFile)
	}
	return filepath.Join(e.Dir, PolicyDir)
}

// EntryDir is where the tree of manifest d lives in the cache, whether or not it exists.
func (c *Client) EntryDir(d digest.Digest) (string, error) {
	if c.CacheDir == "" {
		return "", errors.New("oci: Client.CacheDir is not set")
	}
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("manifest digest %q: %w", d, err)
	}
	return filepath.Join(c.CacheDir, d.Algorithm().String(), d.Encoded()), nil
}

// Lookup returns the cached tree of manifest d without any request, after checking that it
// still hashes to treeHash and holds what kind needs. assess calls it before a plugin's first
// job; it never downloads.
func (c *Client) Lookup(d digest.Digest, treeHash string, kind Kind) (*Entry, error) {
	dir, err := c.EntryDir(d)
	if err != nil {
		return nil, err
	}
	if treeHash == "" {
		return nil, &LookupError{Manifest: d, Kind: ErrNotCached, Msg: fmt.Sprintf("look up %s in the cache: no tree hash to verify against", d)}
	}
	if err := cache.VerifyInstalled(dir, treeHash); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &LookupError{Manifest: d, Kind: ErrNotCached, Msg: fmt.Sprintf("%s is not in the cache %s", d, c.CacheDir)}
		}
		return nil, &LookupError{Manifest: d, Kind: ErrCacheDamaged, Err: err}
	}
	if err := checkTree(dir, kind, false); err != nil {
		return nil, &LookupError{Manifest: d, Kind: ErrCacheDamaged, Msg: fmt.Sprintf("cached %s %s", kind, d), Err: err}
	}
	return &Entry{Dir: dir, Manifest: d, TreeHash: treeHash, Reused: true}, nil
}

// Pull makes the tree of req.Manifest available in the cache and returns it. An entry already
// there (with req.TreeHash, when given) is returned without any request. Otherwise the
// manifest and its tar+gzip layers are fetched, each layer into a scratch file while its
// digest is verified, then extracted with the hostile-archive rules (leading "/" allowed),
// checked for what req.Kind needs ("plugin" is made executable), hashed, and renamed into
// place: an entry is published whole or not at all, and never modified once published.
func (c *Client) Pull(ctx context.Context, req PullRequest) (*Entry, error) {
	ref := req.Ref
	dir, err := c.EntryDir(req.Manifest)
	if err != nil {
		return nil, newError(ref, ErrInvalid, err, "%v", err)
	}
	if req.Kind != KindPlugin && req.Kind != KindPolicy {
		return nil, fmt.Errorf("oci: pull %s: unknown kind %d", ref, req.Kind)
	}
	_, err = os.Lstat(dir)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("inspect cache entry %q: %w", dir, err)
	}
	if exists {
		h, herr := cache.Hash(dir)
		if herr == nil && (req.TreeHash == "" || h == req.TreeHash) && checkTree(dir, req.Kind, false) == nil {
			return &Entry{Dir: dir, Manifest: req.Manifest, TreeHash: h, Reused: true}, nil
		}
	}
	staging, err := c.staging()
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(staging) }() // best effort: a leftover only costs disk until the next pull
	if exists {
		// Damaged or tampered with: move it aside whole (it goes with the staging directory)
		// and pull again, rather than repair it in place under a running job.
		if err := os.Rename(dir, filepath.Join(staging, "damaged")); err != nil {
			return nil, fmt.Errorf("move damaged cache entry %q aside: %w", dir, err)
		}
	}

	t, err := c.open(ctx, ref)
	if err != nil {
		return nil, err
	}
	lim := c.Limits.withDefaults()
	desc := ocispec.Descriptor{MediaType: req.MediaType, Digest: req.Manifest, Size: req.Size}
	if desc.MediaType == "" || desc.Size <= 0 {
		if desc, err = t.Resolve(ctx, req.Manifest.String()); err != nil {
			return nil, c.resolveError(ctx, t, ref.WithDigest(req.Manifest), err)
		}
		if desc.Digest != req.Manifest {
			return nil, newError(ref, ErrDigestMismatch, nil, "the registry resolved manifest %s to %s: refusing it", req.Manifest, desc.Digest)
		}
	}
	data, err := fetchManifest(ctx, t, desc, lim)
	if err != nil {
		return nil, classify(ref, "manifest "+req.Manifest.String(), err)
	}
	var doc manifestDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, newError(ref, ErrInvalid, err, "manifest %s is not valid JSON: %v", req.Manifest, err)
	}
	if mt := mediaType(desc.MediaType, doc); !isManifestType(mt) {
		return nil, newError(ref, ErrInvalid, nil, "%s has media type %q, not an image manifest (pull the platform manifest that Resolve chose)", req.Manifest, mt)
	}
	if err := checkLayers(ref, doc.Layers, lim); err != nil {
		return nil, err
	}

	tree := filepath.Join(staging, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		return nil, fmt.Errorf("create staging directory: %w", err)
	}
	left := lim.Extract
	for i, layer := range doc.Layers {
		st, err := c.pullLayer(ctx, t, ref, layer, filepath.Join(staging, fmt.Sprintf("layer-%d", i)), tree, left)
		if err != nil {
			return nil, err
		}
		left.MaxFiles -= st.Files
		left.MaxBytes -= st.Bytes
		// A zero limit would mean "the default" to the next layer's extractor.
		if (left.MaxFiles <= 0 || left.MaxBytes <= 0) && i < len(doc.Layers)-1 {
			return nil, newError(ref, ErrTooLarge, nil, "the layers before %s already reach the limit of %d files or %d bytes for the whole tree; nothing was installed",
				doc.Layers[i+1].Digest, lim.Extract.MaxFiles, lim.Extract.MaxBytes)
		}
	}
	if err := checkTree(tree, req.Kind, true); err != nil {
		return nil, newError(ref, ErrInvalid, err, "manifest %s is not a CCF %s: %v", req.Manifest, req.Kind, err)
	}
	h, err := cache.Hash(tree)
	if err != nil {
		return nil, err
	}
	if req.TreeHash != "" && h != req.TreeHash {
		return nil, newError(ref, ErrTreeMismatch, nil, "the tree of manifest %s hashes to %s, but the lock file says %s: the content differs from what was locked", req.Manifest, h, req.TreeHash)
	}
	return publish(tree, dir, req.Manifest, h)
}

// staleStaging is how old a staging directory must be before a pull removes it as the
// leftover of a crashed one; a live pull never takes anywhere near that long.
const staleStaging = 24 * time.Hour

func (c *Client) staging() (string, error) {
	root := filepath.Join(c.CacheDir, "staging")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("create staging directory: %w", err)
	}
	if old, err := os.ReadDir(root); err == nil {
		for _, e := range old {
			if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), "pull-") && time.Since(fi.ModTime()) > staleStaging {
				_ = os.RemoveAll(filepath.Join(root, e.Name())) // best effort: it is only disk space
			}
		}
	}
	d, err := os.MkdirTemp(root, "pull-*")
	if err != nil {
		return "", fmt.Errorf("create staging directory: %w", err)
	}
	return d, nil
}

// checkLayers refuses what argus will not download or cannot extract.
func checkLayers(ref Reference, layers []ocispec.Descriptor, lim Limits) error {
	if len(layers) == 0 {
		return newError(ref, ErrInvalid, nil, "the manifest has no layers")
	}
	if len(layers) > lim.MaxLayers {
		return newError(ref, ErrTooLarge, nil, "the manifest has %d layers, more than the limit of %d", len(layers), lim.MaxLayers)
	}
	for _, l := range layers {
		if l.MediaType != ocispec.MediaTypeImageLayerGzip && l.MediaType != MediaTypeDockerLayer {
			return newError(ref, ErrInvalid, nil, "layer %s has media type %q; argus extracts only tar+gzip layers (%s)", l.Digest, l.MediaType, ocispec.MediaTypeImageLayerGzip)
		}
		if err := l.Digest.Validate(); err != nil {
			return newError(ref, ErrInvalid, err, "layer digest %q: %v", l.Digest, err)
		}
		if l.Size < 0 || l.Size > lim.MaxLayerBytes {
			return newError(ref, ErrTooLarge, nil, "layer %s is %d bytes, more than the limit of %d; nothing was downloaded", l.Digest, l.Size, lim.MaxLayerBytes)
		}
	}
	return nil
}

// pullLayer downloads one layer into scratch, verifying size and digest as it streams, then
// extracts the verified file into tree.
func (c *Client) pullLayer(ctx context.Context, t target, ref Reference, layer ocispec.Descriptor, scratch, tree string, lim archive.Limits) (archive.Stats, error) {
	what := "layer " + layer.Digest.String()
	rc, err := t.Fetch(ctx, layer)
	if err != nil {
		return archive.Stats{}, classify(ref, what, err)
	}
	// A scratch file in the staging directory, not fsynced: it is read back at once and
	// removed with the staging directory; only the extracted tree is published.
	err = download(scratch, content.NewVerifyReader(rc, layer))
	_ = rc.Close() // read-only; a short or altered body already failed verification
	if err != nil {
		if ctx.Err() != nil {
			return archive.Stats{}, fmt.Errorf("%s: download of %s was interrupted: %w", ref, what, ctx.Err())
		}
		return archive.Stats{}, classify(ref, what, err)
	}
	f, err := os.Open(scratch) //nolint:gosec // G304: the scratch file this function just wrote
	if err != nil {
		return archive.Stats{}, fmt.Errorf("open downloaded layer: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only
	st, err := archive.ExtractTarGz(ctx, f, ref.String()+" "+what, tree, archive.Options{Limits: lim, Names: archive.NamesStripRoot})
	if err != nil {
		var ae *archive.Error
		if errors.As(err, &ae) {
			return st, newError(ref, ErrInvalid, err, "%v; nothing was installed", err)
		}
		return st, err
	}
	return st, nil
}

func download(path string, vr *content.VerifyReader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: a scratch name inside argus's staging directory
	if err != nil {
		return fmt.Errorf("create scratch file: %w", err)
	}
	_, err = io.Copy(f, vr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return vr.Verify()
}

// checkTree checks that dir holds what kind needs. With fix, a plugin is made executable
// (gooci's archives carry mode 0600 and nothing sets +x); without, it must already be.
func checkTree(dir string, kind Kind, fix bool) error {
	switch kind {
	case KindPlugin:
		p := filepath.Join(dir, PluginFile)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("it has no regular file %q at its root (it holds %s)", PluginFile, listRoot(dir))
		}
		if fix {
			if err := os.Chmod(p, 0o755); err != nil { //nolint:gosec // G302: the plugin executable must be executable
				return fmt.Errorf("make %q executable: %w", PluginFile, err)
			}
		} else if fi.Mode().Perm()&0o100 == 0 {
			return fmt.Errorf("%q is not executable", p)
		}
	case KindPolicy:
		fi, err := os.Lstat(filepath.Join(dir, PolicyDir))
		if err != nil || !fi.IsDir() {
			return fmt.Errorf("it has no %q directory at its root (it holds %s); a policy bundle is what \"opa build -b policies\" writes", PolicyDir, listRoot(dir))
		}
	}
	return nil
}

func listRoot(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return "nothing"
	}
	names := make([]string, 0, len(entries))
	for i, e := range entries {
		if i == 10 {
			names = append(names, "…")
			break
		}
		names = append(names, e.Name())
	}
	return strings.Join(names, ", ")
}

// publish renames the finished tree to dir. When another process published the same manifest
// first, its entry is kept if it hashes the same.
func publish(tree, dir string, d digest.Digest, h string) (*Entry, error) {
	if err := atomicfile.SyncTree(tree); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create cache directory: %w", err)
	}
	if err := os.Rename(tree, dir); err != nil {
		if got, herr := cache.Hash(dir); herr == nil && got == h {
			return &Entry{Dir: dir, Manifest: d, TreeHash: h, Reused: true}, nil
		}
		return nil, fmt.Errorf("publish cache entry %q: %w", dir, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
		return nil, err
	}
	return &Entry{Dir: dir, Manifest: d, TreeHash: h}, nil
}
