package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/registrytest"
	"github.com/google/go-cmp/cmp"
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
	return dst, Extract(context.Background(), archive, format, dst, Options{Limits: lim})
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
				var ae *Error
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("extract err = %v, want an *Error containing %q", err, tt.want)
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

// FuzzExtractTarGzStripRoot fuzzes the OCI-layer mode, where a leading "/" is the root.
func FuzzExtractTarGzStripRoot(f *testing.F) {
	f.Add(tarGz(f, reg("/plugin"), reg("/README.md")))
	f.Add(tarGz(f, reg("/../../x")))
	f.Add(tarGz(f, reg("//etc/x"), &tar.Header{Name: "/l", Typeflag: tar.TypeSymlink, Linkname: "/"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dst := filepath.Join(t.TempDir(), "dst")
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		_, _ = ExtractTarGz(context.Background(), bytes.NewReader(data), "layer", dst, Options{Limits: Limits{MaxFiles: 50, MaxBytes: 1 << 20}, Names: NamesStripRoot})
		assertContained(t, dst)
	})
}

func FuzzCheckEntryName(f *testing.F) {
	for _, s := range []string{"a", "../a", "/a", "a/../../b", `a\b`, "C:x", "./a/", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckName(name) != nil {
			return
		}
		const root = "/root"
		clean := filepath.Clean(filepath.Join(root, filepath.FromSlash(name)))
		if clean != root && !strings.HasPrefix(clean, root+"/") {
			t.Fatalf("accepted %q, which resolves to %q", name, clean)
		}
	})
}

// tarGz builds a tar.gz with raw headers, so that a test can write what no well-behaved tool
// would: hard links, devices, names with a leading "/". A regular file holds its own name.
func tarGz(t testing.TB, headers ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range headers {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Name))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(h.Name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func reg(name string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o600}
}

func TestExtractTarGzStripRoot(t *testing.T) {
	tests := []struct {
		name    string
		headers []*tar.Header
		names   Names
		want    string // error substring; "" for success
		files   []string
	}{
		{name: "absolute members as gooci writes them", names: NamesStripRoot,
			headers: []*tar.Header{reg("/plugin"), reg("/README.md"), reg("/policies/a.rego")},
			files:   []string{"README.md", "plugin", "policies/a.rego"}},
		{name: "absolute refused by default", headers: []*tar.Header{reg("/plugin")}, want: "absolute"},
		{name: "traversal after the root", names: NamesStripRoot, headers: []*tar.Header{reg("/../../x")}, want: `".."`},
		{name: "plain traversal", names: NamesStripRoot, headers: []*tar.Header{reg("../x")}, want: `".."`},
		{name: "double slash", names: NamesStripRoot, headers: []*tar.Header{reg("//etc/x")}, want: "absolute"},
		{name: "root alone", names: NamesStripRoot, headers: []*tar.Header{{Name: "/", Typeflag: tar.TypeDir}}, want: "empty name"},
		{name: "same file with and without root", names: NamesStripRoot, headers: []*tar.Header{reg("/x"), reg("x")}, want: "twice"},
		{name: "symlink", names: NamesStripRoot, headers: []*tar.Header{{Name: "/l", Typeflag: tar.TypeSymlink, Linkname: "/etc"}}, want: "link"},
		{name: "hard link", names: NamesStripRoot, headers: []*tar.Header{reg("/a"), {Name: "/b", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}, want: "link"},
		{name: "device", names: NamesStripRoot, headers: []*tar.Header{{Name: "/dev", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}, want: "unsupported tar type"},
		{name: "fifo", names: NamesStripRoot, headers: []*tar.Header{{Name: "/p", Typeflag: tar.TypeFifo}}, want: "unsupported tar type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			if err := os.Mkdir(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			data := tarGz(t, tt.headers...)
			st, err := ExtractTarGz(context.Background(), bytes.NewReader(data), "layer", dst, Options{Names: tt.names})
			if tt.want != "" {
				var ae *Error
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("ExtractTarGz err = %v, want an *Error containing %q", err, tt.want)
				}
				assertContained(t, dst)
				return
			}
			if err != nil {
				t.Fatalf("ExtractTarGz: %v", err)
			}
			root, err := os.OpenRoot(dst)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = root.Close() }()
			var got []string
			_ = fs.WalkDir(root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					got = append(got, rel)
					body, _ := root.ReadFile(rel)
					if want := "/" + rel; string(body) != want {
						t.Errorf("%s holds %q, want %q", rel, body, want)
					}
				}
				return nil
			})
			if diff := cmp.Diff(tt.files, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if st.Files != len(tt.files) {
				t.Errorf("Stats.Files = %d, want %d", st.Files, len(tt.files))
			}
		})
	}
}

func TestFormat(t *testing.T) {
	for name, want := range map[string]string{"a.zip": "zip", "a.tar.gz": "tar.gz", "a.tgz": "tar.gz", "a.tar": ""} {
		got, err := Format(name)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("Format(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if err := Extract(context.Background(), "x.rar", "rar", t.TempDir(), Options{}); err == nil {
		t.Error("Extract accepted format rar")
	}
}
