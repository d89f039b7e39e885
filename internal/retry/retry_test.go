package retry

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestBackoffCeiling(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{100, time.Second}, // no overflow
	}
	for _, tt := range tests {
		if got := b.Ceiling(tt.n); got != tt.want {
			t.Errorf("Ceiling(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	if got := (Backoff{}).Ceiling(1); got != DefaultBase {
		t.Errorf("zero Backoff Ceiling(1) = %v, want %v", got, DefaultBase)
	}
}

func TestBackoffWaitIsFullJitter(t *testing.T) {
	for _, f := range []float64{0, 0.5, 0.999} {
		b := Backoff{Base: time.Second, Max: 8 * time.Second, Float64: func() float64 { return f }}
		want := time.Duration(f * float64(4*time.Second))
		if got := b.Wait(3); got != want {
			t.Errorf("Wait(3) with jitter %v = %v, want %v", f, got, want)
		}
	}
	// The default generator stays within the ceiling.
	b := Backoff{Base: time.Second, Max: time.Second}
	for range 100 {
		if w := b.Wait(1); w < 0 || w >= time.Second {
			t.Fatalf("Wait(1) = %v, want in [0, 1s)", w)
		}
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(10 * time.Second)
	b.Charge(3 * time.Second)
	if !b.Reserve(5 * time.Second) {
		t.Fatal("Reserve(5s) with 7s left refused")
	}
	if got := b.Remaining(); got != 2*time.Second {
		t.Fatalf("Remaining = %v, want 2s", got)
	}
	if b.Exhausted() {
		t.Fatal("Exhausted before any refusal")
	}
	if b.Reserve(3 * time.Second) {
		t.Fatal("Reserve(3s) with 2s left granted")
	}
	if !b.Exhausted() {
		t.Fatal("not Exhausted after a refusal")
	}
	if b.Reserve(time.Millisecond) {
		t.Fatal("Reserve granted after exhaustion")
	}
	b.Charge(time.Hour)
	if got := b.Remaining(); got != 0 {
		t.Fatalf("Remaining after overcharge = %v, want 0", got)
	}
}

func TestBudgetZeroAllowsNoRetry(t *testing.T) {
	b := NewBudget(0)
	if b.Reserve(time.Nanosecond) {
		t.Fatal("zero budget granted a wait")
	}
}

func TestBudgetConcurrent(t *testing.T) {
	b := NewBudget(time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 20 {
		wg.Go(func() {
			if b.Reserve(100 * time.Millisecond) {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if granted != 10 {
		t.Fatalf("granted %d reservations of 100ms from 1s, want 10", granted)
	}
}

func TestSleepCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on cancelled context = %v, want context.Canceled", err)
	}
	if err := Sleep(t.Context(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v", err)
	}
}
