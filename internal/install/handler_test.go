package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// workspace is the invocation's workspace over an env: its configuration, the lock file in
// its directory as it is now, and its cache; err fails the configuration.
type workspace struct {
	e   *env
	err error
}

func (w workspace) Config(context.Context) (*config.Config, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.e.cfg, nil
}

func (w workspace) Lock(context.Context) (*lockfile.Lock, error) {
	l, diags := lockfile.Load(filepath.Join(w.e.cfg.Dir, lockfile.FileName))
	if diags.HasErrors() {
		return nil, diags
	}
	return l, nil
}

func (w workspace) Cache() (*cache.Cache, error) { return w.e.cache, nil }

func (e *env) handler(out *bytes.Buffer) *Handler {
	return &Handler{Workspace: workspace{e: e}, Fetcher: e.getter, Events: &e.events, Stdout: out,
		Explain: func(err error) error { return fmt.Errorf("%w: HINT", err) }}
}

func TestWriteStatus(t *testing.T) {
	explain := func(err error) error { return fmt.Errorf("%w: run the fix", err) }
	for _, tt := range []struct {
		name    string
		st      []Status
		explain func(error) error
		want    []string
	}{
		{"no provider blocks", nil, explain, []string{"The configuration has no provider blocks: its jobs use built-in providers only."}},
		{"verified and not", []Status{
			{Name: "cis", Source: "registry.test/acme/cis", Version: "1.4.0", Dir: "/c/cis"},
			{Name: "mine", Source: "./mine", Err: errors.New("not in the lock file")},
		}, explain, []string{
			"NAME  SOURCE                  VERSION  STATUS",
			"cis   registry.test/acme/cis  1.4.0    verified: /c/cis",
			"mine  ./mine                  -        not in the lock file: run the fix",
		}},
		{"no explain", []Status{{Name: "mine", Source: "./mine", Err: errors.New("not in the lock file")}}, nil, []string{
			"NAME  SOURCE  VERSION  STATUS",
			"mine  ./mine  -        not in the lock file",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := WriteStatus(&out, tt.st, tt.explain); err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), strings.Join(tt.want, "\n")+"\n"; got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestHandlerList(t *testing.T) {
	e := newEnv(t, false)
	var out bytes.Buffer
	if st, err := e.handler(&out).List(context.Background()); err != nil || len(st) != 0 || !strings.Contains(out.String(), "no provider blocks") {
		t.Errorf("List without provider blocks = %v, %v, %q", st, err, &out)
	}

	e.installCIS(t)
	out.Reset()
	if st, err := e.handler(&out).List(context.Background()); err != nil || len(st) != 1 || st[0].Err != nil || !strings.Contains(out.String(), "verified: ") {
		t.Errorf("List of an installed provider = %+v, %v, %q", st, err, &out)
	}

	// A provider block that was never installed is listed with its hinted error, after the
	// verified one, and the command fails with how many do not verify.
	e.cfg.Providers = append(e.cfg.Providers, config.Provider{Name: "other", Source: e.reg.Source("acme", "other"), Version: "1.0.0"})
	out.Reset()
	st, err := e.handler(&out).List(context.Background())
	var unverified *UnverifiedError
	if !errors.As(err, &unverified) || unverified.Count != 1 || len(st) != 2 {
		t.Fatalf("List with a missing provider = %+v, %v", st, err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[2], "other") || !strings.HasSuffix(lines[2], ": HINT") {
		t.Errorf("table:\n%s", &out)
	}

	// Nothing is listed when the configuration cannot be read.
	bad := errors.New("config broken")
	out.Reset()
	if _, err := (&Handler{Workspace: workspace{e: e, err: bad}, Stdout: &out}).List(context.Background()); !errors.Is(err, bad) || out.Len() > 0 {
		t.Errorf("List of a broken configuration = %v, %q", err, &out)
	}
}

func TestHandlerLock(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Platforms = []string{CurrentPlatform, "plan9_arm"} })
	e.provider("cis", ">= 1.0.0")
	var out bytes.Buffer
	req := &LockRequest{Platforms: []string{"plan9_arm"}}
	if res, err := e.handler(&out).Lock(context.Background(), req); err != nil || !res.Changed || out.String() != "Added [plan9_arm] to argus.lock.hcl.\n" {
		t.Fatalf("first Lock = %+v, %v, %q", res, err, &out)
	}
	if e.lock(t).Providers[e.reg.Source("acme", "cis")].Hash("plan9_arm", "zh") == "" {
		t.Error("plan9_arm not locked")
	}
	out.Reset()
	if res, err := e.handler(&out).Lock(context.Background(), req); err != nil || res.Changed || out.String() != "argus.lock.hcl already covers [plan9_arm].\n" {
		t.Errorf("second Lock = %+v, %v, %q", res, err, &out)
	}

	// A platform the release does not publish fails, says nothing on stdout and changes
	// nothing in the lock.
	before, _ := os.ReadFile(filepath.Join(e.cfg.Dir, lockfile.FileName))
	out.Reset()
	if _, err := e.handler(&out).Lock(context.Background(), &LockRequest{Platforms: []string{"aix_ppc64"}}); err == nil || out.Len() > 0 {
		t.Errorf("Lock of an unpublished platform = %v, %q", err, &out)
	}
	if after, _ := os.ReadFile(filepath.Join(e.cfg.Dir, lockfile.FileName)); !bytes.Equal(before, after) {
		t.Error("a failed Lock changed the lock file")
	}
}

func TestHandlerMirror(t *testing.T) {
	e := newEnv(t, false)
	e.installCIS(t)
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	if err := e.handler(&out).Mirror(context.Background(), &MirrorDirRequest{Dir: "mirror"}); err != nil {
		t.Fatal(err)
	}
	// The line names the directory as given; the mirror is where it resolves.
	if want := "Wrote a mirror of 1 locked provider(s) to mirror. Serve it from any static server and point a registry block's url at it.\n"; out.String() != want {
		t.Errorf("got %q, want %q", &out, want)
	}
	if _, err := os.Stat(filepath.Join("mirror", e.reg.Host, "acme", "cis", "index.json")); err != nil {
		entries, _ := os.ReadDir("mirror")
		t.Errorf("no mirror written in the working directory: %v (has %v)", err, entries)
	}
}

func TestHandlerInit(t *testing.T) {
	env := func(vars ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(vars); i += 2 {
				if vars[i] == k {
					return vars[i+1], true
				}
			}
			return "", false
		}
	}
	e := newEnv(t, false)
	var out bytes.Buffer
	h := e.handler(&out)
	h.Getenv = env()
	if res, err := h.Init(context.Background(), &InitRequest{Lockfile: "auto"}); err != nil || len(res.Providers) != 0 ||
		out.String() != "Nothing to install: the configuration uses built-in providers only.\n" {
		t.Fatalf("Init without provider blocks = %+v, %v, %q", res, err, &out)
	}

	e.publish(t, "cis", "1.4.0", nil)
	e.provider("cis", ">= 1.0.0")
	t.Chdir(e.cfg.Dir) // the lock file is named relative to the working directory
	for _, tt := range []struct {
		name    string
		env     []string
		req     InitRequest
		wantErr error // errors.Is; nil for success
		want    string
	}{
		{"CI: auto is read-only, and the lock would change", []string{"CI", "true"}, InitRequest{Lockfile: "auto"}, ErrLockChanged, ""},
		{"remote configuration: update is refused", nil, InitRequest{Lockfile: "update", ConfigAddr: "https://example.test/cfg.argus.hcl"}, errAny, ""},
		{"remote configuration: auto only checks", nil, InitRequest{Lockfile: "auto", ConfigAddr: "git::https://example.test/r.git//cfg"}, ErrLockChanged, ""},
		{"first install writes the lock", []string{"CI", "false"}, InitRequest{Lockfile: "auto"}, nil,
			"cis  " + e.reg.Source("acme", "cis") + " 1.4.0  installed\nWrote argus.lock.hcl: commit it so that every run uses exactly these providers.\n"},
		{"CI with a satisfied lock", []string{"CI", "true"}, InitRequest{Lockfile: "auto"}, nil,
			"cis  " + e.reg.Source("acme", "cis") + " 1.4.0  already installed and verified\nargus.lock.hcl is up to date.\n"},
		{"a bad platform", nil, InitRequest{Lockfile: "update", Platforms: []string{"linux"}}, errAny, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out.Reset()
			h.Getenv = env(tt.env...)
			_, err := h.Init(context.Background(), &tt.req)
			if ok := errors.Is(err, tt.wantErr) || errors.Is(tt.wantErr, errAny) && err != nil; !ok {
				t.Fatalf("Init = %v, want %v", err, tt.wantErr)
			}
			if out.String() != tt.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", &out, tt.want)
			}
		})
	}
}

// errAny stands for any error in a test table.
var errAny = errors.New("any error")
