package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dirNames lists the entries of dir, to prove no temporary file is left.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte // nil: no file before
		data     []byte
		perm     os.FileMode
	}{
		{name: "new file", data: []byte("hello\n"), perm: 0o644},
		{name: "replace longer file", existing: []byte("a much longer old content\n"), data: []byte("new\n"), perm: 0o600},
		{name: "empty content", existing: []byte("old"), data: []byte{}, perm: 0o640},
		{name: "perm not subject to umask", data: []byte("x"), perm: 0o666},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, tt.data, tt.perm); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(tt.data), string(got)); diff != "" {
				t.Errorf("content (-want +got):\n%s", diff)
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tt.perm {
					t.Errorf("perm = %v, want %v", fi.Mode().Perm(), tt.perm)
				}
			}
			if diff := cmp.Diff([]string{"state.json"}, dirNames(t, dir)); diff != "" {
				t.Errorf("directory entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := WriteFile("plain", []byte("x"), 0o644); err != nil {
		t.Fatalf("WriteFile with a bare file name: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "plain"))
	if err != nil || string(got) != "x" {
		t.Fatalf("ReadFile = %q, %v; want \"x\"", got, err)
	}
}

func TestWriteStreaming(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	err := Write(path, 0o644, func(w io.Writer) error {
		for _, s := range []string{"one ", "two ", "three"} {
			if _, err := io.WriteString(w, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "one two three" {
		t.Errorf("content = %q, want %q", got, "one two three")
	}
}

func TestWriteCallbackErrorKeepsOldFile(t *testing.T) {
	tests := []struct {
		name     string
		existing bool
	}{
		{name: "existing file untouched", existing: true},
		{name: "no file created", existing: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			old := []byte(`{"version":1}`)
			var before os.FileInfo
			if tt.existing {
				if err := os.WriteFile(path, old, 0o600); err != nil {
					t.Fatal(err)
				}
				var err error
				if before, err = os.Stat(path); err != nil {
					t.Fatal(err)
				}
			}
			boom := errors.New("boom")
			err := Write(path, 0o644, func(w io.Writer) error {
				// Half a document reaches the temporary file before the failure.
				if _, err := io.WriteString(w, `{"vers`); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Write error = %v, want it to wrap %v", err, boom)
			}
			if !tt.existing {
				if names := dirNames(t, dir); len(names) != 0 {
					t.Fatalf("directory entries after failed write = %q, want none", names)
				}
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, old) {
				t.Errorf("content after failed write = %q, want old %q", got, old)
			}
			after, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !os.SameFile(before, after) || after.Mode() != before.Mode() {
				t.Errorf("existing file was replaced or changed by a failed write")
			}
			if diff := cmp.Diff([]string{"state.json"}, dirNames(t, dir)); diff != "" {
				t.Errorf("directory entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteFileRenameFailureKeepsOldContent(t *testing.T) {
	// A directory in the destination's place makes the rename fail after
	// the temporary file was fully written: the temp file must go and the
	// destination must be unchanged.
	dir := t.TempDir()
	path := filepath.Join(dir, "dest")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o644); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded, want an error")
	}
	if diff := cmp.Diff([]string{"dest"}, dirNames(t, dir)); diff != "" {
		t.Errorf("directory entries (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(filepath.Join(path, "keep"))
	if err != nil || string(got) != "old" {
		t.Errorf("old content = %q, %v; want \"old\"", got, err)
	}
}

func TestWriteFileMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "file")
	err := WriteFile(path, []byte("x"), 0o644)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("WriteFile into a missing directory: err = %v, want os.ErrNotExist", err)
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Errorf("SyncDir of an existing directory: %v", err)
	}
	if runtime.GOOS != "windows" {
		if err := SyncDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("SyncDir of a missing directory: err = %v, want os.ErrNotExist", err)
		}
	}
}

func BenchmarkWriteFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench")
	data := make([]byte, 4096)
	for b.Loop() {
		if err := WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// SyncTree reaches every file and directory of a tree, and says which path it could not sync.
func TestSyncTree(t *testing.T) {
	tree := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tree, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "a", "b", "plugin"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SyncTree(tree); err != nil {
		t.Fatalf("SyncTree: %v", err)
	}
	missing := filepath.Join(tree, "missing")
	if err := SyncTree(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("SyncTree of a missing tree = %v, want an error naming %s", err, missing)
	}
}
