package install

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
)

// local copies a local provider (an executable file, or a directory holding exactly one
// argus-provider-* executable) into the cache and locks its h1 hash. A changed source is a
// changed lock, which read-only mode refuses.
func (in *installer) local(ctx context.Context, p config.Provider) (Installed, error) {
	src := p.LocalPath
	if src == "" {
		src = filepath.Join(in.req.Config.Dir, filepath.FromSlash(p.Source))
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return Installed{}, fmt.Errorf("read local provider: %w", err)
	}
	var entry string
	fill := func(ctx context.Context, dir string) error {
		switch {
		case fi.Mode().IsRegular():
			entry = filepath.Base(src)
			if !strings.HasPrefix(entry, "argus-provider-") {
				entry = "argus-provider-" + p.Name
			}
			return copyFile(src, filepath.Join(dir, entry), fi.Mode(), in.req.Limits.withDefaults().MaxBytes)
		case fi.IsDir():
			if err := copyTree(ctx, src, dir, in.req.Limits.withDefaults()); err != nil {
				return err
			}
			entry, err = findEntrypoint(dir)
			return err
		default:
			return fmt.Errorf("local provider %q is neither a regular file nor a directory (symlinks are not followed)", src)
		}
	}
	e, err := in.req.Cache.InstallLocal(ctx, func(ctx context.Context, dir string) error {
		if err := fill(ctx, dir); err != nil {
			return err
		}
		return checkEntrypoint(dir, entry)
	})
	if err != nil {
		return Installed{}, err
	}
	if old := in.old.Providers[p.Source]; old != nil && old.Hash(lockfile.LocalPlatform, "h1") != e.H1 {
		in.event(Event{Kind: EventLocalChanged, Provider: p.Name, Source: p.Source, OldHash: old.Hash(lockfile.LocalPlatform, "h1"), NewHash: e.H1})
	}
	in.new.Providers[p.Source] = &lockfile.Provider{Source: p.Source, Platforms: map[string][]string{lockfile.LocalPlatform: {e.H1}}}
	if !e.Reused { // the same bytes were already in the cache: nothing was copied
		in.event(Event{Kind: EventLocalCopied, Provider: p.Name, Source: p.Source})
	}
	return Installed{Name: p.Name, Source: p.Source, Dir: e.Dir, Entrypoint: filepath.Join(e.Dir, entry), Reused: e.Reused}, nil
}

// findEntrypoint returns the one argus-provider-* file at the root of dir.
func findEntrypoint(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var found []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "argus-provider-") && e.Type().IsRegular() {
			found = append(found, e.Name())
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("a provider directory must hold exactly one argus-provider-* executable at its root, found %d %v", len(found), found)
	}
	return found[0], nil
}

// copyTree copies regular files and directories from src into dst with the extraction limits;
// a symlink anywhere is an error, since it could point anywhere once in the cache.
func copyTree(ctx context.Context, src, dst string, lim Limits) error {
	var files int
	var total int64
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			files++
			if files > lim.MaxFiles {
				return fmt.Errorf("local provider %q holds more than %d files", src, lim.MaxFiles)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
			if total > lim.MaxBytes {
				return fmt.Errorf("local provider %q is larger than %d bytes", src, lim.MaxBytes)
			}
			return copyFile(p, target, info.Mode(), lim.MaxBytes)
		default:
			return fmt.Errorf("local provider file %q is not a regular file (symlinks are not copied)", p)
		}
	})
}

func copyFile(src, dst string, mode fs.FileMode, max int64) error {
	in, err := os.Open(src) //nolint:gosec // G304: src is the local provider the configuration names
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()                                                  // read-only
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm()|0o600) //nolint:gosec // G304: dst is in argus's own staging directory; O_EXCL refuses an existing file
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(in, max+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = fmt.Errorf("%q is larger than %d bytes", src, max)
	}
	if err != nil {
		return fmt.Errorf("copy %q: %w", src, err)
	}
	return nil
}
