package install

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/registrytest"
)

func extractBytes(t testing.TB, data []byte, format string, lim Limits) (string, error) {
	parent := t.TempDir()
	archive := filepath.Join(parent, "a."+format)
	if err := os.WriteFile(archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(parent, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst, extract(context.Background(), archive, format, dst, lim)
}

func TestExtract(t *testing.T) {
	type E = registrytest.Entry
	tests := []struct {
		name    string
		entries []E
		lim     Limits
		want    string // error substring; "" for success
	}{
		{name: "plain", entries: []E{{Name: "argus-provider-x", Body: []byte("x")}, {Name: "d/", Dir: true}, {Name: "d/f", Body: []byte("f")}}},
		{name: "dot slash prefix", entries: []E{{Name: "./argus-provider-x", Body: []byte("x")}}},
		{name: "zip slip", entries: []E{{Name: "a/../../x", Body: []byte("x")}}, want: `".."`},
		{name: "absolute", entries: []E{{Name: "/x", Body: []byte("x")}}, want: "absolute"},
		{name: "windows drive", entries: []E{{Name: "C:/x", Body: []byte("x")}}, want: "absolute"},
		{name: "backslash", entries: []E{{Name: `..\x`, Body: []byte("x")}}, want: "backslash"},
		{name: "duplicate", entries: []E{{Name: "x", Body: []byte("1")}, {Name: "./x", Body: []byte("2")}}, want: "twice"},
		{name: "symlink", entries: []E{{Name: "x", Symlink: "/etc/passwd"}}, want: "link"},
		{name: "too big", entries: []E{{Name: "x", Body: make([]byte, 2000)}}, lim: Limits{MaxBytes: 1000}, want: "beyond the limit"},
		{name: "too big in sum", entries: []E{{Name: "x", Body: make([]byte, 600)}, {Name: "y", Body: make([]byte, 600)}}, lim: Limits{MaxBytes: 1000}, want: "beyond the limit"},
		{name: "exactly at limit", entries: []E{{Name: "x", Body: make([]byte, 1000)}}, lim: Limits{MaxBytes: 1000}},
		{name: "too many files", entries: []E{{Name: "a"}, {Name: "b"}, {Name: "c"}}, lim: Limits{MaxFiles: 2}, want: "more than"},
	}
	for _, tt := range tests {
		for _, format := range []string{"zip", "tar.gz"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				data := registrytest.Zip(tt.entries)
				if format == "tar.gz" {
					data = registrytest.TarGz(tt.entries)
				}
				dst, err := extractBytes(t, data, format, tt.lim)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("extract: %v", err)
					}
					return
				}
				var ae *ArchiveError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("extract err = %v, want an ArchiveError containing %q", err, tt.want)
				}
				assertContained(t, dst)
			})
		}
	}
}

// assertContained fails if anything exists next to dst: extraction must never write outside it.
func assertContained(t testing.TB, dst string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(dst))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "dst" && !strings.HasPrefix(e.Name(), "a.") {
			t.Fatalf("extraction wrote %q outside its directory", e.Name())
		}
	}
	err = filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink != 0 {
			t.Fatalf("extraction created a symlink %q", p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("walk the extraction directory: %v", err)
	}
}

func FuzzExtractZip(f *testing.F) {
	type E = registrytest.Entry
	f.Add(registrytest.Zip([]E{{Name: "argus-provider-x", Body: []byte("x")}}))
	f.Add(registrytest.Zip([]E{{Name: "../x", Body: []byte("x")}}))
	f.Add(registrytest.Zip([]E{{Name: "l", Symlink: "/"}, {Name: "l/x", Body: []byte("x")}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dst, _ := extractBytes(t, data, "zip", Limits{MaxFiles: 50, MaxBytes: 1 << 20})
		assertContained(t, dst)
	})
}

func FuzzExtractTarGz(f *testing.F) {
	type E = registrytest.Entry
	f.Add(registrytest.TarGz([]E{{Name: "argus-provider-x", Body: []byte("x")}}))
	f.Add(registrytest.TarGz([]E{{Name: "d/", Dir: true}, {Name: "d/../../x", Body: []byte("x")}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dst, _ := extractBytes(t, data, "tar.gz", Limits{MaxFiles: 50, MaxBytes: 1 << 20})
		assertContained(t, dst)
	})
}

func FuzzCheckEntryName(f *testing.F) {
	for _, s := range []string{"a", "../a", "/a", "a/../../b", `a\b`, "C:x", "./a/", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkEntryName(name) != nil {
			return
		}
		const root = "/root"
		clean := filepath.Clean(filepath.Join(root, filepath.FromSlash(name)))
		if clean != root && !strings.HasPrefix(clean, root+"/") {
			t.Fatalf("accepted %q, which resolves to %q", name, clean)
		}
	})
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add([]byte(`{"versions": {"1.4.0": {}, "1.4.1": {"yanked": "CVE"}}}`))
	f.Add([]byte(`{"versions": {"1.0.0-rc1": {}, "x": {}}}`))
	f.Add([]byte(`{"archives": {"linux_amd64": {"url": "a.zip", "hashes": ["zh:00"]}}, "shasums": {"url": "S", "signatures": [{"type": "minisign", "url": "S.minisig"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if idx, err := DecodeIndex(data); err == nil {
			for _, c := range []string{">= 1.0.0", "~> 1.4", "1.0.0-rc1"} {
				v, err := choose(idx, c)
				if err != nil {
					continue
				}
				if info, ok := idx.Versions[v]; !ok || info.Yanked != "" {
					t.Fatalf("choose(%q) = %q, which the index does not list or yanked", c, v)
				}
			}
		}
		if rel, err := DecodeRelease(data); err == nil {
			for p, a := range rel.Archives {
				if p == "" || a.URL == "" {
					t.Fatalf("accepted an archive without platform or url: %+v", rel)
				}
			}
		}
	})
}
