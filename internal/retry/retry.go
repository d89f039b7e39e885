package retry

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Backoff is exponential backoff with full jitter: the wait before retry n (counting from 1) is
// uniform in [0, min(Max, Base·2^(n-1))). Full jitter spreads retries of many clients that
// failed at the same moment instead of synchronising them.
type Backoff struct {
	Base time.Duration // first ceiling; DefaultBase when zero
	Max  time.Duration // largest ceiling; DefaultMax when zero
	// Float64 returns a number in [0, 1). It is injectable so that tests are deterministic;
	// nil uses a private generator seeded from the runtime (never the global one).
	Float64 func() float64
}

// Defaults for a zero Backoff.
const (
	DefaultBase = 500 * time.Millisecond
	DefaultMax  = 30 * time.Second
)

// Ceiling is the upper bound of the wait before retry n (n >= 1), before jitter.
func (b Backoff) Ceiling(n int) time.Duration {
	base, maxWait := b.Base, b.Max
	if base <= 0 {
		base = DefaultBase
	}
	if maxWait <= 0 {
		maxWait = DefaultMax
	}
	if n < 1 {
		n = 1
	}
	d := base
	for i := 1; i < n; i++ {
		d *= 2
		if d >= maxWait || d <= 0 { // d <= 0: overflow
			return maxWait
		}
	}
	return min(d, maxWait)
}

// Wait is the jittered wait before retry n (n >= 1).
func (b Backoff) Wait(n int) time.Duration {
	f := b.Float64
	if f == nil {
		f = rand.Float64 // per-goroutine-safe, runtime-seeded; no shared mutable state of ours
	}
	return time.Duration(f() * float64(b.Ceiling(n)))
}

// Budget is how much time one invocation may spend on failed attempts and waits between
// retries, shared by every request it makes. It is safe for concurrent use.
//
// Once a caller is refused (the budget cannot cover its next wait), the budget is exhausted for
// good: later callers should not even try, because the service has been failing for as long as
// the user agreed to wait.
type Budget struct {
	mu        sync.Mutex
	total     time.Duration
	remaining time.Duration
	exhausted bool
}

// NewBudget returns a budget of total. A total of zero or less allows no retries at all (each
// request is tried once).
func NewBudget(total time.Duration) *Budget {
	total = max(total, 0)
	return &Budget{total: total, remaining: total}
}

// Total is the budget it was created with.
func (b *Budget) Total() time.Duration { return b.total }

// Remaining is what is left.
func (b *Budget) Remaining() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.remaining
}

// Exhausted reports whether a caller has already been refused.
func (b *Budget) Exhausted() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exhausted
}

// Charge deducts time already lost (a failed attempt), never refusing: it has been spent.
func (b *Budget) Charge(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remaining = max(b.remaining-max(d, 0), 0)
}

// Reserve takes d for a wait before a retry. It returns false, and marks the budget exhausted,
// when d is more than what remains: the caller must give up rather than wait.
func (b *Budget) Reserve(d time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.exhausted || d > b.remaining {
		b.exhausted = true
		return false
	}
	b.remaining -= max(d, 0)
	return true
}

// Sleep waits for d or until ctx is done, whichever comes first, and returns ctx's error in
// the second case. It is the default sleep of retrying callers, which accept a replacement in
// tests.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
