package cache

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/compliance-framework/argus/internal/atomicfile"
)

// A verification record says that the tree at an entry directory hashed to H1 while each of its
// files had exactly the identity in Files: device, inode, size, mode, mtime and ctime. Verify
// trusts the record only while every file still has that identity and no file was added or
// removed. Replacing a file's bytes changes its ctime (which no unprivileged process can set
// back, unlike mtime) and, when done by rename, its inode; so does any chmod, touch or link. A
// record is kept next to the entry (dir + ".verified", outside the hashed tree) and carries an
// HMAC under a key only the cache's owner can read (<cache>/verify.key, 0600): another user who
// can write a shared cache cannot forge one. A cache copied or restored from elsewhere has new
// inodes and ctimes, so it is hashed in full.
type record struct {
	H1    string     `json:"h1"`
	Files []fileStat `json:"files"`
	MAC   string     `json:"mac"`
}

// fileStat is a file's identity as the record keeps it; Path is slash-separated, relative.
type fileStat struct {
	Path  string `json:"path"`
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	Size  int64  `json:"size"`
	Mode  uint32 `json:"mode"`
	Mtime int64  `json:"mtime_ns"`
	Ctime int64  `json:"ctime_ns"`
}

func recordPath(dir string) string { return filepath.Clean(dir) + ".verified" }

// Verify checks the entry at dir against want (an "h1:" hash) as VerifyInstalled does, but
// without re-reading the files when a valid verification record says they are unchanged since
// they last hashed to want (see record). Otherwise it hashes the tree in full and, when it
// matches, writes a new record for the next time.
func (c *Cache) Verify(dir, want string) error {
	if want == "" {
		return VerifyInstalled(dir, want)
	}
	key, kerr := c.recordKey()
	files, serr := statTree(dir)
	if kerr == nil && serr == nil && c.recordHolds(dir, want, files, key) {
		return nil
	}
	if err := VerifyInstalled(dir, want); err != nil {
		return err
	}
	if kerr != nil || serr != nil {
		return nil // verified the slow way; no record without a key or a stat of every file
	}
	// Stat again: a file changed while it was being hashed must not be recorded as verified.
	if again, err := statTree(dir); err == nil && slices.Equal(again, files) {
		r := record{H1: want, Files: files}
		r.MAC = mac(key, r)
		if data, err := json.Marshal(r); err == nil {
			_ = atomicfile.WriteFile(recordPath(dir), data, 0o600) // best effort: without it the next run hashes in full
		}
	}
	return nil
}

func (c *Cache) recordHolds(dir, want string, files []fileStat, key []byte) bool {
	data, err := os.ReadFile(recordPath(dir))
	if err != nil {
		return false
	}
	var r record
	if json.Unmarshal(data, &r) != nil || r.H1 != want || !slices.Equal(r.Files, files) {
		return false
	}
	got, err := hex.DecodeString(r.MAC)
	return err == nil && hmac.Equal(got, mustHex(mac(key, record{H1: r.H1, Files: r.Files})))
}

func mustHex(s string) []byte { b, _ := hex.DecodeString(s); return b }

func mac(key []byte, r record) string {
	r.MAC = ""
	data, _ := json.Marshal(r) // a struct of strings and integers always encodes
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// recordKey is the cache's record key, created on first use.
//
// The key file appears whole or not at all: it is written to a temporary file and linked into
// place, and whoever loses the race to create it reads the winner's. Verifications run in
// parallel (and other processes share the cache), so an O_EXCL create-then-write let a reader
// see an empty file between the two, and lose the record.
func (c *Cache) recordKey() ([]byte, error) {
	path := filepath.Join(c.Dir, "verify.key")
	key, err := readRecordKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(c.Dir, ".verify.key.tmp-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // linked into place, or not needed
	_, werr := f.Write(key)
	if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("write the verification record key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readRecordKey(path) // another verification made it first: use theirs
		}
		return nil, fmt.Errorf("install the verification record key: %w", err)
	}
	return key, nil
}

// readRecordKey reads the key file, refusing one that is not a private 32-byte file of this user.
func readRecordKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path) //nolint:gosec // G304: the cache's own key file
	if err != nil {
		return nil, err
	}
	fi, serr := os.Lstat(path)
	if serr != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 || len(key) != 32 || !ownedByMe(fi) {
		return nil, errors.New("the verification record key is not a private 32-byte file of this user")
	}
	return key, nil
}

// statTree is the identity of every file under dir, in path order; it fails on anything but
// regular files and directories (as Hash does) and where identities are not available.
func statTree(dir string) ([]fileStat, error) {
	var out []fileStat
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%q is not a regular file", path)
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		st, ok := identity(fi)
		if !ok {
			return errors.New("file identities are not available on this system")
		}
		st.Path = filepath.ToSlash(rel)
		out = append(out, st)
		return nil
	})
	return out, err
}
