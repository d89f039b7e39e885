package install

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// helperSpec is what a re-executed test binary needs to act as `argus init`.
type helperSpec struct {
	RegistryURL, Host, Key, Source string
	CacheDir, ConfigDir            string
}

const helperEnv = "ARGUS_INSTALL_HELPER"

// TestMain turns the test binary into an `argus init`-like process when re-executed by
// TestConcurrentInitProcesses.
func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		os.Exit(helperInit(spec))
	}
	os.Exit(m.Run())
}

func helperInit(raw string) int {
	var s helperSpec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		fmt.Println(err)
		return 2
	}
	cfg := &config.Config{Dir: s.ConfigDir,
		Registries: []config.Registry{{Host: s.Host, URL: s.RegistryURL, SigningKeys: []string{s.Key}}},
		Providers:  []config.Provider{{Name: "cis", Source: s.Source, Version: ">= 1.0.0"}}}
	c := &cache.Cache{Dir: s.CacheDir}
	_, err := Init(context.Background(), Request{Config: cfg, Cache: c, Fetcher: getter.New(nil)})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	lock, _ := lockfile.Load(filepath.Join(s.ConfigDir, lockfile.FileName))
	if _, err := Lookup(c, cfg, lock, "cis"); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

// TestConcurrentInitProcesses runs several real processes that init the same provider into one
// cache at the same moment: all succeed and one intact entry remains.
func TestConcurrentInitProcesses(t *testing.T) {
	reg := registrytest.New(t, registrytest.Options{})
	reg.Publish(t, registrytest.Release{Namespace: "acme", Name: "cis", Version: "1.4.0",
		Executable: append(registrytest.Script("cis"), make([]byte, 4<<20)...)})
	cacheDir := t.TempDir()
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]*strings.Builder, n)
	for i := range cmds {
		spec, _ := json.Marshal(helperSpec{RegistryURL: reg.URL(), Host: reg.Host, Key: reg.Key.String(),
			Source: reg.Source("acme", "cis"), CacheDir: cacheDir, ConfigDir: t.TempDir()})
		cmds[i] = exec.CommandContext(t.Context(), os.Args[0])
		cmds[i].Env = append(os.Environ(), helperEnv+"="+string(spec))
		outs[i] = &strings.Builder{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	versions, _ := os.ReadDir(filepath.Join(cacheDir, "providers", reg.Host, "acme", "cis", "1.4.0"))
	var dirs []string
	for _, v := range versions {
		if v.IsDir() {
			dirs = append(dirs, v.Name())
		}
	}
	if len(dirs) != 1 || !strings.HasPrefix(dirs[0], CurrentPlatform+"-h1-") {
		t.Errorf("cache entries = %v, want exactly one %s-h1-<hash>", dirs, CurrentPlatform)
	}
	if left, _ := os.ReadDir(filepath.Join(cacheDir, "staging")); len(left) != 0 {
		t.Errorf("staging left behind: %d", len(left))
	}
}

// TestEndToEndWithBuiltProvider builds the sshd example provider, publishes it signed, installs
// it, and runs it as argus would.
func TestEndToEndWithBuiltProvider(t *testing.T) {
	e := newEnv(t, true)
	exe := registrytest.BuildExecutable(t, filepath.Join("..", "..", "examples", "providers", "sshd"), filepath.Join(t.TempDir(), "sshd"))
	e.reg.Publish(t, registrytest.Release{Namespace: "acme", Name: "sshd", Version: "0.1.0", Executable: exe})
	e.provider("sshd", "~> 0.1")
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	entry, err := Lookup(e.cache, e.cfg, e.lock(t), "sshd")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "sshd_config")
	registrytest.WriteFile(t, conf, []byte("PermitRootLogin no\n"), 0o644)
	cmd := exec.CommandContext(t.Context(), entry)
	cmd.Stdin = strings.NewReader(fmt.Sprintf(`{"protocol":1,"job":{"name":"ssh"},"config":{"path":%q,"expect":{"PermitRootLogin":"no"}}}`, conf))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run installed provider: %v", err)
	}
	if !strings.Contains(string(out), `"status":"pass"`) {
		t.Errorf("provider output = %s", out)
	}
}
