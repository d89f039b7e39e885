package install

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/registrytest"
	"github.com/compliance-framework/argus/internal/runner"
)

func TestResolver(t *testing.T) {
	e := newEnv(t, false)
	res := e.installCIS(t)
	r := &Resolver{Self: "/usr/bin/argus", Installed: &Verifier{Cache: e.cache, Config: e.cfg, Lock: e.lock(t)}}

	got, err := r.Command(context.Background(), "builtin/file")
	if diff := cmp.Diff(runner.Command{Path: "/usr/bin/argus", Args: []string{"__builtin", "builtin/file"}}, got); diff != "" || err != nil {
		t.Errorf("built-in (-want +got, err %v):\n%s", err, diff)
	}
	got, err = r.Command(context.Background(), "cis")
	if err != nil || got.Path != res.Providers[0].Entrypoint || len(got.Args) != 0 {
		t.Errorf("installed provider = %+v, %v; want its entrypoint %s", got, err, res.Providers[0].Entrypoint)
	}
	if _, err := r.Command(context.Background(), "nope"); err == nil {
		t.Error("a provider without a block resolved")
	}

	// A binary replaced after install is refused, not run.
	registrytest.WriteFile(t, res.Providers[0].Entrypoint, []byte("#!/bin/sh\necho pwned\n"), 0o755)
	r.Installed = &Verifier{Cache: e.cache, Config: e.cfg, Lock: e.lock(t)}
	var mm *cache.MismatchError
	if _, err := r.Command(context.Background(), "cis"); !errors.As(err, &mm) {
		t.Errorf("tampered provider: err = %v, want a MismatchError", err)
	}

	// Without provider blocks there is nothing installed to resolve.
	bare := &Resolver{Self: "/usr/bin/argus"}
	if _, err := bare.Command(context.Background(), "cis"); err == nil || !strings.Contains(err.Error(), `no provider block named "cis"`) {
		t.Errorf("no provider blocks: err = %v", err)
	}
}

func TestChooseLockMode(t *testing.T) {
	tests := []struct {
		flag       string
		ci, remote bool
		want       LockMode
		wantErr    bool
	}{
		{"auto", false, false, LockUpdate, false},
		{"auto", true, false, LockReadOnly, false},
		{"update", true, false, LockUpdate, false},
		{"readonly", false, false, LockReadOnly, false},
		{"auto", false, true, LockReadOnly, false},
		{"readonly", false, true, LockReadOnly, false},
		{"update", false, true, 0, true},
	}
	for _, tt := range tests {
		got, err := ChooseLockMode(tt.flag, tt.ci, tt.remote)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ChooseLockMode(%q, ci=%v, remote=%v) = %v, %v; want %v (error: %v)", tt.flag, tt.ci, tt.remote, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestUnverifiedError(t *testing.T) {
	if got := (&UnverifiedError{Count: 2}).Error(); got != "2 provider(s) are not installed or do not verify" {
		t.Errorf("Error() = %q", got)
	}
}
