package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"

	"github.com/compliance-framework/argus/internal/cache"
)

// fetchSmall fetches a JSON, SHA256SUMS or signature file into scratch and reads it.
func (in *installer) fetchSmall(ctx context.Context, u *url.URL) ([]byte, error) {
	dst := in.tempPath(path.Base(u.Path))
	if err := in.req.Fetcher.Fetch(ctx, u.String(), dst); err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(dst) }() // best effort: scratch is cleared by the next run
	fi, err := os.Stat(dst)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxJSONSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", u.Redacted(), maxJSONSize)
	}
	return os.ReadFile(dst) //nolint:gosec // G304: dst is the scratch file argus just downloaded
}

// fetchAndExtract downloads an archive, checks its sha256 against zh and extracts it into dir.
func (in *installer) fetchAndExtract(ctx context.Context, u *url.URL, zh, entry, dir string) error {
	format, err := archiveFormat(path.Base(u.Path))
	if err != nil {
		return err
	}
	archive := in.tempPath(path.Base(u.Path))
	defer func() { _ = os.Remove(archive) }() // best effort: scratch is cleared by the next run
	if err := in.req.Fetcher.Fetch(ctx, u.String(), archive); err != nil {
		return err
	}
	got, err := fileSHA256(archive)
	if err != nil {
		return err
	}
	if got != zh {
		return fmt.Errorf("archive %s has sha256 %s, but the signed SHA256SUMS says %s: it was altered or damaged in transit", u.Redacted(), got, zh)
	}
	if err := extract(ctx, archive, format, dir, in.req.Limits); err != nil {
		// Name the archive as the user knows it, not by its scratch path.
		var ae *ArchiveError
		if errors.As(err, &ae) {
			ae.Archive = u.Redacted()
		}
		return err
	}
	return checkEntrypoint(dir, entry)
}

// checkEntrypoint makes sure the executable is at the root and executable.
func checkEntrypoint(dir, entry string) error {
	p := filepath.Join(dir, entry)
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("archive has no executable %q at its root", entry)
	}
	if err := os.Chmod(p, 0o755); err != nil { //nolint:gosec // G302: the provider entry point must be executable
		return fmt.Errorf("make %q executable: %w", p, err)
	}
	return nil
}

// hashElsewhere fills a scratch directory and hashes it, for platforms that are locked but
// not installed here.
func (in *installer) hashElsewhere(ctx context.Context, fill cache.Filler) (string, error) {
	dir, err := os.MkdirTemp(in.tmp, "platform-*")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(dir) }() // best effort: scratch is cleared by the next run
	if err := fill(ctx, dir); err != nil {
		return "", err
	}
	return cache.Hash(dir)
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p) //nolint:gosec // G304: p is a file argus downloaded or was told to pin
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read-only
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %q: %w", p, err)
	}
	return "zh:" + hex.EncodeToString(h.Sum(nil)), nil
}
