package workspace

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/ccfjob"
	"github.com/compliance-framework/argus/internal/ccfplugin/host"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/outcome"
	"github.com/compliance-framework/argus/internal/publish"
	"github.com/compliance-framework/argus/internal/remoteconfig"
	"github.com/compliance-framework/argus/internal/session"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/version"
)

// Workspace builds the parts of one invocation on first use. It is used by one goroutine.
type Workspace struct {
	// ConfigPath is --config: a file, a directory, or a remote address.
	ConfigPath  string
	WaiverFiles []string      // --waivers: files of waiver blocks read with the configuration
	StateDir    string        // --state-dir; "" chooses by state.ChooseDir
	LockTimeout time.Duration // how long to wait for the state lock
	CacheDir    string        // --cache-dir; "" is cache.DefaultDir
	RetryBudget time.Duration // the session's total retry time
	// Holder names the command in the state lock, for whoever waits on it ("argus assess").
	Holder string
	Getenv func(string) (string, bool) // required: the environment of the invocation
	Stderr io.Writer                   // required: diagnostics
	Color  bool
	Logger *slog.Logger // required

	cfg     *config.Config
	cfgErr  error
	cfgDone bool

	lock  *lockfile.Lock
	cache *cache.Cache
	store *state.Store
	ob    *outbox.Outbox
	sess  *session.Session
	// sessDone distinguishes "no control_plane block" (nil session) from "not opened yet".
	sessDone bool
}

var (
	_ assess.Workspace = (*Workspace)(nil)
	_ assess.Providers = (*Workspace)(nil)
	_ assess.Resolver  = (*install.Resolver)(nil)
	_ assess.Collector = (*publish.Publisher)(nil)
	_ session.Opener   = (*Workspace)(nil)
)

var (
	_ session.OutboxOpener = (*Workspace)(nil)
	_ install.Workspace    = (*Workspace)(nil)
)

func (w *Workspace) env(name string) string {
	v, _ := w.Getenv(name)
	return v
}

// Config loads and checks the configuration, printing every diagnostic (errors and
// warnings) with file:line:col and a snippet. A remote address (https://…, git::https://…) is
// fetched first, or its last good copy used with a warning when the source cannot be reached.
func (w *Workspace) Config(ctx context.Context) (*config.Config, error) {
	if !w.cfgDone {
		w.cfg, w.cfgErr = w.loadConfig(ctx)
		w.cfgDone = true
	}
	return w.cfg, w.cfgErr
}

func (w *Workspace) loadConfig(ctx context.Context) (*config.Config, error) {
	path := w.ConfigPath
	if remoteconfig.IsRemote(path) {
		local, err := w.fetchRemoteConfig(ctx, path)
		if err != nil {
			return nil, err
		}
		path = local
	}
	cfg, diags := config.Load(path, &config.LoadOptions{Env: w.Getenv, ArgusVersion: version.Get().Version, WaiverFiles: w.WaiverFiles})
	if len(diags) > 0 {
		sortDiagnostics(diags)
		files := map[string]*hcl.File{}
		if cfg != nil {
			files = cfg.Files
		}
		_ = config.WriteDiagnostics(w.Stderr, files, diags, w.Color)
	}
	if diags.HasErrors() {
		return nil, &outcome.ReportedError{Err: diags}
	}
	for name, f := range cfg.Files { // the syntax trees are half the live heap of a 10,000-job run; snippets need only the bytes
		cfg.Files[name] = &hcl.File{Bytes: f.Bytes}
	}
	return cfg, nil
}

// fetchRemoteConfig brings a remote configuration into the state area. It cannot use the
// configuration's own state_dir (that is inside what is being fetched), so it uses the shared
// state area that state.ChooseDir picks without a configuration.
func (w *Workspace) fetchRemoteConfig(ctx context.Context, addr string) (string, error) {
	dir, err := state.ChooseDir(state.Place{Flag: w.StateDir, Getenv: w.Getenv})
	if err != nil {
		return "", fmt.Errorf("find a directory for the remote configuration (set --state-dir): %w", err)
	}
	// A command without --lock-timeout (LockTimeout 0) waits the default for another argus
	// fetching the same address.
	wait := w.LockTimeout
	if wait <= 0 {
		wait = remoteconfig.DefaultLockWait
	}
	local, warn, err := remoteconfig.Resolve(ctx, addr, dir,
		getter.New(&getter.Options{MaxBytes: remoteconfig.MaxFileSize}), &remoteconfig.Options{LockWait: wait})
	if err != nil {
		return "", err
	}
	if warn != nil {
		w.Logger.Warn("remote configuration: using the last good copy", "err", warn)
	}
	return local, nil
}

// sortDiagnostics puts diagnostics in file and line order, so that a user fixing them reads
// each file top to bottom; diagnostics without a location come first.
func sortDiagnostics(diags hcl.Diagnostics) {
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		switch {
		case a.Subject == nil && b.Subject == nil:
			return 0
		case a.Subject == nil:
			return -1
		case b.Subject == nil:
			return 1
		}
		return cmp.Or(
			cmp.Compare(a.Subject.Filename, b.Subject.Filename),
			cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte),
		)
	})
}

// Lock reads the lock file next to the configuration, printing its diagnostics.
func (w *Workspace) Lock(ctx context.Context) (*lockfile.Lock, error) {
	if w.lock != nil {
		return w.lock, nil
	}
	cfg, err := w.Config(ctx)
	if err != nil {
		return nil, err
	}
	lock, diags := lockfile.Load(filepath.Join(cfg.Dir, lockfile.FileName))
	diags = exitcode.LockHints(diags) // each diagnostic's fix, naming the argus command
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(w.Stderr, nil, diags, w.Color)
	}
	if diags.HasErrors() {
		return nil, &outcome.ReportedError{Err: diags}
	}
	w.lock = lock
	return lock, nil
}

// Cache is the provider cache shared by every project and CI run on the machine.
func (w *Workspace) Cache() (*cache.Cache, error) {
	if w.cache != nil {
		return w.cache, nil
	}
	dir := w.CacheDir
	if dir == "" {
		var err error
		if dir, err = cache.DefaultDir(w.env); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("provider cache directory %q: %w", dir, err)
	}
	w.cache = &cache.Cache{Dir: abs}
	return w.cache, nil
}

// State opens the configuration's state directory and holds its lock until Close.
func (w *Workspace) State(ctx context.Context) (*state.Store, error) {
	if w.store != nil {
		return w.store, nil
	}
	cfg, err := w.Config(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := state.ChooseDir(state.Place{Flag: w.StateDir, Configured: cfg.Argus.StateDir, ConfigPath: cfg.Path, Getenv: w.Getenv})
	if err != nil {
		return nil, fmt.Errorf("choose state directory: %w", err)
	}
	w.Logger.Debug("state", "dir", dir)
	info := fmt.Sprintf("pid %d, %s, started %s", os.Getpid(), w.Holder, time.Now().UTC().Format(time.RFC3339))
	store, err := state.Open(ctx, dir, w.LockTimeout, info)
	if err != nil {
		return nil, err
	}
	if lw := store.LockWarning(); lw != nil {
		// The lock holds; only its advisory holder record could not be written (a full disk).
		w.Logger.Warn("state lock", "err", lw)
	}
	if err := w.claim(store, cfg); err != nil {
		_ = store.Close() // the claim's error is the one to report
		return nil, err
	}
	w.store = store
	return store, nil
}

// claim records cfg (and its control plane) as the state directory's owner: a directory of
// another control plane is refused, one another configuration used last is a warning.
func (w *Workspace) claim(store *state.Store, cfg *config.Config) error {
	o := state.Owner{Config: cfg.Path}
	if abs, err := filepath.Abs(cfg.Path); err == nil {
		o.Config = abs
	}
	if cfg.ControlPlane != nil {
		o.ControlPlane = state.NormalURL(cfg.ControlPlane.URL)
	}
	warning, err := store.Claim(o)
	if warning != nil {
		w.Logger.Warn("state directory", "err", warning)
	}
	return err
}

// Session opens the control-plane session: nil, nil when the configuration has no
// control_plane block.
func (w *Workspace) Session(ctx context.Context) (*session.Session, error) {
	if w.sessDone {
		return w.sess, nil
	}
	cfg, err := w.Config(ctx)
	if err != nil {
		return nil, err
	}
	store, err := w.State(ctx)
	if err != nil {
		return nil, err
	}
	s, err := session.Open(cfg, store, &session.Options{RetryBudget: w.RetryBudget, Logger: w.Logger, Getenv: w.Getenv})
	if err != nil {
		return nil, err
	}
	w.sess, w.sessDone = s, true
	return s, nil
}

// Resolver resolves each job's provider to the argus-protocol command that runs it: built-ins
// by re-executing argus, installed providers verified against the lock file.
func (w *Workspace) Resolver(ctx context.Context, cfg *config.Config) (assess.Resolver, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find argus's own executable to run built-in providers: %w", err)
	}
	r := &install.Resolver{Self: self}
	if len(cfg.Providers) > 0 {
		lock, err := w.Lock(ctx)
		if err != nil {
			return nil, err
		}
		ca, err := w.Cache()
		if err != nil {
			return nil, err
		}
		r.Installed = &install.Verifier{Cache: ca, Config: cfg, Lock: lock}
		if ccfjob.HasPlugins(cfg) {
			return &pluginResolver{Resolver: r, plugins: w.plugins(cfg, r.Installed, ca)}, nil
		}
	}
	return r, nil
}

// pluginResolver is the resolver of a configuration with CCF plugins: the argus-protocol
// providers' resolver, and the second kind beside it, verified against the same lock and cache.
type pluginResolver struct {
	*install.Resolver
	plugins assess.Plugins
}

func (r *pluginResolver) Plugins() assess.Plugins { return r.plugins }

var _ assess.PluginResolver = (*pluginResolver)(nil)

func (w *Workspace) plugins(cfg *config.Config, v *install.Verifier, ca *cache.Cache) *ccfjob.Runner {
	hostname := host.Hostname()
	return &ccfjob.Runner{
		Verifier: v,
		Host:     &host.Host{Logger: w.Logger},
		WorkDir:  filepath.Join(ca.Dir, "run"),
		// A plugin's environment is built from argus's own by host.Env: PATH, HOME, LANG and
		// the like, HOSTNAME, and the job's env_allow; never ARGUS_* or anything else.
		Environ:  os.Environ(),
		Hostname: hostname,
		Agent:    ccfjob.AgentLabel(cfg, w.env, hostname),
	}
}

// Close writes what the state file still has pending and releases its lock. A failure is
// printed but is not returned as the invocation's error, which is about the results: they are
// already in the reports and the outbox, and a job whose end was not recorded only runs again
// next time.
func (w *Workspace) Close() {
	if w.store == nil {
		return
	}
	if err := w.store.Close(); err != nil {
		fmt.Fprintf(w.Stderr, "argus: error: save state: %v\n", err)
	}
	w.store = nil
}

// Outbox opens the outbox in the state directory, holding the state lock (State) so that it
// never races an assess delivering the same items.
func (w *Workspace) Outbox(ctx context.Context) (*outbox.Outbox, error) {
	if w.ob != nil {
		return w.ob, nil
	}
	store, err := w.State(ctx)
	if err != nil {
		return nil, err
	}
	ob, err := outbox.Open(filepath.Join(store.Dir(), "outbox"))
	if err != nil {
		return nil, err
	}
	w.ob = ob
	return ob, nil
}
