package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces path with data and sets its permissions to
// perm (exactly perm: the umask does not apply, because the mode is set
// with chmod after the temporary file is created).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// Write atomically replaces path with whatever fn writes to w. If fn returns
// an error, path is left untouched and the error is returned as is (wrapped),
// so a caller can stream and validate at the same time and abort before
// anything becomes visible.
func Write(path string, perm os.FileMode, fn func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file for %q: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			// Closing twice is harmless; removing after a failed rename
			// cleans up, and the temporary name is unique so it can never
			// be someone else's file.
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()

	if err := fn(f); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync temporary file %q: %w", tmp, err)
	}
	// Close before rename: Windows refuses to rename an open file.
	if err := f.Close(); err != nil {
		return fmt.Errorf("close temporary file %q: %w", tmp, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return fmt.Errorf("set permissions of temporary file %q: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %q to %q: %w", tmp, path, err)
	}
	// From here on the new content is in place; a failing directory sync
	// is still reported because the rename may not survive a crash.
	if err := SyncDir(dir); err != nil {
		return err
	}
	return nil
}

// errSyncUnsupported is returned by platform code when the file system
// cannot fsync a directory; callers treat it as success, since there is
// nothing more they could do.
var errSyncUnsupported = errors.New("directory sync not supported")

// SyncDir fsyncs the directory dir so that entries created, renamed or
// removed in it are durable. File systems that cannot sync a directory are
// tolerated silently. It is a no-op on Windows, where directories cannot be
// opened for syncing and NTFS journals the rename itself.
func SyncDir(dir string) error {
	err := syncDir(dir)
	if err == nil || errors.Is(err, errSyncUnsupported) {
		return nil
	}
	return fmt.Errorf("sync directory %q: %w", dir, err)
}

// SyncTree fsyncs every file and directory of tree, so that a tree published by a rename (a
// cache entry) survives a crash whole rather than as a directory of empty files.
func SyncTree(tree string) error {
	return filepath.WalkDir(tree, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return SyncDir(path)
		}
		f, err := os.Open(path) //nolint:gosec // G304: path comes from walking the caller's own staging tree
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("sync %q: %w", path, err)
		}
		return nil
	})
}
