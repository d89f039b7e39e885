// Package registrytest builds provider archives, signs their SHA256SUMS with a generated
// minisign key and serves a provider index (DESIGN.md "Provider index") from httptest, with
// switches that make it hostile in each of the ways the installer must survive. It also counts
// requests, so a test can prove that a warm `argus init` makes none.
//
// It is test tooling only: nothing outside _test.go files should import it.
package registrytest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"aead.dev/minisign"
)

// Platform is the platform of the running test, "<os>_<arch>".
const Platform = runtime.GOOS + "_" + runtime.GOARCH

// Entry is one archive member.
type Entry struct {
	Name    string
	Body    []byte
	Mode    fs.FileMode // 0 means 0644 for files
	Symlink string      // non-empty: the entry is a symlink to this target
	Dir     bool
}

// ProviderEntries is the archive content of a well-formed provider: its executable at the root.
func ProviderEntries(name string, exe []byte) []Entry {
	file := "argus-provider-" + name
	if runtime.GOOS == "windows" {
		file += ".exe"
	}
	return []Entry{{Name: file, Body: exe, Mode: 0o755}}
}

// Script is a provider executable written as a shell script that answers every request with one
// passing result titled title.
func Script(title string) []byte {
	return []byte("#!/bin/sh\ncat >/dev/null\necho '{\"results\":[{\"title\":\"" + title + "\",\"status\":\"pass\"}]}'\n")
}

// Zip builds a zip archive. It writes headers as given, so it can build hostile archives.
func Zip(entries []Entry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		switch {
		case e.Symlink != "":
			h.SetMode(fs.ModeSymlink | 0o777)
		case e.Dir:
			h.SetMode(fs.ModeDir | 0o755)
		default:
			h.SetMode(mode(e))
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			panic(err) // only on programming errors in a test
		}
		body := e.Body
		if e.Symlink != "" {
			body = []byte(e.Symlink)
		}
		if _, err := f.Write(body); err != nil {
			panic(err) // writes to a bytes.Buffer: only on programming errors
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TarGz builds a gzipped tar archive.
func TarGz(entries []Entry) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	w := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: int64(mode(e)), Size: int64(len(e.Body)), Typeflag: tar.TypeReg}
		switch {
		case e.Symlink != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Symlink, 0
		case e.Dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := w.WriteHeader(h); err != nil {
			panic(err)
		}
		if _, err := w.Write(e.Body); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	if err := gz.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func mode(e Entry) fs.FileMode {
	if e.Mode == 0 {
		return 0o644
	}
	return e.Mode
}

// Bomb is a zip whose one entry inflates to size bytes of zeros (about 1,000 times its size).
func Bomb(name string, size int) []byte {
	return Zip([]Entry{{Name: name, Body: make([]byte, size), Mode: 0o755}})
}

// ManyFiles is a zip holding n small files plus the provider executable.
func ManyFiles(name string, n int) []byte {
	entries := ProviderEntries(name, Script("x"))
	for i := range n {
		entries = append(entries, Entry{Name: fmt.Sprintf("f/%d", i), Body: []byte("x")})
	}
	return Zip(entries)
}

// Key is a minisign key pair.
type Key struct {
	Public  minisign.PublicKey
	Private minisign.PrivateKey
}

// NewKey generates a key pair.
func NewKey(t testing.TB) Key {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Key{Public: pub, Private: priv}
}

// String is the public key as configs write it in signing_keys.
func (k Key) String() string { return k.Public.String() }

// Signer is how the lock file records a signature by k.
func (k Key) Signer() string { return fmt.Sprintf("minisign:%016X", k.Public.ID()) }

// Release describes one published version of a provider.
type Release struct {
	Namespace, Name, Version string
	// Executable is the provider binary (or script). Used for every platform in Platforms (the
	// current one when Platforms is empty) unless Archives gives raw bytes for a platform.
	Executable []byte
	Platforms  []string
	Format     string // "zip" (default) or "tar.gz"
	Yanked     string // non-empty: listed in index.json as yanked with this reason

	// Archives gives raw archive bytes per platform, for hostile archives.
	Archives map[string][]byte

	// Hostile switches.
	Tampered           bool // the served archive differs from the one hashed in SHA256SUMS
	Unsigned           bool // no signature is published
	SignedBy           *Key // sign with this key instead of the registry's
	MissingVersionJSON bool // index.json lists the version, its <version>.json is absent
	Truncated          bool // archive responses stop half way (with the full Content-Length)
}

// Options configures a Registry.
type Options struct {
	TLS  bool   // serve over TLS (use CertPool to trust it); plain http on loopback otherwise
	Host string // the source host of addresses; default "registry.test"
}

// Registry is a provider index served by httptest.
type Registry struct {
	Host string
	Key  Key

	srv       *httptest.Server
	requests  atomic.Int64
	failAll   atomic.Bool
	hang      atomic.Bool
	mu        sync.Mutex
	files     map[string][]byte // path (no leading slash) → content
	truncated map[string]bool
	indexes   map[string]map[string]map[string]string // "host/ns/name" → version → fields
}

// New starts a registry; it stops when the test ends.
func New(t testing.TB, opts Options) *Registry {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "registry.test"
	}
	r := &Registry{Host: opts.Host, Key: NewKey(t), files: map[string][]byte{}, truncated: map[string]bool{},
		indexes: map[string]map[string]map[string]string{}}
	h := http.HandlerFunc(r.serve)
	if opts.TLS {
		r.srv = httptest.NewTLSServer(h)
	} else {
		r.srv = httptest.NewServer(h)
	}
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the index base URL, for a registry block's url.
func (r *Registry) URL() string { return r.srv.URL + "/" }

// CertPool trusts the TLS server (nil for plain http).
func (r *Registry) CertPool() *x509.CertPool {
	if r.srv.TLS == nil {
		return nil
	}
	p := x509.NewCertPool()
	p.AddCert(r.srv.Certificate())
	return p
}

// Requests is the number of requests served so far.
func (r *Registry) Requests() int64 { return r.requests.Load() }

// FailAll makes every request fail with 500 (still counted).
func (r *Registry) FailAll(on bool) { r.failAll.Store(on) }

// Hang makes every request wait until the client gives up.
func (r *Registry) Hang(on bool) { r.hang.Store(on) }

// Source is the source address of a provider on this registry.
func (r *Registry) Source(ns, name string) string { return r.Host + "/" + ns + "/" + name }

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	if r.hang.Load() {
		<-req.Context().Done()
		return
	}
	if r.failAll.Load() {
		http.Error(w, "registrytest: this test allows no requests", http.StatusInternalServerError)
		return
	}
	p := strings.TrimPrefix(req.URL.Path, "/")
	r.mu.Lock()
	body, ok := r.files[p]
	trunc := r.truncated[p]
	r.mu.Unlock()
	if !ok {
		http.NotFound(w, req)
		return
	}
	if trunc {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body[:len(body)/2]) // the client sees the short body; that is the point
		// Returning with fewer bytes than announced makes net/http close the connection.
		return
	}
	_, _ = w.Write(body) // a client that hung up is the test's to report
}

// Publish adds a release (and rewrites the provider's index.json).
func (r *Registry) Publish(t testing.TB, rel Release) {
	t.Helper()
	files, err := r.build(rel)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	dir := r.Host + "/" + rel.Namespace + "/" + rel.Name + "/"
	for name, body := range files.files {
		r.files[dir+name] = body
	}
	for name := range files.truncated {
		r.truncated[dir+name] = true
	}
	key := strings.TrimSuffix(dir, "/")
	if r.indexes[key] == nil {
		r.indexes[key] = map[string]map[string]string{}
	}
	v := map[string]string{}
	if rel.Yanked != "" {
		v["yanked"] = rel.Yanked
	}
	r.indexes[key][rel.Version] = v
	idx, _ := json.Marshal(map[string]any{"versions": r.indexes[key]})
	r.files[dir+"index.json"] = idx
}

type built struct {
	files     map[string][]byte
	truncated map[string]bool
}

func (r *Registry) build(rel Release) (built, error) {
	b := built{files: map[string][]byte{}, truncated: map[string]bool{}}
	format := rel.Format
	if format == "" {
		format = "zip"
	}
	platforms := rel.Platforms
	if len(platforms) == 0 {
		platforms = []string{Platform}
	}
	for p := range rel.Archives {
		if !slices.Contains(platforms, p) {
			platforms = append(platforms, p)
		}
	}
	slices.Sort(platforms)
	prefix := rel.Name + "_" + rel.Version
	var sums strings.Builder
	archives := map[string]any{}
	for _, p := range platforms {
		data, ok := rel.Archives[p]
		if !ok {
			entries := ProviderEntries(rel.Name, rel.Executable)
			if format == "zip" {
				data = Zip(entries)
			} else {
				data = TarGz(entries)
			}
		}
		name := prefix + "_" + p + "." + format
		sum := sha256.Sum256(data)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name)
		if rel.Tampered {
			data = append(slices.Clone(data), 0)
		}
		b.files[name] = data
		if rel.Truncated {
			b.truncated[name] = true
		}
		archives[p] = map[string]any{"url": name, "hashes": []string{"zh:" + hex.EncodeToString(sum[:])}}
	}
	sumsName := prefix + "_SHA256SUMS"
	b.files[sumsName] = []byte(sums.String())
	shasums := map[string]any{"url": sumsName}
	if !rel.Unsigned {
		key := r.Key
		if rel.SignedBy != nil {
			key = *rel.SignedBy
		}
		b.files[sumsName+".minisig"] = minisign.Sign(key.Private, []byte(sums.String()))
		shasums["signatures"] = []map[string]string{{"type": "minisign", "url": sumsName + ".minisig"}}
	}
	if !rel.MissingVersionJSON {
		vj, err := json.Marshal(map[string]any{"archives": archives, "shasums": shasums})
		if err != nil {
			return b, err
		}
		b.files[rel.Version+".json"] = vj
	}
	return b, nil
}

// WriteFile writes a test fixture (its directory too), failing the test when it cannot: a
// fixture that silently was not written makes the test prove nothing. mode is 0o755 for a
// provider executable.
func WriteFile(t testing.TB, path string, body []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, body, mode); err != nil {
		t.Fatal(err)
	}
}

// BuildExecutable compiles the Go main package in dir (e.g. an example provider) into out and
// returns its bytes.
func BuildExecutable(t testing.TB, pkgDir, out string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", out, ".") //nolint:gosec // G204: builds the test's own provider package
	cmd.Dir = pkgDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkgDir, err, b)
	}
	data, err := os.ReadFile(out) //nolint:gosec // G304: the binary go build just wrote
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// WriteTree writes every file the registry serves under dir, laid out as a static index, so a
// test can use a file:// or directory mirror.
func (r *Registry) WriteTree(t testing.TB, dir string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, body := range r.files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
