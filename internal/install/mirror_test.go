package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/registrytest"
)

func TestMirrorServesAnAirGappedInit(t *testing.T) {
	e := newEnv(t, true)
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Platforms = []string{CurrentPlatform, "plan9_arm"} })
	e.publish(t, "cis", "1.5.0", nil)
	e.provider("cis", "< 1.5.0")
	if _, err := LockPlatforms(context.Background(), e.request(), []string{"plan9_arm"}); err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(t.TempDir(), "mirror")
	registrytest.WriteFile(t, filepath.Join(mirror, "stale", "old"), []byte("x"), 0o644) // a previous mirror is replaced whole
	req := MirrorRequest{Config: e.cfg, Lock: e.lock(t), Fetcher: e.getter, Dir: mirror}
	if err := Mirror(context.Background(), req); err != nil {
		t.Fatalf("Mirror: %v", err)
	}
	if _, err := os.Stat(filepath.Join(mirror, "stale")); err == nil {
		t.Error("the previous mirror's content survived")
	}
	siblings, _ := os.ReadDir(filepath.Dir(mirror))
	if len(siblings) != 1 {
		t.Errorf("mirror staging left next to the mirror: %v", siblings)
	}

	// A fresh machine with only the mirror (as a directory) and the lock: the origin is down.
	e.reg.FailAll(true)
	before := e.reg.Requests()
	cfg := &config.Config{Dir: t.TempDir(), Providers: e.cfg.Providers,
		Registries: []config.Registry{{Host: e.reg.Host, URL: mirror, SigningKeys: []string{e.reg.Key.String()}}}}
	lockBytes, _ := os.ReadFile(filepath.Join(e.cfg.Dir, lockfile.FileName))
	registrytest.WriteFile(t, filepath.Join(cfg.Dir, lockfile.FileName), lockBytes, 0o644)
	res, err := Init(context.Background(), Request{Config: cfg, Cache: &cache.Cache{Dir: t.TempDir()}, Fetcher: e.getter,
		Mode: LockReadOnly, Platforms: []string{"plan9_arm"}})
	if err != nil {
		t.Fatalf("Init from the mirror: %v", err)
	}
	if res.Providers[0].Version != "1.4.0" || res.Providers[0].Reused {
		t.Errorf("Init from mirror = %+v", res.Providers[0])
	}
	if e.reg.Requests() != before {
		t.Errorf("init from the mirror reached the origin registry")
	}
}

func TestMirrorFailureKeepsPreviousMirror(t *testing.T) {
	e := newEnv(t, false)
	e.installCIS(t)
	mirror := filepath.Join(t.TempDir(), "mirror")
	registrytest.WriteFile(t, filepath.Join(mirror, "keep"), []byte("x"), 0o644)
	e.reg.FailAll(true)
	err := Mirror(context.Background(), MirrorRequest{Config: e.cfg, Lock: e.lock(t), Fetcher: e.getter, Dir: mirror})
	if err == nil || !strings.Contains(err.Error(), "mirror "+e.reg.Source("acme", "cis")) {
		t.Fatalf("Mirror against a failing registry: %v", err)
	}
	if _, err := os.Stat(filepath.Join(mirror, "keep")); err != nil {
		t.Errorf("previous mirror damaged: %v", err)
	}
	if siblings, _ := os.ReadDir(filepath.Dir(mirror)); len(siblings) != 1 {
		t.Errorf("staging left behind: %v", siblings)
	}
}
