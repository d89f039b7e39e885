package oci

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/compliance-framework/argus/internal/archive"
	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/ocitest"
)

var (
	linuxAmd64  = ocispec.Platform{OS: "linux", Architecture: "amd64"}
	linuxArm64  = ocispec.Platform{OS: "linux", Architecture: "arm64"}
	darwinArm64 = ocispec.Platform{OS: "darwin", Architecture: "arm64"}
)

// countingTransport counts the requests that reach the network.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

// newClient returns a client with its own cache and an empty Docker config (anonymous).
func newClient(t *testing.T) (*Client, *countingTransport) {
	t.Helper()
	ct := &countingTransport{}
	empty := t.TempDir()
	return &Client{
		CacheDir:  filepath.Join(t.TempDir(), "oci"),
		Transport: ct,
		Getenv:    func(k string) string { return map[string]string{"DOCKER_CONFIG": empty}[k] },
	}, ct
}

func mustRef(t *testing.T, s string) Reference {
	t.Helper()
	r, err := ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResolve(t *testing.T) {
	reg := ocitest.Start(t, nil)
	exe := []byte("#!/bin/sh\necho plugin\n")
	v6 := ocitest.Push(t, reg.Repository(t, "cf/plugin"), "v0.0.6", ocitest.Plugin(t, "v0.0.6", 2, true, exe, linuxAmd64, linuxArm64, darwinArm64))
	v7 := ocitest.Push(t, reg.Repository(t, "cf/plugin"), "v0.0.7", ocitest.Plugin(t, "v0.0.7", 0, false, exe, linuxAmd64, darwinArm64))
	pol := ocitest.Push(t, reg.Repository(t, "cf/plugin-policies"), "v0.3.1", ocitest.Policy(t, "v0.3.1", map[string]string{"a.rego": "package compliance_framework.a\n"}))
	// A platform-less child after platform ones: it fits any platform, but an exact match wins.
	mixedArt := ocitest.Plugin(t, "mixed", 1, false, exe, linuxAmd64)
	mixedArt.Children = append(mixedArt.Children, ocitest.Child{Layers: mixedArt.Children[0].Layers})
	mixed := ocitest.Push(t, reg.Repository(t, "cf/mixed"), "v1", mixedArt)
	single := ocitest.Push(t, reg.Repository(t, "cf/single"), "v1", ocitest.Artifact{NoIndex: true, Children: ocitest.Plugin(t, "v1", 0, true, exe, linuxAmd64).Children})

	tests := []struct {
		name      string
		ref       string
		platform  *Platform
		want      ocispec.Descriptor // the chosen manifest
		index     ocispec.Descriptor
		protocol  int
		kind      error // for failures
		errSubstr string
	}{
		{name: "docker v2 child linux/amd64", ref: reg.Ref("cf/plugin", "v0.0.6"), platform: &Platform{"linux", "amd64"}, want: v6.Children[0], index: v6.Index, protocol: 2},
		{name: "docker v2 child linux/arm64", ref: reg.Ref("cf/plugin", "v0.0.6"), platform: &Platform{"linux", "arm64"}, want: v6.Children[1], index: v6.Index, protocol: 2},
		{name: "docker v2 child darwin/arm64", ref: reg.Ref("cf/plugin", "v0.0.6"), platform: &Platform{"darwin", "arm64"}, want: v6.Children[2], index: v6.Index, protocol: 2},
		{name: "oci child", ref: reg.Ref("cf/plugin", "v0.0.7"), platform: &Platform{"darwin", "arm64"}, want: v7.Children[1], index: v7.Index},
		{name: "by index digest", ref: reg.Host + "/cf/plugin@" + v7.Index.Digest.String(), platform: &Platform{"linux", "amd64"}, want: v7.Children[0], index: v7.Index},
		{name: "policy has no platform", ref: reg.Ref("cf/plugin-policies", "v0.3.1"), want: pol.Children[0], index: pol.Index},
		{name: "policy child fits a plugin platform too", ref: reg.Ref("cf/plugin-policies", "v0.3.1"), platform: &Platform{"plan9", "386"}, want: pol.Children[0], index: pol.Index},
		{name: "exact platform beats platform-less", ref: reg.Ref("cf/mixed", "v1"), platform: &Platform{"linux", "amd64"}, want: mixed.Children[0], index: mixed.Index, protocol: 1},
		{name: "platform-less child fits another platform", ref: reg.Ref("cf/mixed", "v1"), platform: &Platform{"windows", "amd64"}, want: mixed.Children[1], index: mixed.Index, protocol: 1},
		{name: "single manifest without index", ref: reg.Ref("cf/single", "v1"), platform: &Platform{"linux", "amd64"}, want: single.Children[0], index: single.Index},
		{name: "unknown platform", ref: reg.Ref("cf/plugin", "v0.0.6"), platform: &Platform{"windows", "amd64"},
			kind: ErrNoPlatform, errSubstr: "no manifest for windows/amd64: the index has linux/amd64, linux/arm64, darwin/arm64"},
		{name: "policy lookup of a plugin index", ref: reg.Ref("cf/plugin", "v0.0.7"), kind: ErrNoPlatform, errSubstr: "none without a platform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t)
			res, err := c.Resolve(context.Background(), mustRef(t, tt.ref), tt.platform)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.errSubstr) || !strings.HasPrefix(err.Error(), tt.ref+": ") {
					t.Fatalf("Resolve err = %v, want %v naming %s and containing %q", err, tt.kind, tt.ref, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if res.Index != tt.index.Digest || res.Manifest.Digest != tt.want.Digest || res.Manifest.MediaType != tt.want.MediaType || res.Manifest.Size != tt.want.Size {
				t.Errorf("Resolve = index %s manifest %s %s; want index %s manifest %s %s",
					res.Index, res.Manifest.Digest, res.Manifest.MediaType, tt.index.Digest, tt.want.Digest, tt.want.MediaType)
			}
			if p, err := res.ProtocolVersion(); p != tt.protocol || err != nil {
				t.Errorf("ProtocolVersion = %d, %v; want %d", p, err, tt.protocol)
			}
		})
	}

	t.Run("other platforms from the same index", func(t *testing.T) {
		c, counter := newClient(t)
		res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/plugin", "v0.0.6")), &Platform{"linux", "amd64"})
		if err != nil {
			t.Fatal(err)
		}
		before := counter.n.Load()
		for i, p := range []Platform{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}} {
			d, err := res.ForPlatform(&p)
			if err != nil || d.Digest != v6.Children[i].Digest {
				t.Errorf("ForPlatform(%v) = %s, %v; want %s", p, d.Digest, err, v6.Children[i].Digest)
			}
		}
		if _, err := res.ForPlatform(&Platform{"windows", "amd64"}); !errors.Is(err, ErrNoPlatform) {
			t.Errorf("ForPlatform(windows) = %v", err)
		}
		if counter.n.Load() != before {
			t.Error("ForPlatform made a request")
		}
		one, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/single", "v1")), &Platform{"linux", "amd64"})
		if err != nil {
			t.Fatal(err)
		}
		if d, err := one.ForPlatform(&Platform{"darwin", "arm64"}); err != nil || d.Digest != single.Children[0].Digest {
			t.Errorf("ForPlatform on a single manifest = %s, %v", d.Digest, err)
		}
	})

	t.Run("annotations", func(t *testing.T) {
		c, _ := newClient(t)
		res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/plugin", "v0.0.6")), &Platform{"linux", "amd64"})
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{AnnotationProtocolVersion: "2", ocispec.AnnotationVersion: "v0.0.6", ocispec.AnnotationTitle: "plugin-test"} {
			if got := res.Annotations[k]; got != want {
				t.Errorf("annotation %s = %q, want %q", k, got, want)
			}
		}
		if res.Platform == nil || res.Platform.OS != "linux" || res.Platform.Architecture != "amd64" {
			t.Errorf("Platform = %+v", res.Platform)
		}
		if res.IndexMediaType != ocispec.MediaTypeImageIndex || res.Manifest.MediaType != MediaTypeDockerManifest {
			t.Errorf("media types = %s, %s", res.IndexMediaType, res.Manifest.MediaType)
		}
	})
}

func TestProtocolVersionAnnotation(t *testing.T) {
	tests := []struct {
		index, child map[string]string
		want         int
		warn         bool
	}{
		{want: 0},
		{index: map[string]string{AnnotationProtocolVersion: "2"}, want: 2},
		{index: map[string]string{AnnotationProtocolVersion: "1"}, child: map[string]string{AnnotationProtocolVersion: "2"}, want: 1},
		{child: map[string]string{AnnotationProtocolVersion: "2"}, want: 2},
		{index: map[string]string{AnnotationProtocolVersion: "3"}, warn: true},
		{index: map[string]string{AnnotationProtocolVersion: "two"}, warn: true},
	}
	for _, tt := range tests {
		r := &Resolved{Annotations: tt.index, Manifest: ocispec.Descriptor{Annotations: tt.child}}
		got, err := r.ProtocolVersion()
		if got != tt.want || (err != nil) != tt.warn {
			t.Errorf("ProtocolVersion(%v, %v) = %d, %v; want %d, warning %v", tt.index, tt.child, got, err, tt.want, tt.warn)
		}
	}
}

// assertNothingPublished fails if the cache holds an entry (anything but an empty staging).
func assertNothingPublished(t *testing.T, c *Client) {
	t.Helper()
	entries, _ := os.ReadDir(c.CacheDir)
	for _, e := range entries {
		if e.Name() == "staging" {
			left, _ := os.ReadDir(filepath.Join(c.CacheDir, "staging"))
			if len(left) != 0 {
				t.Errorf("staging holds %d leftover(s)", len(left))
			}
			continue
		}
		sub, _ := os.ReadDir(filepath.Join(c.CacheDir, e.Name()))
		if len(sub) != 0 {
			t.Errorf("cache holds a published entry under %s after a failed pull", e.Name())
		}
	}
}

func TestPull(t *testing.T) {
	reg := ocitest.Start(t, nil)
	exe := []byte("#!/bin/sh\necho plugin\n")
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	ocitest.Push(t, reg.Repository(t, "cf/docker"), "v1", ocitest.Plugin(t, "v1", 1, true, exe, hp))
	ocitest.Push(t, reg.Repository(t, "cf/oci"), "v1", ocitest.Plugin(t, "v1", 1, false, exe, hp))
	ocitest.Push(t, reg.Repository(t, "cf/policies"), "v1", ocitest.Policy(t, "v1", map[string]string{"ssh.rego": "package compliance_framework.ssh\n", "ssh_test.rego": "package compliance_framework.ssh_test\n"}))

	for _, repo := range []string{"cf/docker", "cf/oci"} {
		t.Run(repo, func(t *testing.T) {
			c, _ := newClient(t)
			res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref(repo, "v1")), &host)
			if err != nil {
				t.Fatal(err)
			}
			e, err := c.Pull(context.Background(), res.PullRequest(KindPlugin, ""))
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if e.Reused || e.Manifest != res.Manifest.Digest {
				t.Errorf("Entry = %+v", e)
			}
			if want := filepath.Join(c.CacheDir, "sha256", res.Manifest.Digest.Encoded()); e.Dir != want {
				t.Errorf("Dir = %s, want %s", e.Dir, want)
			}
			fi, err := os.Stat(e.Path(KindPlugin))
			if err != nil || fi.Mode().Perm() != 0o755 {
				t.Fatalf("plugin = %v, %v; want mode 0755 (the archive says 0600)", fi, err)
			}
			if got, _ := os.ReadFile(e.Path(KindPlugin)); !bytes.Equal(got, exe) {
				t.Errorf("plugin holds %q", got)
			}
			for _, f := range []string{"README.md", "LICENSE"} {
				if _, err := os.Stat(filepath.Join(e.Dir, f)); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
			if h, _ := cache.Hash(e.Dir); h != e.TreeHash || !strings.HasPrefix(h, "h1:") {
				t.Errorf("TreeHash = %s, tree hashes to %s", e.TreeHash, h)
			}
			if _, err := c.Lookup(res.Manifest.Digest, e.TreeHash, KindPlugin); err != nil {
				t.Errorf("Lookup: %v", err)
			}
			left, _ := os.ReadDir(filepath.Join(c.CacheDir, "staging"))
			if len(left) != 0 {
				t.Errorf("staging holds %d leftover(s) after a pull", len(left))
			}
		})
	}

	t.Run("policy", func(t *testing.T) {
		c, _ := newClient(t)
		res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/policies", "v1")), nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.Pull(context.Background(), res.PullRequest(KindPolicy, ""))
		if err != nil {
			t.Fatalf("Pull: %v", err)
		}
		for _, f := range []string{".manifest", "data.json", "policies/ssh.rego", "policies/ssh_test.rego"} {
			if _, err := os.Stat(filepath.Join(e.Dir, f)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		if e.Path(KindPolicy) != filepath.Join(e.Dir, "policies") {
			t.Errorf("Path(policy) = %s", e.Path(KindPolicy))
		}
		// Without a media type and size (a lock pins only the digest) the manifest is resolved first.
		c2, _ := newClient(t)
		e2, err := c2.Pull(context.Background(), PullRequest{Ref: res.Ref, Manifest: res.Manifest.Digest, Kind: KindPolicy, TreeHash: e.TreeHash})
		if err != nil || e2.TreeHash != e.TreeHash {
			t.Fatalf("Pull by digest only = %+v, %v", e2, err)
		}
	})

	t.Run("a plugin artifact is not a policy bundle", func(t *testing.T) {
		c, _ := newClient(t)
		res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/oci", "v1")), &host)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Pull(context.Background(), res.PullRequest(KindPolicy, ""))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `no "policies" directory`) {
			t.Fatalf("Pull err = %v", err)
		}
		assertNothingPublished(t, c)
	})
}

func TestPullHostile(t *testing.T) {
	reg := ocitest.Start(t, nil)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	exe := []byte("#!/bin/sh\n")
	hostile := func(h ocitest.Hostile) ocitest.Artifact { return ocitest.HostilePlugin(t, h, exe, hp) }
	tests := []struct {
		name   string
		art    ocitest.Artifact
		limits Limits
		tamper func(t *testing.T, p ocitest.Pushed)
		kind   error
		substr string
	}{
		{name: "traversal", art: hostile(ocitest.Traversal), kind: ErrInvalid, substr: `".."`},
		{name: "absolute traversal", art: hostile(ocitest.AbsoluteTraversal), kind: ErrInvalid, substr: `".."`},
		{name: "symlink", art: hostile(ocitest.Symlink), kind: ErrInvalid, substr: "link"},
		{name: "symlink as plugin", art: hostile(ocitest.SymlinkPlugin), kind: ErrInvalid, substr: "link"},
		{name: "hard link", art: hostile(ocitest.Hardlink), kind: ErrInvalid, substr: "link"},
		{name: "device", art: hostile(ocitest.Device), kind: ErrInvalid, substr: "unsupported tar type"},
		{name: "oversized layer", art: hostile(ocitest.Oversized), limits: Limits{MaxLayerBytes: 1 << 20}, kind: ErrTooLarge, substr: "more than the limit of 1048576"},
		{name: "decompression bomb", art: hostile(ocitest.Bomb), limits: Limits{Extract: archive.Limits{MaxBytes: 1 << 20}}, kind: ErrInvalid, substr: "beyond the limit"},
		{name: "too many files", art: ocitest.Plugin(t, "v1", 1, false, exe, hp), limits: Limits{Extract: archive.Limits{MaxFiles: 2}}, kind: ErrInvalid, substr: "more than 2"},
		{name: "no plugin", art: ocitest.Artifact{Children: []ocitest.Child{{Platform: &hp, Layers: [][]byte{ocitest.TarGz(t, []ocitest.File{{Name: "/README.md"}})}}}}, kind: ErrInvalid, substr: `no regular file "plugin"`},
		{name: "not gzip", art: ocitest.Artifact{Children: []ocitest.Child{{Platform: &hp, Layers: [][]byte{[]byte("not a tarball")}}}}, kind: ErrInvalid, substr: "not a valid gzip"},
		{name: "layer media type", art: ocitest.Artifact{Children: []ocitest.Child{{Platform: &hp, LayerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd", Layers: [][]byte{ocitest.TarGz(t, ocitest.PluginFiles(exe))}}}}, kind: ErrInvalid, substr: "only tar+gzip"},
		{name: "blob altered in storage", art: ocitest.Plugin(t, "v1", 1, true, exe, hp), tamper: func(t *testing.T, p ocitest.Pushed) { reg.CorruptBlob(t, p.Layers[0][0].Digest) }, kind: ErrDigestMismatch, substr: "does not match its digest"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := "hostile/case" + strconv.Itoa(i)
			p := ocitest.Push(t, reg.Repository(t, repo), "v1", tt.art)
			if tt.tamper != nil {
				tt.tamper(t, p)
			}
			c, _ := newClient(t)
			c.Limits = tt.limits
			ref := mustRef(t, reg.Ref(repo, "v1"))
			res, err := c.Resolve(context.Background(), ref, &host)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			_, err = c.Pull(context.Background(), res.PullRequest(KindPlugin, ""))
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("Pull err = %v; want %v containing %q", err, tt.kind, tt.substr)
			}
			if !strings.HasPrefix(err.Error(), ref.String()+": ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line that starts with the reference", err)
			}
			assertNothingPublished(t, c)
			if _, err := os.Stat(filepath.Join(filepath.Dir(c.CacheDir), "x")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a file escaped the cache: %v", err)
			}
		})
	}
}
