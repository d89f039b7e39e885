package install

import (
	"context"

	"github.com/compliance-framework/argus/internal/archive"
)

// The extractor lives in internal/archive so that internal/oci applies the same hostile-archive
// rules without importing this package; these names keep install's callers unchanged.

// Limits bound what extracting one archive may produce. Zero fields mean the defaults.
type Limits struct {
	MaxFiles int   // default 1,000
	MaxBytes int64 // bytes written in total, default 512 MiB
}

// Default extraction limits.
const (
	DefaultMaxFiles = archive.DefaultMaxFiles
	DefaultMaxBytes = archive.DefaultMaxBytes
)

func (l Limits) withDefaults() Limits { return Limits(archive.Limits(l).WithDefaults()) }

// ArchiveError says why an archive was refused; nothing it produced is kept.
type ArchiveError = archive.Error

func archiveFormat(name string) (string, error) { return archive.Format(name) }

func extract(ctx context.Context, src, format, dst string, lim Limits) error {
	return archive.Extract(ctx, src, format, dst, archive.Options{Limits: archive.Limits(lim)})
}
