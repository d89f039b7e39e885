package workspace

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/outcome"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newWorkspace(t *testing.T, cfgText string, env map[string]string) (*Workspace, *bytes.Buffer) {
	t.Helper()
	var stderr bytes.Buffer
	w := &Workspace{
		ConfigPath:  write(t, t.TempDir(), "main.argus.hcl", cfgText),
		LockTimeout: time.Second,
		Holder:      "argus test",
		Getenv:      func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Stderr:      &stderr,
		Logger:      slog.New(slog.DiscardHandler),
	}
	t.Cleanup(w.Close)
	return w, &stderr
}

// The environment the workspace is given is the one HCL env() reads, not the process's.
func TestConfigReadsTheInjectedEnvironment(t *testing.T) {
	t.Setenv("WS_TEST_TARGET_PATH", "/from/the/process")
	w, _ := newWorkspace(t, `job "j" {
  provider = "builtin/file"
  config   = { path = env("WS_TEST_TARGET_PATH") }
}
`, map[string]string{"WS_TEST_TARGET_PATH": "/from/the/request"})
	cfg, err := w.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(cfg.Jobs[0].Config); !strings.Contains(got, "/from/the/request") {
		t.Errorf("job config = %s, want the injected value", got)
	}
	again, _ := w.Config(context.Background())
	if again != cfg {
		t.Error("Config loaded the configuration twice")
	}
}

func TestConfigDiagnosticsArePrintedOnceAndReported(t *testing.T) {
	w, stderr := newWorkspace(t, "job \"x\" {\n  provider = \n}\n", nil)
	_, err := w.Config(context.Background())
	var reported *outcome.ReportedError
	if !errors.As(err, &reported) {
		t.Fatalf("err = %v, want an outcome.ReportedError", err)
	}
	if !strings.Contains(stderr.String(), "main.argus.hcl:2") {
		t.Errorf("diagnostics not printed with their place:\n%s", stderr)
	}
	printed := stderr.Len()
	if _, err2 := w.Config(context.Background()); !errors.Is(err2, err) || stderr.Len() != printed {
		t.Errorf("a second Config printed again or returned another error: %v", err2)
	}
}

// The state directory follows the injected environment (XDG_STATE_HOME), and the lock is held
// until Close.
func TestStateIsChosenFromTheInjectedEnvironmentAndLocked(t *testing.T) {
	xdg := t.TempDir()
	w, _ := newWorkspace(t, `job "j" {
  provider = "builtin/file"
  config   = { path = "/" }
}
`, map[string]string{"XDG_STATE_HOME": xdg})
	store, err := w.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(store.Dir(), filepath.Join(xdg, "argus")+string(filepath.Separator)) {
		t.Errorf("state dir %s is not under the injected XDG_STATE_HOME %s", store.Dir(), xdg)
	}
	other := &Workspace{ConfigPath: w.ConfigPath, StateDir: store.Dir(), LockTimeout: 10 * time.Millisecond, Holder: "argus other",
		Getenv: w.Getenv, Stderr: &bytes.Buffer{}, Logger: w.Logger}
	if _, err := other.State(context.Background()); err == nil || !strings.Contains(err.Error(), "argus test") {
		t.Errorf("second holder: err = %v, want the lock held by %q", err, "argus test")
	}
	w.Close()
	if _, err := other.State(context.Background()); err != nil {
		t.Errorf("after Close the lock is still held: %v", err)
	}
	other.Close()
}

func TestSessionIsNilWithoutAControlPlane(t *testing.T) {
	w, _ := newWorkspace(t, `job "j" {
  provider = "builtin/file"
  config   = { path = "/" }
}
`, map[string]string{"XDG_STATE_HOME": t.TempDir()})
	s, err := w.Session(context.Background())
	if err != nil || s != nil {
		t.Errorf("Session = %v, %v; want nil, nil", s, err)
	}
}

const oneJob = `job "j" {
  provider = "builtin/file"
  config   = { path = "/" }
}
`

func TestCacheFollowsTheFlagThenTheInjectedEnvironment(t *testing.T) {
	xdg := t.TempDir()
	w, _ := newWorkspace(t, oneJob, map[string]string{"XDG_CACHE_HOME": xdg})
	c, err := w.Cache()
	if err != nil || c.Dir != filepath.Join(xdg, "argus") {
		t.Errorf("Cache = %+v, %v; want under the injected XDG_CACHE_HOME", c, err)
	}
	w2, _ := newWorkspace(t, oneJob, map[string]string{"XDG_CACHE_HOME": xdg})
	w2.CacheDir = "rel"
	abs, _ := filepath.Abs("rel")
	if c, err := w2.Cache(); err != nil || c.Dir != abs {
		t.Errorf("Cache with --cache-dir = %+v, %v; want %s", c, err, abs)
	}
}

// Built-in providers need no lock file and run as argus itself; a provider without a block is
// an error naming it.
func TestResolverOfBuiltins(t *testing.T) {
	w, _ := newWorkspace(t, oneJob, nil)
	cfg, err := w.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Resolver(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Command(context.Background(), "builtin/file")
	self, _ := os.Executable()
	if err != nil || c.Path != self || strings.Join(c.Args, " ") != "__builtin builtin/file" {
		t.Errorf("builtin/file resolves to %+v, %v; want %s __builtin builtin/file", c, err, self)
	}
	if _, err := r.Command(context.Background(), "acme"); err == nil || !strings.Contains(err.Error(), `"acme"`) {
		t.Errorf("unknown provider: err = %v", err)
	}
	if lock, err := w.Lock(context.Background()); err != nil || len(lock.Providers) != 0 {
		t.Errorf("Lock without a lock file = %+v, %v; want an empty lock", lock, err)
	}
}

func TestSessionOpensOnceWithTheOutboxInTheStateDirectory(t *testing.T) {
	w, _ := newWorkspace(t, oneJob+`control_plane {
  url = "http://127.0.0.1:1"
}
`, map[string]string{"XDG_STATE_HOME": t.TempDir()})
	s, err := w.Session(context.Background())
	if err != nil || s == nil {
		t.Fatalf("Session = %v, %v", s, err)
	}
	if again, _ := w.Session(context.Background()); again != s {
		t.Error("Session opened twice")
	}
	store, _ := w.State(context.Background())
	if _, err := os.Stat(filepath.Join(store.Dir(), "outbox")); err != nil {
		t.Errorf("no outbox in the state directory: %v", err)
	}
}

// The outbox commands open the outbox in the state directory, under the state lock, once; a
// state another run holds opens no outbox.
func TestOutboxOpensOnceUnderTheStateLock(t *testing.T) {
	w, _ := newWorkspace(t, oneJob, map[string]string{"XDG_STATE_HOME": t.TempDir()})
	ob, err := w.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := w.Outbox(context.Background()); again != ob {
		t.Error("Outbox opened twice")
	}
	store, _ := w.State(context.Background())
	if ob.Dir() != filepath.Join(store.Dir(), "outbox") {
		t.Errorf("outbox %s is not in the state directory %s", ob.Dir(), store.Dir())
	}
	other := &Workspace{ConfigPath: w.ConfigPath, StateDir: store.Dir(), LockTimeout: 10 * time.Millisecond, Holder: "argus other",
		Getenv: w.Getenv, Stderr: &bytes.Buffer{}, Logger: w.Logger}
	defer other.Close()
	if ob, err := other.Outbox(context.Background()); err == nil || ob != nil {
		t.Errorf("Outbox while another run holds the state = %v, %v; want the lock error", ob, err)
	}
}

// A lock file's diagnostics are printed with each one's fix, naming the argus command.
func TestLockDiagnosticsSayTheFix(t *testing.T) {
	w, stderr := newWorkspace(t, oneJob, nil)
	write(t, filepath.Dir(w.ConfigPath), "argus.lock.hcl", "provider \"a.b/c/d\" {\n}\n")
	_, err := w.Lock(context.Background())
	var reported *outcome.ReportedError
	if !errors.As(err, &reported) {
		t.Fatalf("Lock = %v, want a ReportedError", err)
	}
	if want := `Provider "a.b/c/d" has no version. Run "argus init --upgrade" to lock it again.`; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
}
