package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/compliance-framework/argus/internal/ocitest"
)

func TestClassify(t *testing.T) {
	ref, _ := ParseReference("ghcr.io/cf/plugin:v1")
	u, _ := url.Parse("https://ghcr.io/v2/cf/plugin/manifests/v1")
	status := func(code int) error {
		return &errcode.ErrorResponse{Method: http.MethodGet, URL: u, StatusCode: code,
			Errors: errcode.Errors{{Code: "DENIED", Message: "denied"}}}
	}
	tests := []struct {
		err  error
		kind error
		want string
	}{
		{status(401), ErrUnauthorized, `docker login ghcr.io`},
		{status(403), ErrUnauthorized, "403 Forbidden"},
		{status(429), nil, "rate limiting"},
		{status(500), nil, "500 Internal Server Error for tag v1 (denied"},
		{fmt.Errorf("read: %w", content.ErrMismatchedDigest), ErrDigestMismatch, "does not match its digest"},
		{fmt.Errorf("read: %w", content.ErrTrailingData), ErrDigestMismatch, "does not match its digest"},
		{fmt.Errorf("x: %w", errdef.ErrSizeExceedsLimit), ErrTooLarge, "larger than argus accepts"},
		{fmt.Errorf("x: %w", errdef.ErrNotFound), ErrNotFound, "was not found"},
		{errors.New(`GET "https://ghcr.io/v2/x": mismatch Content-Length`), ErrDigestMismatch, "another size"},
		{errors.New("dial tcp: connection refused"), nil, "check the registry address and the network"},
		{fmt.Errorf("HEAD: %w", context.Canceled), nil, "was interrupted"},
		{newError(ref, ErrInvalid, nil, "already classified"), ErrInvalid, "already classified"},
	}
	for _, tt := range tests {
		got := classify(ref, "tag v1", tt.err)
		if tt.kind != nil && !errors.Is(got, tt.kind) {
			t.Errorf("classify(%v) = %v, want kind %v", tt.err, got, tt.kind)
		}
		if !strings.Contains(got.Error(), tt.want) || !strings.HasPrefix(got.Error(), ref.String()+": ") || strings.Contains(got.Error(), "\n") {
			t.Errorf("classify(%v) = %q, want one line naming the reference and containing %q", tt.err, got, tt.want)
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("classify(%v) lost the underlying error", tt.err)
		}
	}
	layout, _ := ParseReference("oci-layout:///srv/l:v1")
	if got := classify(layout, "blob", errors.New("boom")); !strings.Contains(got.Error(), "from the layout") {
		t.Errorf("classify(layout) = %v", got)
	}
}

func TestCanceledContext(t *testing.T) {
	reg := ocitest.Start(t, nil)
	ocitest.Push(t, reg.Repository(t, "cf/p"), "v1", ocitest.Policy(t, "v1", map[string]string{"a.rego": "package a\n"}))
	c, counter := newClient(t)
	ref := mustRef(t, reg.Ref("cf/p", "v1"))
	res, err := c.Resolve(context.Background(), ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	counter.n.Store(0)
	if _, err := c.Resolve(ctx, ref, nil); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Resolve with a canceled context = %v", err)
	}
	if _, err := c.Pull(ctx, res.PullRequest(KindPolicy, "")); !errors.Is(err, context.Canceled) {
		t.Errorf("Pull with a canceled context = %v", err)
	}
	assertNothingPublished(t, c)
}

func TestMediaType(t *testing.T) {
	tests := []struct {
		desc string
		doc  manifestDoc
		want string
	}{
		{MediaTypeDockerManifest, manifestDoc{}, MediaTypeDockerManifest},
		{ocispec.MediaTypeImageIndex, manifestDoc{}, ocispec.MediaTypeImageIndex},
		{"application/octet-stream", manifestDoc{MediaType: MediaTypeDockerManifest}, MediaTypeDockerManifest},
		{"application/octet-stream", manifestDoc{Manifests: []ocispec.Descriptor{}}, ocispec.MediaTypeImageIndex},
		{"application/octet-stream", manifestDoc{Layers: []ocispec.Descriptor{}}, ocispec.MediaTypeImageManifest},
		{"application/octet-stream", manifestDoc{}, "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := mediaType(tt.desc, tt.doc); got != tt.want {
			t.Errorf("mediaType(%q, %+v) = %q, want %q", tt.desc, tt.doc, got, tt.want)
		}
	}
}

func TestPullRequestChecks(t *testing.T) {
	c, _ := newClient(t)
	ref, _ := ParseReference("127.0.0.1:1/x:v1")
	if _, err := c.Pull(context.Background(), PullRequest{Ref: ref, Manifest: "sha256:nothex", Kind: KindPlugin}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Pull with a bad digest = %v", err)
	}
	if _, err := c.Pull(context.Background(), PullRequest{Ref: ref, Manifest: "sha256:" + hexA}); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("Pull without a kind = %v", err)
	}
	if _, err := (&Client{}).EntryDir("sha256:" + hexA); err == nil {
		t.Error("EntryDir without a CacheDir succeeded")
	}
	if _, err := c.Lookup("sha256:"+hexA, "", KindPlugin); !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), "no tree hash") {
		t.Errorf("Lookup without a tree hash = %v", err)
	}
	if KindPlugin.String() != "plugin" || KindPolicy.String() != "policy bundle" || Kind(9).String() != "Kind(9)" {
		t.Error("Kind.String")
	}
}

func TestConcurrentPullsPublishOnce(t *testing.T) {
	reg := ocitest.Start(t, nil)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	ocitest.Push(t, reg.Repository(t, "cf/plugin"), "v1", ocitest.Plugin(t, "v1", 1, false, []byte("#!/bin/sh\n"), hp))
	c, _ := newClient(t)
	res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/plugin", "v1")), &host)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	entries := make([]*Entry, 4)
	errs := make([]error, 4)
	for i := range entries {
		wg.Go(func() { entries[i], errs[i] = c.Pull(context.Background(), res.PullRequest(KindPlugin, "")) })
	}
	wg.Wait()
	for i := range entries {
		if errs[i] != nil {
			t.Fatalf("pull %d: %v", i, errs[i])
		}
		if entries[i].Dir != entries[0].Dir || entries[i].TreeHash != entries[0].TreeHash {
			t.Errorf("pull %d = %+v, pull 0 = %+v", i, entries[i], entries[0])
		}
	}
	if _, err := c.Lookup(res.Manifest.Digest, entries[0].TreeHash, KindPlugin); err != nil {
		t.Errorf("Lookup after concurrent pulls: %v", err)
	}
}

func TestForPlatformRefusesNestedIndex(t *testing.T) {
	r := &Resolved{IndexMediaType: ocispec.MediaTypeImageIndex, Children: []ocispec.Descriptor{
		{MediaType: ocispec.MediaTypeImageIndex, Digest: "sha256:" + hexA, Platform: &ocispec.Platform{OS: "linux", Architecture: "amd64"}},
	}}
	if _, err := r.ForPlatform(&Platform{"linux", "amd64"}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "image manifests") {
		t.Errorf("ForPlatform = %v, want ErrInvalid", err)
	}
	empty := &Resolved{IndexMediaType: ocispec.MediaTypeImageIndex}
	if _, err := empty.ForPlatform(nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "lists no manifests") {
		t.Errorf("ForPlatform on an empty index = %v", err)
	}
}
