//go:build linux

package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestVerifyRecordRefusesTampering: a verification record spares the re-hash only while every
// file keeps its identity; each way of swapping bytes under it, including the ones that keep the
// size and put the mtime back, is caught and refused, and a record cannot be forged without
// the key.
func TestVerifyRecordRefusesTampering(t *testing.T) {
	files := map[string]string{"argus-provider-cis": "#!/bin/sh\necho genuine\n", "lib/data.txt": "data\n"}
	evilBody := []byte("#!/bin/sh\necho pwned!!\n") // same length as the genuine executable
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, c *Cache, dir string)
	}{
		{"same size, mtime restored, written in place", func(t *testing.T, _ *Cache, dir string) {
			p := filepath.Join(dir, "argus-provider-cis")
			fi := stat(t, p)
			if err := os.WriteFile(p, evilBody, 0o755); err != nil { //nolint:gosec // G306: a provider executable
				t.Fatal(err)
			}
			restore(t, p, fi)
		}},
		{"same size, mtime restored, renamed over (new inode)", func(t *testing.T, _ *Cache, dir string) {
			p := filepath.Join(dir, "argus-provider-cis")
			fi := stat(t, p)
			tmp := p + ".new"
			if err := os.WriteFile(tmp, evilBody, 0o755); err != nil { //nolint:gosec // G306: a provider executable
				t.Fatal(err)
			}
			restore(t, tmp, fi)
			if err := os.Rename(tmp, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file added", func(t *testing.T, _ *Cache, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "lib", "extra.so"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"record rewritten for the tampered file, without the key", func(t *testing.T, c *Cache, dir string) {
			p := filepath.Join(dir, "argus-provider-cis")
			if err := os.WriteFile(p, evilBody, 0o755); err != nil { //nolint:gosec // G306: a provider executable
				t.Fatal(err)
			}
			data, err := os.ReadFile(recordPath(dir))
			if err != nil {
				t.Fatal(err)
			}
			var r record
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			if r.Files, err = statTree(dir); err != nil {
				t.Fatal(err)
			}
			r.MAC = mac([]byte("an attacker's guess at the key....."), r)
			data, _ = json.Marshal(r)
			if err := os.WriteFile(recordPath(dir), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Cache{Dir: t.TempDir()}
			e, err := c.Install(context.Background(), key, "", writeTree(files))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Verify(e.Dir, e.H1); err != nil {
				t.Fatalf("Verify of the genuine entry: %v", err)
			}
			if _, err := os.Stat(recordPath(e.Dir)); err != nil {
				t.Fatalf("no verification record after a full verification: %v", err)
			}
			if err := c.Verify(e.Dir, e.H1); err != nil {
				t.Fatalf("Verify with the record: %v", err)
			}
			tc.tamper(t, c, e.Dir)
			var mm *MismatchError
			if err := c.Verify(e.Dir, e.H1); !errors.As(err, &mm) {
				t.Fatalf("Verify after tampering = %v, want a MismatchError", err)
			}
		})
	}
}

// TestVerifyRecordKeyMustBePrivate: a key file others can read, or one of the wrong size, is
// not used; verification falls back to the full hash (and still refuses tampering).
func TestVerifyRecordKeyMustBePrivate(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	e, err := c.Install(context.Background(), key, "", writeTree(map[string]string{"argus-provider-cis": "genuine"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "verify.key"), bytes.Repeat([]byte("k"), 32), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(e.Dir, e.H1); err != nil {
		t.Fatalf("Verify with a readable key file: %v", err)
	}
	if _, err := os.Stat(recordPath(e.Dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a record was written under a key others can read (%v)", err)
	}
	if err := os.WriteFile(filepath.Join(e.Dir, "argus-provider-cis"), []byte("evil!!!"), 0o755); err != nil { //nolint:gosec // G306: a provider executable
		t.Fatal(err)
	}
	var mm *MismatchError
	if err := c.Verify(e.Dir, e.H1); !errors.As(err, &mm) {
		t.Fatalf("Verify after tampering = %v, want a MismatchError", err)
	}
}

func stat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// restore puts fi's mtime back on p and checks that size and mtime now match: only the content
// (and what the kernel alone sets, ctime and maybe inode) tells the files apart.
func restore(t *testing.T, p string, fi os.FileInfo) {
	t.Helper()
	if err := os.Chtimes(p, time.Now(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if now := stat(t, p); now.Size() != fi.Size() || !now.ModTime().Equal(fi.ModTime()) {
		t.Fatalf("size/mtime not restored: %d %v, want %d %v", now.Size(), now.ModTime(), fi.Size(), fi.ModTime())
	}
}

// Parallel verifications create the record key at once: every one of them gets the same whole
// key, none an error (an empty file read between create and write cost an entry its record).
func TestRecordKeyCreatedOnceUnderConcurrency(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = c.recordKey() })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("recordKey %d = %x, %v; want the same 32-byte key as the first (%x)", i, keys[i], errs[i], keys[0])
		}
	}
}
