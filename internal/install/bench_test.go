package install

import (
	"context"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// BenchmarkWarmInit measures `argus init` with a satisfied lock and a warm cache (one provider
// with a 4 MiB executable, re-hashed on every run): the cost is the h1 re-hash.
func BenchmarkWarmInit(b *testing.B) {
	reg := registrytest.New(b, registrytest.Options{})
	reg.Publish(b, registrytest.Release{Namespace: "acme", Name: "cis", Version: "1.4.0",
		Executable: append(registrytest.Script("cis"), make([]byte, 4<<20)...)})
	cfg := &config.Config{Dir: b.TempDir(),
		Registries: []config.Registry{{Host: reg.Host, URL: reg.URL(), SigningKeys: []string{reg.Key.String()}}},
		Providers:  []config.Provider{{Name: "cis", Source: reg.Source("acme", "cis"), Version: ">= 1.0.0"}}}
	req := Request{Config: cfg, Cache: &cache.Cache{Dir: b.TempDir()}, Fetcher: getter.New(nil)}
	if _, err := Init(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	reg.FailAll(true)
	before := reg.Requests()
	for b.Loop() {
		if _, err := Init(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(reg.Requests()-before), "requests")
}
