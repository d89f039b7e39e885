package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// Media types argus reads. gooci v0.0.6 pushes Docker schema 2 child manifests, v0.0.7 OCI
// ones; both are listed in an OCI image index.
const (
	MediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// AnnotationProtocolVersion is the index annotation that carries a CCF plugin's protocol
// version ("1" or "2"), as gooci --annotate writes it.
const AnnotationProtocolVersion = "org.ccf.plugin.protocol.version"

// Platform is an OS and CPU architecture as OCI writes them ("linux", "amd64").
type Platform struct {
	OS, Architecture string
}

// HostPlatform is the platform argus runs on.
func HostPlatform() Platform { return Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH} }

// String is the lock file's platform name, "<os>_<arch>".
func (p Platform) String() string { return p.OS + "_" + p.Architecture }

// ParsePlatform reads "<os>_<arch>".
func ParsePlatform(s string) (Platform, error) {
	os, arch, ok := strings.Cut(s, "_")
	if !ok || os == "" || arch == "" {
		return Platform{}, fmt.Errorf("platform %q is not of the form os_arch (like linux_amd64)", s)
	}
	return Platform{OS: os, Architecture: arch}, nil
}

// Resolved is what a reference names right now.
type Resolved struct {
	Ref Reference
	// Index is the digest of what the tag (or digest) names: an image index, or a single
	// manifest when the artifact has no index. It is what a lock pins and what a moved tag
	// changes.
	Index          digest.Digest
	IndexMediaType string
	// Manifest is the platform manifest chosen from the index (the index descriptor's platform
	// decides), or the single manifest itself.
	Manifest ocispec.Descriptor
	// Platform is the chosen descriptor's platform, nil when it has none (a policy bundle, or
	// a child that fits any platform).
	Platform *ocispec.Platform
	// Platforms lists the platforms the index offers ("os/arch"), for messages.
	Platforms []string
	// Children are the index's manifest descriptors (empty without an index), so that
	// ForPlatform can choose for other platforms without fetching the index again.
	Children []ocispec.Descriptor
	// Annotations are the top-level index's (or single manifest's) annotations.
	Annotations map[string]string
}

// ProtocolVersion reads AnnotationProtocolVersion from the index's annotations, falling back
// to the chosen descriptor's, as the agent does. It returns 0 and nil when neither has one, and
// 0 and an error (to log as a warning; the agent then uses 1) when the value is not 1 or 2.
func (r *Resolved) ProtocolVersion() (int, error) {
	v, ok := r.Annotations[AnnotationProtocolVersion]
	if !ok {
		v, ok = r.Manifest.Annotations[AnnotationProtocolVersion]
	}
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || (n != 1 && n != 2) {
		return 0, fmt.Errorf("%s: annotation %s=%q is not 1 or 2; it is ignored", r.Ref, AnnotationProtocolVersion, v)
	}
	return n, nil
}

// CheckLocked returns a *MovedError when the reference now names another index than the
// locked digest. An empty locked digest (nothing locked yet) is never an error.
func (r *Resolved) CheckLocked(locked digest.Digest) error {
	if locked == "" || locked == r.Index {
		return nil
	}
	return &MovedError{Ref: r.Ref, Locked: locked.String(), Now: r.Index.String()}
}

// PullRequest is the request that pulls what r chose.
func (r *Resolved) PullRequest(kind Kind, treeHash string) PullRequest {
	return PullRequest{Ref: r.Ref, Manifest: r.Manifest.Digest, MediaType: r.Manifest.MediaType, Size: r.Manifest.Size, Kind: kind, TreeHash: treeHash}
}

// manifestDoc holds the fields argus reads from an index or a manifest, OCI or Docker.
type manifestDoc struct {
	MediaType   string               `json:"mediaType"`
	Manifests   []ocispec.Descriptor `json:"manifests"`
	Layers      []ocispec.Descriptor `json:"layers"`
	Annotations map[string]string    `json:"annotations"`
}

func isIndexType(mt string) bool {
	return mt == ocispec.MediaTypeImageIndex || mt == MediaTypeDockerManifestList
}

func isManifestType(mt string) bool {
	return mt == ocispec.MediaTypeImageManifest || mt == MediaTypeDockerManifest
}

// Resolve finds what ref names now: the index digest, and the manifest for platform chosen by
// the index descriptors' platforms (a descriptor with no platform fits any; an exact match is
// preferred). A nil platform is for policy bundles: their single platform-less child. A
// reference without an index resolves to its manifest.
func (c *Client) Resolve(ctx context.Context, ref Reference, platform *Platform) (*Resolved, error) {
	t, err := c.open(ctx, ref)
	if err != nil {
		return nil, err
	}
	lim := c.Limits.withDefaults()
	name := ref.Tag
	if ref.Digest != "" {
		name = ref.Digest.String()
	}
	top, err := t.Resolve(ctx, name)
	if err != nil {
		return nil, c.resolveError(ctx, t, ref, err)
	}
	if ref.Digest != "" && top.Digest != ref.Digest {
		return nil, newError(ref, ErrDigestMismatch, nil, "the registry resolved digest %s to %s: refusing content that does not match the reference", ref.Digest, top.Digest)
	}
	data, err := fetchManifest(ctx, t, top, lim)
	if err != nil {
		return nil, classify(ref, "the manifest "+top.Digest.String(), err)
	}
	var doc manifestDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, newError(ref, ErrInvalid, err, "%s is not a valid OCI index or manifest: %v", top.Digest, err)
	}
	mt := mediaType(top.MediaType, doc)
	res := &Resolved{Ref: ref, Index: top.Digest, IndexMediaType: mt, Annotations: doc.Annotations}
	switch {
	case isManifestType(mt):
		top.MediaType = mt
		res.Manifest = top
		return res, nil
	case !isIndexType(mt):
		return nil, newError(ref, ErrInvalid, nil, "%s has media type %q, which is neither an image index nor an image manifest", top.Digest, mt)
	}
	for _, m := range doc.Manifests {
		res.Platforms = append(res.Platforms, platformName(m.Platform))
	}
	res.Children = doc.Manifests
	child, err := res.ForPlatform(platform)
	if err != nil {
		return nil, err
	}
	if child.Size > lim.MaxManifestBytes {
		return nil, newError(ref, ErrTooLarge, nil, "manifest %s is %d bytes, more than the limit of %d", child.Digest, child.Size, lim.MaxManifestBytes)
	}
	res.Manifest = child
	res.Platform = child.Platform
	return res, nil
}

// ForPlatform chooses the manifest for another platform from the same index, with Resolve's
// rules and no request (to lock several platforms at once). Without an index it returns the
// single manifest, which fits every platform.
func (r *Resolved) ForPlatform(platform *Platform) (ocispec.Descriptor, error) {
	if len(r.Children) == 0 && isManifestType(r.IndexMediaType) {
		return r.Manifest, nil
	}
	child, err := choose(r.Ref, r.Children, platform, r.Platforms)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if !isManifestType(child.MediaType) {
		return ocispec.Descriptor{}, newError(r.Ref, ErrInvalid, nil, "the index entry %s for %s has media type %q; argus reads image manifests (OCI or Docker schema 2)", child.Digest, platformName(child.Platform), child.MediaType)
	}
	return child, nil
}

// choose picks the index child for platform (see Resolve).
func choose(ref Reference, children []ocispec.Descriptor, platform *Platform, names []string) (ocispec.Descriptor, error) {
	var anyPlatform []ocispec.Descriptor
	for _, m := range children {
		if noPlatform(m.Platform) {
			anyPlatform = append(anyPlatform, m)
			continue
		}
		if platform != nil && m.Platform.OS == platform.OS && m.Platform.Architecture == platform.Architecture {
			return m, nil
		}
	}
	switch {
	case len(anyPlatform) > 0:
		return anyPlatform[0], nil
	case platform == nil && len(children) == 1:
		return children[0], nil
	case len(children) == 0:
		return ocispec.Descriptor{}, newError(ref, ErrInvalid, nil, "the image index lists no manifests")
	case platform == nil:
		return ocispec.Descriptor{}, newError(ref, ErrNoPlatform, nil,
			"the index has manifests for %s but none without a platform; a policy bundle is one platform-less manifest (gooci upload-single)", strings.Join(names, ", "))
	}
	return ocispec.Descriptor{}, newError(ref, ErrNoPlatform, nil,
		"no manifest for %s/%s: the index has %s; use a release built for this platform, or run argus on one of those", platform.OS, platform.Architecture, strings.Join(names, ", "))
}

func noPlatform(p *ocispec.Platform) bool { return p == nil || (p.OS == "" && p.Architecture == "") }

func platformName(p *ocispec.Platform) string {
	if noPlatform(p) {
		return "(any platform)"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// mediaType is the media type of a fetched document: the descriptor's when it names a manifest
// type (a registry sends it as Content-Type), else the document's own field, else what its
// fields show (a local layout knows only that a blob is a blob).
func mediaType(descType string, doc manifestDoc) string {
	switch {
	case isIndexType(descType), isManifestType(descType):
		return descType
	case doc.MediaType != "":
		return doc.MediaType
	case doc.Manifests != nil:
		return ocispec.MediaTypeImageIndex
	case doc.Layers != nil:
		return ocispec.MediaTypeImageManifest
	}
	return descType
}

// fetchManifest reads a manifest or index, bounded, verifying its size and digest.
func fetchManifest(ctx context.Context, t target, desc ocispec.Descriptor, lim Limits) ([]byte, error) {
	if desc.Size > lim.MaxManifestBytes {
		return nil, fmt.Errorf("manifest of %d bytes, more than the limit of %d: %w", desc.Size, lim.MaxManifestBytes, errdef.ErrSizeExceedsLimit)
	}
	rc, err := t.Fetch(ctx, desc)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }() // read-only
	return content.ReadAll(rc, desc)
}

// tagLister is what both a remote repository and a layout offer for listing tags.
type tagLister interface {
	Tags(ctx context.Context, last string, fn func(tags []string) error) error
}

// resolveError explains a failed resolve; for "not found" it tells a missing tag from a
// missing repository and lists some of the tags that exist.
func (c *Client) resolveError(ctx context.Context, t target, ref Reference, err error) error {
	if !errors.Is(err, errdef.ErrNotFound) {
		what := "tag " + ref.Tag
		if ref.Digest != "" {
			what = "digest " + ref.Digest.String()
		}
		return classify(ref, what, err)
	}
	var tags []string
	lerr := errors.New("cannot list tags")
	if tl, ok := t.(tagLister); ok {
		lerr = tl.Tags(ctx, "", func(page []string) error {
			tags = append(tags, page...)
			if len(tags) >= 200 {
				return errStopListing
			}
			return nil
		})
		if errors.Is(lerr, errStopListing) {
			lerr = nil
		}
	}
	var resp *errcode.ErrorResponse
	if errors.As(lerr, &resp) && resp.StatusCode == http.StatusNotFound {
		return newError(ref, ErrNotFound, err, "repository %s was not found at %s: check the name (or log in with \"docker login %s\" if it is private and the registry hides it)", ref.Repository, ref.Registry, ref.Registry)
	}
	if ref.Digest != "" {
		return newError(ref, ErrNotFound, err, "digest %s was not found; check the reference, or pin a digest the repository still has", ref.Digest)
	}
	msg := fmt.Sprintf("tag %q was not found", ref.Tag)
	if lerr == nil {
		switch {
		case len(tags) == 0:
			msg += " (the repository has no tags)"
		case len(tags) <= 10:
			slices.Sort(tags)
			msg += fmt.Sprintf(" (the repository has %s)", strings.Join(tags, ", "))
		default:
			slices.Sort(tags)
			msg += fmt.Sprintf(" (the repository has %d tags, the last in sort order %s)", len(tags), strings.Join(tags[len(tags)-10:], ", "))
		}
	}
	return newError(ref, ErrNotFound, err, "%s; check the tag", msg)
}

var errStopListing = errors.New("stop listing")
