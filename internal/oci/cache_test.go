package oci

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/ocitest"
)

func TestMovedTag(t *testing.T) {
	reg := ocitest.Start(t, nil)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	repo := reg.Repository(t, "cf/plugin")
	first := ocitest.Push(t, repo, "latest", ocitest.Plugin(t, "latest", 1, true, []byte("#!/bin/sh\necho one\n"), hp))
	ref := mustRef(t, reg.Ref("cf/plugin", "latest"))
	c, _ := newClient(t)
	locked, err := c.Resolve(context.Background(), ref, &host)
	if err != nil {
		t.Fatal(err)
	}
	if err := locked.CheckLocked(first.Index.Digest); err != nil {
		t.Fatalf("CheckLocked right after resolving: %v", err)
	}
	e1, err := c.Pull(context.Background(), locked.PullRequest(KindPlugin, ""))
	if err != nil {
		t.Fatal(err)
	}

	second := ocitest.Push(t, repo, "latest", ocitest.Plugin(t, "latest", 1, true, []byte("#!/bin/sh\necho two\n"), hp))
	now, err := c.Resolve(context.Background(), ref, &host)
	if err != nil {
		t.Fatal(err)
	}
	if now.Index != second.Index.Digest || now.Index == locked.Index || now.Manifest.Digest == locked.Manifest.Digest {
		t.Fatalf("after the tag moved, Resolve = %s (manifest %s); want the new index %s", now.Index, now.Manifest.Digest, second.Index.Digest)
	}
	err = now.CheckLocked(locked.Index)
	var me *MovedError
	if !errors.As(err, &me) || !errors.Is(err, ErrMoved) || !strings.Contains(err.Error(), locked.Index.String()) ||
		!strings.Contains(err.Error(), now.Index.String()) || strings.Contains(err.Error(), "argus ") {
		t.Fatalf("CheckLocked = %v, want a MovedError naming both digests and no argus command (internal/exitcode says the fix)", err)
	}
	if err := now.CheckLocked(""); err != nil {
		t.Errorf("CheckLocked with nothing locked = %v", err)
	}

	// The pinned digests still work: the old artifact is pulled by digest, not by tag.
	pinned, err := c.Resolve(context.Background(), ref.WithDigest(locked.Index), &host)
	if err != nil || pinned.Manifest.Digest != locked.Manifest.Digest {
		t.Fatalf("Resolve of the pinned digest = %+v, %v", pinned, err)
	}
	c2, _ := newClient(t)
	e2, err := c2.Pull(context.Background(), PullRequest{Ref: ref, Manifest: locked.Manifest.Digest, Kind: KindPlugin, TreeHash: e1.TreeHash})
	if err != nil {
		t.Fatalf("Pull of the locked manifest after the tag moved: %v", err)
	}
	if body, _ := os.ReadFile(e2.Path(KindPlugin)); !strings.Contains(string(body), "one") {
		t.Errorf("pulled the moved tag's content %q instead of the pinned one", body)
	}
	// And the new artifact's tree is not what the lock pins.
	c3, _ := newClient(t)
	_, err = c3.Pull(context.Background(), now.PullRequest(KindPlugin, e1.TreeHash))
	if !errors.Is(err, ErrTreeMismatch) || !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "the lock file says "+e1.TreeHash) {
		t.Fatalf("Pull of the new artifact against the old tree hash = %v", err)
	}
	assertNothingPublished(t, c3)
}

func TestWarmPullMakesNoRequest(t *testing.T) {
	reg := ocitest.Start(t, nil)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	ocitest.Push(t, reg.Repository(t, "cf/plugin"), "v1", ocitest.Plugin(t, "v1", 1, false, []byte("#!/bin/sh\n"), hp))
	c, counter := newClient(t)
	res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/plugin", "v1")), &host)
	if err != nil {
		t.Fatal(err)
	}
	cold, err := c.Pull(context.Background(), res.PullRequest(KindPlugin, ""))
	if err != nil || cold.Reused {
		t.Fatalf("cold Pull = %+v, %v", cold, err)
	}
	if counter.n.Load() == 0 {
		t.Fatal("the counting transport saw no request: the test cannot tell a warm pull from a cold one")
	}

	reg.Stop() // any request now fails, on top of being counted
	counter.n.Store(0)
	req := PullRequest{Ref: res.Ref, Manifest: res.Manifest.Digest, Kind: KindPlugin, TreeHash: cold.TreeHash}
	warm, err := c.Pull(context.Background(), req)
	if err != nil {
		t.Fatalf("warm Pull: %v", err)
	}
	if !warm.Reused || warm.Dir != cold.Dir || warm.TreeHash != cold.TreeHash {
		t.Errorf("warm Pull = %+v, want the cold entry reused", warm)
	}
	if n := counter.n.Load(); n != 0 {
		t.Errorf("warm Pull made %d request(s), want none", n)
	}
	if _, err := c.Lookup(req.Manifest, cold.TreeHash, KindPlugin); err != nil {
		t.Errorf("Lookup: %v", err)
	}
	if n := counter.n.Load(); n != 0 {
		t.Errorf("Lookup made %d request(s)", n)
	}

	// A damaged entry is never used: Lookup refuses it, and Pull moves it aside and fetches
	// again (which fails here, as the registry is gone) rather than trusting it.
	if err := os.WriteFile(filepath.Join(cold.Dir, "README.md"), []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	var mismatch *cache.MismatchError
	if _, err := c.Lookup(req.Manifest, cold.TreeHash, KindPlugin); !errors.Is(err, ErrCacheDamaged) || !errors.As(err, &mismatch) || strings.Contains(err.Error(), "argus ") {
		t.Errorf("Lookup of a tampered entry = %v, want ErrCacheDamaged wrapping a *cache.MismatchError", err)
	}
	if _, err := c.Pull(context.Background(), req); err == nil {
		t.Error("Pull reused a tampered entry")
	}
	if _, err := os.Stat(cold.Dir); err == nil {
		t.Error("the tampered entry is still in place")
	}
	if _, err := c.Lookup(req.Manifest, cold.TreeHash, KindPlugin); !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), "not in the cache") {
		t.Errorf("Lookup after the entry was removed = %v", err)
	}
}

func TestStaleStagingIsRemoved(t *testing.T) {
	reg := ocitest.Start(t, nil)
	ocitest.Push(t, reg.Repository(t, "cf/p"), "v1", ocitest.Policy(t, "v1", map[string]string{"a.rego": "package a\n"}))
	c, _ := newClient(t)
	stale := filepath.Join(c.CacheDir, "staging", "pull-crashed")
	fresh := filepath.Join(c.CacheDir, "staging", "pull-running")
	for _, d := range []string{stale, fresh} {
		if err := os.MkdirAll(filepath.Join(d, "tree"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/p", "v1")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pull(context.Background(), res.PullRequest(KindPolicy, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a day-old staging directory survived a pull")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a pull removed another pull's fresh staging directory: %v", err)
	}
}

func TestRepairDamagedEntry(t *testing.T) {
	reg := ocitest.Start(t, nil)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	ocitest.Push(t, reg.Repository(t, "cf/plugin"), "v1", ocitest.Plugin(t, "v1", 1, false, []byte("#!/bin/sh\n"), hp))
	c, _ := newClient(t)
	res, err := c.Resolve(context.Background(), mustRef(t, reg.Ref("cf/plugin", "v1")), &host)
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.Pull(context.Background(), res.PullRequest(KindPlugin, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(first.Path(KindPlugin), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(first.Manifest, first.TreeHash, KindPlugin); err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Errorf("Lookup of a non-executable plugin = %v", err)
	}
	again, err := c.Pull(context.Background(), res.PullRequest(KindPlugin, first.TreeHash))
	if err != nil || again.Reused || again.TreeHash != first.TreeHash {
		t.Fatalf("Pull over a damaged entry = %+v, %v; want a fresh entry", again, err)
	}
	if fi, _ := os.Stat(again.Path(KindPlugin)); fi.Mode().Perm() != 0o755 {
		t.Errorf("plugin mode %v after repair", fi.Mode())
	}
}

func TestLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	store := ocitest.Layout(t, dir)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	plugin := ocitest.Push(t, store, "v1.2.3", ocitest.Plugin(t, "v1.2.3", 2, true, []byte("#!/bin/sh\n"), hp, linuxArm64))
	policy := ocitest.Push(t, store, "p0.3.1", ocitest.Policy(t, "p0.3.1", map[string]string{"a.rego": "package compliance_framework.a\n"}))
	if err := store.SaveIndex(); err != nil {
		t.Fatal(err)
	}

	c, counter := newClient(t)
	for _, s := range []string{LayoutScheme + dir + ":v1.2.3", LayoutScheme + dir + "@" + plugin.Index.Digest.String()} {
		t.Run(s, func(t *testing.T) {
			res, err := c.Resolve(context.Background(), mustRef(t, s), &host)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if res.Index != plugin.Index.Digest || res.Manifest.Digest != plugin.Children[0].Digest {
				t.Errorf("Resolve = %s / %s", res.Index, res.Manifest.Digest)
			}
			if v, _ := res.ProtocolVersion(); v != 2 {
				t.Errorf("ProtocolVersion = %d", v)
			}
			e, err := c.Pull(context.Background(), res.PullRequest(KindPlugin, ""))
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if fi, err := os.Stat(e.Path(KindPlugin)); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("plugin: %v %v", fi, err)
			}
		})
	}
	t.Run("policy", func(t *testing.T) {
		res, err := c.Resolve(context.Background(), mustRef(t, LayoutScheme+dir+":p0.3.1"), nil)
		if err != nil || res.Manifest.Digest != policy.Children[0].Digest {
			t.Fatalf("Resolve = %+v, %v", res, err)
		}
		// By digest only, as from a lock: the layout resolves the child manifest itself.
		e, err := c.Pull(context.Background(), PullRequest{Ref: res.Ref, Manifest: res.Manifest.Digest, Kind: KindPolicy})
		if err != nil {
			t.Fatalf("Pull: %v", err)
		}
		if _, err := os.Stat(filepath.Join(e.Path(KindPolicy), "a.rego")); err != nil {
			t.Error(err)
		}
	})
	if n := counter.n.Load(); n != 0 {
		t.Errorf("a layout made %d network request(s)", n)
	}

	t.Run("missing tag", func(t *testing.T) {
		_, err := c.Resolve(context.Background(), mustRef(t, LayoutScheme+dir+":v9"), &host)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "p0.3.1, v1.2.3") {
			t.Fatalf("Resolve err = %v", err)
		}
	})
	t.Run("not a directory", func(t *testing.T) {
		_, err := c.Resolve(context.Background(), mustRef(t, LayoutScheme+dir+"/nope:v1"), &host)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "OCI image layout directory") {
			t.Fatalf("Resolve err = %v", err)
		}
	})
	t.Run("not a layout", func(t *testing.T) {
		_, err := c.Resolve(context.Background(), mustRef(t, LayoutScheme+t.TempDir()+":v1"), &host)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Resolve err = %v", err)
		}
	})
	t.Run("blob altered", func(t *testing.T) {
		ocitest.CorruptLayoutBlob(t, dir, plugin.Layers[1][0].Digest) // the arm64 child shares the layer
		arm := Platform{OS: "linux", Architecture: "arm64"}
		c2, _ := newClient(t)
		res, err := c2.Resolve(context.Background(), mustRef(t, LayoutScheme+dir+":v1.2.3"), &arm)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c2.Pull(context.Background(), res.PullRequest(KindPlugin, ""))
		if !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("Pull err = %v, want ErrDigestMismatch", err)
		}
		assertNothingPublished(t, c2)
	})
}
