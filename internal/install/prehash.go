package install

import (
	"context"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"
)

// hashed is the outcome of verifying one cache entry against the h1 hash the lock pins,
// computed once by prehash.
type hashed struct {
	want string
	err  error
}

// prehash verifies, in parallel across the machine's cores, every registry entry the old lock
// pins (cache.Verify: a valid verification record, else a full re-hash), so that the warm path
// costs the slowest core's share of the bytes rather than all of them on one core. Local
// providers are left out (their source tree is what is hashed, by InstallLocal).
func (in *installer) prehash(ctx context.Context) {
	if in.req.Upgrade {
		return
	}
	dirs := map[string]string{} // entry dir → the h1 hash the lock pins for it
	for _, p := range in.req.Config.Providers {
		if p.IsLocal() {
			continue
		}
		dir, h1, err := entry(in.req.Cache, p, in.old, in.req.Platform)
		if err == nil {
			dirs[dir] = h1
		}
	}
	if len(dirs) < 2 {
		return // nothing to run side by side: warm hashes the one entry itself
	}
	in.hashes = make(map[string]hashed, len(dirs))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for dir, want := range dirs {
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // warm verifies it itself if it still gets that far
			}
			err := in.req.Cache.Verify(dir, want)
			mu.Lock()
			in.hashes[dir] = hashed{want: want, err: err}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // every goroutine returns nil: an entry that fails to hash is not warm
}

// verifyInstalled is Cache.Verify, answered from prehash when it verified dir against want.
func (in *installer) verifyInstalled(dir, want string) error {
	if h, ok := in.hashes[dir]; ok && want != "" && h.want == want {
		return h.err
	}
	return in.req.Cache.Verify(dir, want)
}
