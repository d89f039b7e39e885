package install

import (
	"context"
	"fmt"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// BenchmarkWarmInit measures `argus init` with a satisfied lock and a warm cache: 20 providers
// with a 2 MiB executable each. "init" is Init (entries verified in parallel, through their
// verification records when they are valid); "sequential-hash" is the baseline beside it, every
// byte of the same entries re-hashed one entry after another, which is what a warm init cost
// before.
func BenchmarkWarmInit(b *testing.B) {
	reg := registrytest.New(b, registrytest.Options{})
	cfg := &config.Config{Dir: b.TempDir(),
		Registries: []config.Registry{{Host: reg.Host, URL: reg.URL(), SigningKeys: []string{reg.Key.String()}}}}
	for i := range 20 {
		name := fmt.Sprintf("p%02d", i)
		reg.Publish(b, registrytest.Release{Namespace: "acme", Name: name, Version: "1.4.0",
			Executable: append(registrytest.Script(name), make([]byte, 2<<20)...)})
		cfg.Providers = append(cfg.Providers, config.Provider{Name: name, Source: reg.Source("acme", name), Version: ">= 1.0.0"})
	}
	req := Request{Config: cfg, Cache: &cache.Cache{Dir: b.TempDir()}, Fetcher: getter.New(nil)}
	res, err := Init(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	reg.FailAll(true)
	before := reg.Requests()
	b.Run("init", func(b *testing.B) {
		for b.Loop() {
			if _, err := Init(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sequential-hash", func(b *testing.B) {
		for b.Loop() {
			for _, p := range res.Providers {
				if _, err := cache.Hash(p.Dir); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	if n := reg.Requests() - before; n != 0 {
		b.Fatalf("warm init made %d requests, want 0", n)
	}
}
