package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/oci"
	"github.com/compliance-framework/argus/internal/ocitest"
)

var (
	linuxAMD64 = ocispec.Platform{OS: "linux", Architecture: "amd64"}
	linuxARM64 = ocispec.Platform{OS: "linux", Architecture: "arm64"}
)

// ccfEnv is one project with a CCF plugin and a policy bundle in a real registry.
type ccfEnv struct {
	reg    *ocitest.Registry
	cfg    *config.Config
	cache  *cache.Cache
	events recorder
}

func newCCFEnv(t *testing.T, protocol int) *ccfEnv {
	t.Helper()
	reg := ocitest.Start(t, nil)
	e := &ccfEnv{reg: reg, cache: &cache.Cache{Dir: t.TempDir()}, cfg: &config.Config{Dir: t.TempDir()}}
	ocitest.Push(t, reg.Repository(t, "acme/plugin-x"), "v1", ocitest.Plugin(t, "v1", protocol, true, []byte("#!/bin/sh\necho v1\n"), linuxAMD64, linuxARM64))
	ocitest.Push(t, reg.Repository(t, "acme/plugin-x-policies"), "v1", ocitest.Policy(t, "v1", map[string]string{"a.rego": "package compliance_framework.a\n"}))
	pol := reg.Ref("acme/plugin-x-policies", "v1")
	e.cfg.Providers = []config.Provider{{Name: "x", Source: reg.Ref("acme/plugin-x", "v1"), Kind: config.KindCCFPlugin, Policies: []string{pol}}}
	e.cfg.Jobs = []config.Job{{Name: "x", Provider: "x", Policies: []string{pol}}}
	return e
}

func (e *ccfEnv) init(t *testing.T, mod func(*Request)) (Result, error) {
	t.Helper()
	req := Request{Config: e.cfg, Cache: e.cache, Fetcher: failFetcher{}, Events: &e.events, Platform: "linux_amd64"}
	if mod != nil {
		mod(&req)
	}
	return Init(context.Background(), req)
}

func (e *ccfEnv) lock(t *testing.T) *lockfile.Lock {
	t.Helper()
	l, diags := lockfile.Load(filepath.Join(e.cfg.Dir, lockfile.FileName))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return l
}

// failFetcher is the argus-registry fetcher of a request that must not use it.
type failFetcher struct{}

func (failFetcher) Fetch(context.Context, string, string) error {
	return errors.New("the argus registry fetcher was used for a CCF plugin")
}

func hasKind(events []Event, k EventKind) bool {
	for _, e := range events {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func TestInitCCFPluginAndPolicy(t *testing.T) {
	e := newCCFEnv(t, 2)
	res, err := e.init(t, nil)
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	if !res.Changed || len(res.Providers) != 1 {
		t.Fatalf("init result %+v", res)
	}
	exe := res.Providers[0].Entrypoint
	if fi, err := os.Stat(exe); err != nil || fi.Mode()&0o100 == 0 || filepath.Base(exe) != oci.PluginFile {
		t.Errorf("plugin %s: %v, %v (want an executable named plugin)", exe, fi, err)
	}
	lock := e.lock(t)
	lp := lock.Providers[e.cfg.Providers[0].Source]
	if lp == nil || lp.Kind != lockfile.KindCCFPlugin || lp.ProtocolVersion != 2 || lp.Index == "" || lp.Manifests["linux_amd64"] == "" || lp.Hash("linux_amd64", "h1") == "" {
		t.Fatalf("locked provider = %+v, want kind, protocol 2 (from the annotation), index, manifest and h1", lp)
	}
	pol := lock.Policies[e.cfg.Jobs[0].Policies[0]]
	if pol == nil || pol.Index == "" || pol.Manifest == "" || !strings.HasPrefix(pol.Hash, "h1:") {
		t.Fatalf("locked policy = %+v", pol)
	}

	// assess's view: verified, no request.
	e.reg.Stop()
	pl, err := LookupPlugin(e.cache, e.cfg, lock, "x")
	if err != nil || pl.Executable != exe || pl.Protocol != 2 {
		t.Errorf("LookupPlugin = %+v, %v", pl, err)
	}
	pe, err := LookupPolicy(e.cache, e.cfg, lock, e.cfg.Jobs[0].Policies[0])
	if err != nil {
		t.Fatalf("LookupPolicy: %v", err)
	}
	if _, err := os.Stat(filepath.Join(pe.Dir, "policies", "a.rego")); err != nil {
		t.Errorf("policy entry: %v", err)
	}

	// A warm init makes no request: the registry is stopped.
	e.events.events = nil
	res, err = e.init(t, func(r *Request) { r.Mode = LockReadOnly })
	if err != nil || res.Changed || !res.Providers[0].Reused {
		t.Fatalf("warm init: %+v, %v", res, err)
	}
	if !hasKind(e.events.events, EventVerifiedInCache) || hasKind(e.events.events, EventDownloading) {
		t.Errorf("warm init events %v", e.events.kinds())
	}

	// A tampered entry fails the lookup assess makes before the first job.
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho evil\n"), 0o755); err != nil { //nolint:gosec // G306: a test plugin must stay executable
		t.Fatal(err)
	}
	var ni *NotInstalledError
	if _, err := LookupPlugin(e.cache, e.cfg, lock, "x"); !errors.As(err, &ni) {
		t.Errorf("LookupPlugin of a tampered plugin = %v, want a *NotInstalledError", err)
	}
}

func TestInitCCFMovedTag(t *testing.T) {
	e := newCCFEnv(t, 0)
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	before := e.lock(t)
	if lp := before.Providers[e.cfg.Providers[0].Source]; lp.ProtocolVersion != 1 {
		t.Errorf("protocol without annotation or config = %d, want 1", lp.ProtocolVersion)
	}
	// The tag moves; a cold cache (as in CI) has to ask the registry.
	ocitest.Push(t, e.reg.Repository(t, "acme/plugin-x"), "v1", ocitest.Plugin(t, "v1", 0, false, []byte("#!/bin/sh\necho v1 again\n"), linuxAMD64))
	e.cache = &cache.Cache{Dir: t.TempDir()}
	_, err := e.init(t, func(r *Request) { r.Mode = LockReadOnly })
	var moved *oci.MovedError
	if !errors.As(err, &moved) || !errors.Is(err, ErrLockChanged) || !strings.Contains(err.Error(), e.cfg.Providers[0].Source) {
		t.Fatalf("read-only init after the tag moved = %v, want a MovedError naming the reference", err)
	}
	if !e.lock(t).Equal(before) {
		t.Error("read-only init changed the lock file")
	}
	e.events.events = nil
	res, err := e.init(t, nil)
	if err != nil || !res.Changed {
		t.Fatalf("init after the tag moved: %+v, %v", res, err)
	}
	if !hasKind(e.events.events, EventTagMoved) {
		t.Errorf("events %v, want a tag_moved warning", e.events.kinds())
	}
	if after := e.lock(t); after.Providers[e.cfg.Providers[0].Source].Index == before.Providers[e.cfg.Providers[0].Source].Index {
		t.Error("the lock still pins the old index")
	}
}

func TestInitCCFDigestLayoutAndPlatforms(t *testing.T) {
	e := newCCFEnv(t, 1)
	// A digest reference resolves to the same artifact.
	pushed := ocitest.Push(t, e.reg.Repository(t, "acme/plugin-d"), "v9", ocitest.Plugin(t, "v9", 1, false, []byte("#!/bin/sh\n"), linuxAMD64, linuxARM64))
	e.cfg.Providers[0].Source = e.reg.Ref("acme/plugin-d", "") + "@" + pushed.Index.Digest.String()
	e.cfg.Providers[0].Source = strings.Replace(e.cfg.Providers[0].Source, ":@", "@", 1)
	res, err := LockPlatforms(context.Background(), Request{Config: e.cfg, Cache: e.cache, Fetcher: failFetcher{}, Events: &e.events, Platform: "linux_amd64"}, []string{"linux_arm64"})
	if err != nil {
		t.Fatalf("init of %s: %v", e.cfg.Providers[0].Source, err)
	}
	lp := res.Lock.Providers[e.cfg.Providers[0].Source]
	if lp.Index != pushed.Index.Digest.String() || lp.Manifests["linux_arm64"] == "" || lp.Hash("linux_arm64", "h1") == "" {
		t.Errorf("locked %+v, want index %s and an arm64 manifest and hash", lp, pushed.Index.Digest)
	}

	// An air-gapped OCI layout.
	dir := filepath.Join(e.cfg.Dir, "oci")
	ocitest.Push(t, ocitest.Layout(t, dir), "v2", ocitest.Plugin(t, "v2", 2, false, []byte("#!/bin/sh\n"), linuxAMD64))
	e.cfg.Providers[0].Source = "oci-layout://./oci:v2"
	e.reg.Stop()
	e.cfg.Providers[0].Policies, e.cfg.Jobs[0].Policies = nil, nil
	res, err = e.init(t, nil)
	if err != nil {
		t.Fatalf("init of a layout: %v", err)
	}
	if lp := res.Lock.Providers["oci-layout://./oci:v2"]; lp == nil || lp.ProtocolVersion != 2 {
		t.Errorf("locked layout plugin %+v", lp)
	}
}

func TestInitCCFLocal(t *testing.T) {
	e := &ccfEnv{cache: &cache.Cache{Dir: t.TempDir()}, cfg: &config.Config{Dir: t.TempDir()}}
	write := func(rel, body string, mode os.FileMode) {
		p := filepath.Join(e.cfg.Dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("dist/plugin", "#!/bin/sh\n", 0o755)
	write("policies/ssh/policies/a.rego", "package compliance_framework.a\n", 0o644)
	write("bundle.tar.gz", "not really gzip", 0o644)
	e.cfg.Providers = []config.Provider{{Name: "l", Source: "./dist", LocalPath: filepath.Join(e.cfg.Dir, "dist"), Kind: config.KindCCFPlugin}}
	e.cfg.Jobs = []config.Job{{Name: "l", Provider: "l", Policies: []string{"policies/ssh", "./bundle.tar.gz"}}}
	res, err := e.init(t, nil)
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	if lp := res.Lock.Providers["./dist"]; lp == nil || lp.Kind != lockfile.KindCCFPlugin || lp.ProtocolVersion != 1 {
		t.Errorf("locked local plugin %+v", lp)
	}
	for _, src := range []string{"policies/ssh", "./bundle.tar.gz"} {
		pe, err := LookupPolicy(e.cache, e.cfg, res.Lock, src)
		if err != nil {
			t.Fatalf("LookupPolicy(%s): %v", src, err)
		}
		want := filepath.Join(pe.Dir, "policies", "a.rego")
		if pe.File != "" {
			want = filepath.Join(pe.Dir, pe.File)
		}
		if _, err := os.Stat(want); err != nil {
			t.Errorf("policy %s: %v", src, err)
		}
	}
	// A local plugin directory without "plugin" is refused.
	if err := os.Remove(filepath.Join(e.cfg.Dir, "dist", "plugin")); err != nil {
		t.Fatal(err)
	}
	write("dist/other", "#!/bin/sh\n", 0o755)
	if _, err := e.init(t, nil); err == nil || !strings.Contains(err.Error(), "plugin") {
		t.Errorf("init of a directory without plugin = %v", err)
	}
}

// LookupPlugin and LookupPolicy refuse, as not installed, what the lock does not pin or pins
// differently from the configuration; the Verifier answers each once.
func TestLookupCCFErrors(t *testing.T) {
	e := newCCFEnv(t, 1)
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	lock := e.lock(t)
	src := e.cfg.Providers[0].Source
	pol := e.cfg.Jobs[0].Policies[0]
	var ni *NotInstalledError
	check := func(name string, err error, want string) {
		t.Helper()
		if !errors.As(err, &ni) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a NotInstalledError saying %q", name, err, want)
		}
	}
	_, err := LookupPlugin(e.cache, e.cfg, lockfile.New(), "x")
	check("empty lock", err, "is not in argus.lock.hcl")
	_, err = LookupPolicy(e.cache, e.cfg, lockfile.New(), pol)
	check("policy not locked", err, "is not in argus.lock.hcl")

	cfg := *e.cfg
	cfg.Providers = []config.Provider{e.cfg.Providers[0]}
	cfg.Providers[0].ProtocolVersion = 2
	_, err = LookupPlugin(e.cache, &cfg, lock, "x")
	check("protocol changed", err, "protocol version 1")

	noPlatform := lock.Clone()
	delete(noPlatform.Providers[src].Manifests, CurrentPlatform)
	_, err = LookupPlugin(e.cache, e.cfg, noPlatform, "x")
	check("platform not locked", err, "has no manifest for")

	if _, err := LookupPlugin(e.cache, e.cfg, lock, "nope"); err == nil {
		t.Error("LookupPlugin of an unknown provider block succeeded")
	}

	// A tampered policy tree fails the lookup; the Verifier memoises per source.
	pe, err := LookupPolicy(e.cache, e.cfg, lock, pol)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Cache: e.cache, Config: e.cfg, Lock: lock}
	if _, err := v.Policy(pol); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pe.Dir, "policies", "a.rego"), []byte("package evil\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Policy(pol); err != nil {
		t.Errorf("the Verifier re-verified within one invocation: %v", err)
	}
	_, err = LookupPolicy(e.cache, e.cfg, lock, pol)
	check("tampered policy", err, "")
	if p, err := v.Plugin("x"); err != nil || p.Protocol != 1 {
		t.Errorf("Verifier.Plugin = %+v, %v", p, err)
	}
	if _, err := Lookup(e.cache, e.cfg, lock, "x"); err != nil {
		t.Errorf("Lookup (providers list) of a CCF plugin: %v", err)
	}
}

// A protocol annotation that is neither 1 nor 2 is a warning and protocol 1, as in the agent;
// a read-only init of a new policy names it as a change.
func TestInitCCFAnnotationAndReadOnlyPolicy(t *testing.T) {
	e := newCCFEnv(t, 0)
	a := ocitest.Plugin(t, "v3", 0, false, []byte("#!/bin/sh\n"), linuxAMD64)
	a.Annotations[oci.AnnotationProtocolVersion] = "7"
	ocitest.Push(t, e.reg.Repository(t, "acme/plugin-x"), "v3", a)
	e.cfg.Providers[0].Source = e.reg.Ref("acme/plugin-x", "v3")
	res, err := e.init(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lp := res.Lock.Providers[e.cfg.Providers[0].Source]; lp.ProtocolVersion != 1 {
		t.Errorf("protocol %d, want 1", lp.ProtocolVersion)
	}
	if !hasKind(e.events.events, EventProtocolAnnotation) {
		t.Errorf("events %v, want a protocol_annotation warning", e.events.kinds())
	}
	for _, ev := range e.events.events {
		if ev.Kind == EventProtocolAnnotation && (!ev.Warning() || !strings.Contains(ev.Message(), "protocol 1")) {
			t.Errorf("annotation event %q (warning %v)", ev.Message(), ev.Warning())
		}
	}
	ocitest.Push(t, e.reg.Repository(t, "acme/other-policies"), "v1", ocitest.Policy(t, "v1", map[string]string{"b.rego": "package compliance_framework.b\n"}))
	e.cfg.Jobs[0].Policies = append(e.cfg.Jobs[0].Policies, e.reg.Ref("acme/other-policies", "v1"))
	_, err = e.init(t, func(r *Request) { r.Mode = LockReadOnly })
	if !errors.Is(err, ErrLockChanged) || !strings.Contains(err.Error(), "policy "+e.reg.Ref("acme/other-policies", "v1")+" would be added") {
		t.Errorf("read-only init with a new policy = %v", err)
	}
}
