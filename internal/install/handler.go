package install

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/remoteconfig"
)

// Workspace is what the provider commands take from the invocation: the configuration, its
// lock file and the provider cache, each built once (*workspace.Workspace).
type Workspace interface {
	Config(ctx context.Context) (*config.Config, error)
	Lock(ctx context.Context) (*lockfile.Lock, error)
	Cache() (*cache.Cache, error)
}

// Handler runs the provider commands (`argus init`, `argus providers list`, `lock` and
// `mirror`): each method takes one command's request, does all of it, and writes what the
// command prints on Stdout through the Write function beside it.
type Handler struct {
	Workspace Workspace // required
	Fetcher   Fetcher   // required; used only when something is missing
	Events    Events    // the installer's steps and warnings; nil discards them
	Stdout    io.Writer // required
	// Getenv is the invocation's environment: CI=true makes init's --lockfile=auto read-only.
	Getenv func(string) (string, bool) // required by Init
	// Explain is how an error reads in the status column of `argus providers list`: with the
	// hint saying which argus command fixes it (exitcode.WithInstallHints; this package names
	// none). nil shows the error alone.
	Explain func(error) error
}

// InitRequest is one `argus init`.
type InitRequest struct {
	ConfigAddr string // --config as given: a remote address's lock file may only be checked
	Lockfile   string // --lockfile: auto, update or readonly (ChooseLockMode)
	Upgrade    bool   // pick the newest allowed version over the locked one
	// AllowDowngrade lets Upgrade lock a version lower than the locked one.
	AllowDowngrade bool
	Platforms      []string // also lock these platforms
}

// Init is `argus init`: every provider block installed, verified and pinned (Init), under
// the lock file's lock unless the lock is only checked, and each provider and the lock file's
// state written on Stdout by WriteInit.
func (h *Handler) Init(ctx context.Context, req *InitRequest) (Result, error) {
	cfg, err := h.Workspace.Config(ctx)
	if err != nil {
		return Result{}, err
	}
	if len(cfg.Providers) == 0 {
		_, err := fmt.Fprintln(h.Stdout, "Nothing to install: the configuration uses built-in providers only.")
		return Result{}, err
	}
	ca, err := h.Workspace.Cache()
	if err != nil {
		return Result{}, err
	}
	ci, _ := h.Getenv("CI")
	mode, err := ChooseLockMode(req.Lockfile, ci == "true", remoteconfig.IsRemote(req.ConfigAddr))
	if err != nil {
		return Result{}, err
	}
	lockPath := filepath.Join(cfg.Dir, lockfile.FileName)
	if mode != LockReadOnly { // a read-only init writes nothing, and may run on a read-only checkout
		release, err := lockfile.Exclusive(ctx, lockPath, lockfile.DefaultWait, "argus init")
		if err != nil {
			return Result{}, err
		}
		defer release()
	}
	res, err := Init(ctx, Request{
		Config:         cfg,
		Cache:          ca,
		Fetcher:        h.Fetcher,
		Mode:           mode,
		Upgrade:        req.Upgrade,
		AllowDowngrade: req.AllowDowngrade,
		Platforms:      req.Platforms,
		Events:         h.Events,
	})
	if err != nil {
		return res, err // the exit table adds each provider's hint
	}
	return res, WriteInit(h.Stdout, res, lockPath)
}

// WriteInit writes what `argus init` did: one line per provider, then whether the lock file
// at lockPath was written.
func WriteInit(w io.Writer, res Result, lockPath string) error {
	for _, p := range res.Providers {
		how := "installed"
		if p.Reused {
			how = "already installed and verified"
		}
		if p.DowngradedFrom != "" {
			how += " (downgraded from " + p.DowngradedFrom + ")"
		}
		v := p.Version
		if v == "" {
			v = "local"
		}
		fmt.Fprintf(w, "%s  %s %s  %s\n", p.Name, p.Source, v, how)
	}
	var err error
	if res.Changed {
		_, err = fmt.Fprintf(w, "Wrote %s: commit it so that every run uses exactly these providers.\n", relPath(lockPath))
	} else {
		_, err = fmt.Fprintf(w, "%s is up to date.\n", relPath(lockPath))
	}
	return err
}

// relPath shows a path relative to the working directory when that is shorter.
func relPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && len(r) < len(p) {
		return r
	}
	return p
}

// List is `argus providers list`: every provider block, where it is installed and whether it
// verifies against the lock file, written on Stdout by WriteStatus. Providers that do not
// verify make an *UnverifiedError after the table.
func (h *Handler) List(ctx context.Context) ([]Status, error) {
	cfg, err := h.Workspace.Config(ctx)
	if err != nil {
		return nil, err
	}
	lock, err := h.Workspace.Lock(ctx)
	if err != nil {
		return nil, err
	}
	ca, err := h.Workspace.Cache()
	if err != nil {
		return nil, err
	}
	st := List(ca, cfg, lock)
	if err := WriteStatus(h.Stdout, st, h.Explain); err != nil {
		return st, err
	}
	bad := 0
	for _, s := range st {
		if s.Err != nil {
			bad++
		}
	}
	if bad > 0 {
		return st, &UnverifiedError{Count: bad}
	}
	return st, nil
}

// WriteStatus writes st as `argus providers list` shows it: a table with one row per
// provider, its status the cache directory or the error (through explain, when set); or one
// line when there are no provider blocks.
func WriteStatus(w io.Writer, st []Status, explain func(error) error) error {
	if len(st) == 0 {
		_, err := fmt.Fprintln(w, "The configuration has no provider blocks: its jobs use built-in providers only.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tVERSION\tSTATUS")
	for _, s := range st {
		status := "verified: " + s.Dir
		if err := s.Err; err != nil {
			if explain != nil {
				err = explain(err)
			}
			status = err.Error()
		}
		v := s.Version
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Source, v, status)
	}
	return tw.Flush()
}

// LockRequest is one `argus providers lock`.
type LockRequest struct {
	Platforms []string // required: the platforms to add, e.g. darwin_arm64
}

// Lock is `argus providers lock`: Init with req.Platforms locked too, holding the lock file
// against another argus changing it, and a line on Stdout saying whether the lock changed.
func (h *Handler) Lock(ctx context.Context, req *LockRequest) (Result, error) {
	cfg, err := h.Workspace.Config(ctx)
	if err != nil {
		return Result{}, err
	}
	ca, err := h.Workspace.Cache()
	if err != nil {
		return Result{}, err
	}
	release, err := lockfile.Exclusive(ctx, filepath.Join(cfg.Dir, lockfile.FileName), lockfile.DefaultWait, "argus providers lock")
	if err != nil {
		return Result{}, err
	}
	defer release()
	res, err := LockPlatforms(ctx, Request{Config: cfg, Cache: ca, Fetcher: h.Fetcher, Events: h.Events}, req.Platforms)
	if err != nil {
		return res, err // the exit table adds each provider's hint
	}
	return res, WriteLocked(h.Stdout, res, req.Platforms)
}

// WriteLocked says whether `argus providers lock` added platforms to the lock file.
func WriteLocked(w io.Writer, res Result, platforms []string) error {
	var err error
	if res.Changed {
		_, err = fmt.Fprintf(w, "Added %v to %s.\n", platforms, lockfile.FileName)
	} else {
		_, err = fmt.Fprintf(w, "%s already covers %v.\n", lockfile.FileName, platforms)
	}
	return err
}

// MirrorDirRequest is one `argus providers mirror DIR`.
type MirrorDirRequest struct {
	Dir string // required: the mirror directory, as the user gave it; replaced as a whole
}

// Mirror is `argus providers mirror`: a static mirror of every locked provider written to
// req.Dir (Mirror), and a line on Stdout saying how to use it.
func (h *Handler) Mirror(ctx context.Context, req *MirrorDirRequest) error {
	cfg, err := h.Workspace.Config(ctx)
	if err != nil {
		return err
	}
	lock, err := h.Workspace.Lock(ctx)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return err
	}
	if err := Mirror(ctx, MirrorRequest{Config: cfg, Lock: lock, Fetcher: h.Fetcher, Dir: dir, Events: h.Events}); err != nil {
		return err // the exit table adds each provider's hint
	}
	return WriteMirrored(h.Stdout, len(lock.Providers), req.Dir)
}

// WriteMirrored says where `argus providers mirror` wrote n providers.
func WriteMirrored(w io.Writer, n int, dir string) error {
	_, err := fmt.Fprintf(w, "Wrote a mirror of %d locked provider(s) to %s. Serve it from any static server and point a registry block's url at it.\n", n, dir)
	return err
}
