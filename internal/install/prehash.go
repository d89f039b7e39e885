package install

import (
	"context"
	"runtime"
	"sync"

	"github.com/compliance-framework/argus/internal/cache"
	"golang.org/x/sync/errgroup"
)

// hashed is the h1 hash of one cache entry, computed once by prehash.
type hashed struct {
	h1  string
	err error
}

// prehash hashes, in parallel across the machine's cores, every registry entry the old lock
// pins, so that the warm path (one entry per provider, each hashed in full) costs the slowest
// core's share of the bytes rather than all of them on one core. Nothing is trusted from an
// earlier run: every installed byte is still read and hashed by this one. Local providers are
// left out (their source tree is what is hashed, by InstallLocal).
func (in *installer) prehash(ctx context.Context) {
	if in.req.Upgrade {
		return
	}
	dirs := map[string]bool{}
	for _, p := range in.req.Config.Providers {
		if p.IsLocal() {
			continue
		}
		dir, _, err := entry(in.req.Cache, p, in.old, in.req.Platform)
		if err == nil {
			dirs[dir] = true
		}
	}
	if len(dirs) < 2 {
		return // nothing to run side by side: warm hashes the one entry itself
	}
	in.hashes = make(map[string]hashed, len(dirs))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for dir := range dirs {
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // warm hashes it itself if it still gets that far
			}
			h, err := cache.Hash(dir)
			mu.Lock()
			in.hashes[dir] = hashed{h1: h, err: err}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // every goroutine returns nil: an entry that fails to hash is not warm
}

// verifyInstalled is cache.VerifyInstalled using the hash prehash computed for dir in this
// run, when there is one.
func (in *installer) verifyInstalled(dir, want string) error {
	h, ok := in.hashes[dir]
	if !ok {
		return cache.VerifyInstalled(dir, want)
	}
	if want == "" {
		return cache.VerifyInstalled(dir, want)
	}
	if h.err != nil {
		return h.err
	}
	if h.h1 != want {
		return &cache.MismatchError{Dir: dir, Want: want, Got: h.h1}
	}
	return nil
}
