package archive

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Limits bound what extracting one archive may produce. Zero fields mean the defaults.
type Limits struct {
	MaxFiles int   // default 1,000
	MaxBytes int64 // bytes written in total, default 512 MiB
}

// Default extraction limits.
const (
	DefaultMaxFiles = 1000
	DefaultMaxBytes = 512 << 20
)

// WithDefaults returns l with its zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Options choose how an archive is read. The zero value is the strict default.
type Options struct {
	Limits Limits
	// Names says how member names are read. NamesRelative (the default) refuses a leading "/";
	// NamesStripRoot reads "/x" as "x", for OCI layers, whose members are written as absolute
	// paths by gooci and `opa build` (a ".." is still refused after the "/" is removed).
	Names Names
}

// Names is how an extractor reads member names.
type Names int

const (
	// NamesRelative refuses absolute member names.
	NamesRelative Names = iota
	// NamesStripRoot reads a leading "/" as the extraction root.
	NamesStripRoot
)

// Stats counts what an extraction wrote.
type Stats struct {
	Files int
	Bytes int64
}

// Error says why an archive was refused; nothing it produced is kept.
type Error struct {
	Archive string
	Entry   string // "" when the problem is the archive as a whole
	Reason  string
}

func (e *Error) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("archive %q: %s", e.Archive, e.Reason)
	}
	return fmt.Sprintf("archive %q: entry %q: %s", e.Archive, e.Entry, e.Reason)
}

// Format tells the format ("zip" or "tar.gz") from the file name.
func Format(name string) (string, error) {
	switch {
	case strings.HasSuffix(name, ".zip"):
		return "zip", nil
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		return "tar.gz", nil
	}
	return "", fmt.Errorf("archive %q: unsupported format (want .zip or .tar.gz)", name)
}

// Extract unpacks the archive file src (format "zip" or "tar.gz") into the empty directory dst,
// which it treats as a root it can never leave: entries that are symlinks, hard links, devices,
// absolute (unless opt says to strip the root), or that climb with "..", are refused, as are
// archives with too many entries or too many bytes (counted as written, not as the headers
// claim). Errors about the archive's content are *Error.
func Extract(ctx context.Context, src, format, dst string, opt Options) error {
	switch format {
	case "zip":
		x, done, err := newExtractor(ctx, src, dst, opt)
		if err != nil {
			return err
		}
		defer done()
		return x.zip(src)
	case "tar.gz":
		f, err := os.Open(src) //nolint:gosec // G304: src is the archive the caller just downloaded into its scratch directory
		if err != nil {
			return fmt.Errorf("open archive: %w", err)
		}
		defer func() { _ = f.Close() }() // read-only
		_, err = ExtractTarGz(ctx, f, src, dst, opt)
		return err
	}
	return &Error{Archive: src, Reason: fmt.Sprintf("unsupported format %q", format)}
}

// ExtractTarGz unpacks the tar.gz stream r into the directory dst with the rules of Extract;
// name is how errors call the archive. It reads r only as far as the end of the tar stream: a
// caller that verifies a digest over r must drain the rest itself.
func ExtractTarGz(ctx context.Context, r io.Reader, name, dst string, opt Options) (Stats, error) {
	x, done, err := newExtractor(ctx, name, dst, opt)
	if err != nil {
		return Stats{}, err
	}
	defer done()
	err = x.tarGz(r)
	return Stats{Files: x.files, Bytes: x.written}, err
}

func newExtractor(ctx context.Context, name, dst string, opt Options) (*extractor, func(), error) {
	root, err := os.OpenRoot(dst)
	if err != nil {
		return nil, nil, fmt.Errorf("open extraction directory: %w", err)
	}
	x := &extractor{ctx: ctx, name: name, root: root, lim: opt.Limits.WithDefaults(), names: opt.Names, seen: map[string]bool{}}
	return x, func() { _ = root.Close() }, nil // a directory handle: nothing buffered to lose
}

type extractor struct {
	ctx     context.Context
	name    string
	root    *os.Root
	lim     Limits
	names   Names
	files   int
	written int64
	seen    map[string]bool
}

func (x *extractor) fail(entry, reason string) error {
	return &Error{Archive: x.name, Entry: entry, Reason: reason}
}

func (x *extractor) zip(src string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return x.fail("", fmt.Sprintf("not a valid zip file: %v", err))
	}
	defer func() { _ = r.Close() }() // read-only
	if len(r.File) > x.lim.MaxFiles {
		return x.fail("", fmt.Sprintf("has %d entries, more than the limit of %d", len(r.File), x.lim.MaxFiles))
	}
	for _, f := range r.File {
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return x.fail(f.Name, "is a symbolic link; provider archives may hold only regular files and directories")
		case mode.IsDir():
			if err := x.mkdir(f.Name); err != nil {
				return err
			}
		case mode.IsRegular():
			rc, err := f.Open()
			if err != nil {
				return x.fail(f.Name, fmt.Sprintf("cannot be read: %v", err))
			}
			err = x.file(f.Name, rc)
			_ = rc.Close() // read-only; a bad entry already failed in x.file through the checksum
			if err != nil {
				return err
			}
		default:
			return x.fail(f.Name, fmt.Sprintf("has unsupported type %v", mode.Type()))
		}
	}
	return nil
}

func (x *extractor) tarGz(r io.Reader) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return x.fail("", fmt.Sprintf("not a valid gzip file: %v", err))
	}
	defer func() { _ = gz.Close() }() // read-only; a truncated stream fails in tar.Next
	tr := tar.NewReader(gz)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return x.fail("", fmt.Sprintf("not a valid tar stream: %v", err))
		}
		if n >= x.lim.MaxFiles {
			return x.fail("", fmt.Sprintf("has more than %d entries", x.lim.MaxFiles))
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := x.mkdir(h.Name); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := x.file(h.Name, tr); err != nil {
				return err
			}
		case tar.TypeSymlink, tar.TypeLink:
			return x.fail(h.Name, "is a link; provider archives may hold only regular files and directories")
		case tar.TypeXGlobalHeader:
			// PAX global headers carry metadata only.
		default:
			return x.fail(h.Name, fmt.Sprintf("has unsupported tar type %q", h.Typeflag))
		}
	}
}

// cleanName validates an entry name and returns it cleaned, in slash form, relative to the root.
func (x *extractor) cleanName(name string) (string, error) {
	if x.names == NamesStripRoot {
		// "/" alone stays and is refused as an empty name; "//x" keeps one "/" and is refused as
		// absolute: neither is something gooci or opa writes.
		if rest, ok := strings.CutPrefix(name, "/"); ok && rest != "" {
			name = rest
		}
	}
	if err := CheckName(name); err != nil {
		return "", x.fail(name, err.Error())
	}
	return path.Clean(strings.TrimSuffix(name, "/")), nil
}

// CheckName refuses the member names that would escape the extraction directory or mean
// different things on different systems.
func CheckName(name string) error {
	switch {
	case name == "" || name == "/" || name == "./":
		return errors.New("has an empty name")
	case strings.ContainsRune(name, 0):
		return errors.New("has a NUL byte in its name")
	case strings.Contains(name, `\`):
		return errors.New(`has a backslash in its name`)
	case strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':'):
		return errors.New("has an absolute path")
	}
	for _, elem := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if elem == ".." {
			return errors.New(`climbs out of the archive with ".."`)
		}
	}
	return nil
}

func (x *extractor) mkdir(name string) error {
	clean, err := x.cleanName(name)
	if err != nil {
		return err
	}
	if clean == "." {
		return nil
	}
	if err := x.root.MkdirAll(clean, 0o755); err != nil {
		return x.fail(name, fmt.Sprintf("cannot create directory: %v", err))
	}
	return nil
}

func (x *extractor) file(name string, r io.Reader) error {
	if err := x.ctx.Err(); err != nil {
		return fmt.Errorf("extract %q: interrupted: %w", x.name, err)
	}
	clean, err := x.cleanName(name)
	if err != nil {
		return err
	}
	if x.seen[clean] {
		return x.fail(name, "appears twice")
	}
	x.seen[clean] = true
	x.files++
	if x.files > x.lim.MaxFiles {
		return x.fail("", fmt.Sprintf("has more than %d files", x.lim.MaxFiles))
	}
	if dir := path.Dir(clean); dir != "." {
		if err := x.root.MkdirAll(dir, 0o755); err != nil {
			return x.fail(name, fmt.Sprintf("cannot create directory: %v", err))
		}
	}
	f, err := x.root.OpenFile(clean, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return x.fail(name, fmt.Sprintf("cannot create file: %v", err))
	}
	left := x.lim.MaxBytes - x.written
	n, err := io.Copy(f, io.LimitReader(r, left+1))
	x.written += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if x.written > x.lim.MaxBytes {
		return x.fail(name, fmt.Sprintf("expands beyond the limit of %d bytes for the whole archive (a decompression bomb?)", x.lim.MaxBytes))
	}
	if err != nil {
		return x.fail(name, fmt.Sprintf("cannot be extracted: %v", err))
	}
	return nil
}
