package oci

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/compliance-framework/argus/internal/ocitest"
)

// BenchmarkPull pulls a plugin with a 32 MiB incompressible executable (the size of a real CCF
// plugin) into a fresh cache each time. B/op shows that the layer streams to disk instead of
// being held in memory (the agent reads whole plugin binaries).
func BenchmarkPull(b *testing.B) {
	reg := ocitest.Start(b, nil)
	exe := make([]byte, 32<<20)
	_, _ = rand.NewChaCha8([32]byte{2}).Read(exe)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	ocitest.Push(b, reg.Repository(b, "bench/plugin"), "v1", ocitest.Plugin(b, "v1", 1, false, exe, hp))
	ref, err := ParseReference(reg.Ref("bench/plugin", "v1"))
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	c := &Client{CacheDir: root, DockerConfig: filepath.Join(root, "no-docker-config.json")}
	res, err := c.Resolve(context.Background(), ref, &host)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(exe)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.CacheDir = filepath.Join(root, strconv.Itoa(i))
		i++
		if _, err := c.Pull(context.Background(), res.PullRequest(KindPlugin, "")); err != nil {
			b.Fatal(err)
		}
	}
}
