package ocitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/crypto/bcrypt"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// Binary is where Debian's docker-registry package installs the server.
const Binary = "/usr/bin/docker-registry"

// Registry is a running docker-registry on loopback.
type Registry struct {
	Host string // "127.0.0.1:PORT", as a reference's registry part
	Dir  string // the storage root
	// User and Password are set when the registry was started with Options.Auth.
	User, Password string

	stop func() // stops the process and waits for it; safe to call more than once
	logs *lockedBuffer
}

// Options choose how the registry starts. nil means anonymous access.
type Options struct {
	Auth bool // require HTTP basic auth (htpasswd) for everything, pulls included
}

// Start runs a registry for the rest of the test and stops it on cleanup.
func Start(t testing.TB, opts *Options) *Registry {
	t.Helper()
	bin := ensureBinary(t)
	if opts == nil {
		opts = &Options{}
	}
	dir := t.TempDir()
	r := &Registry{Dir: filepath.Join(dir, "storage")}
	var authCfg string
	if opts.Auth {
		r.User, r.Password = "argus", randomHex(t, 12)
		hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(r.User+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		authCfg = fmt.Sprintf("auth:\n  htpasswd:\n    realm: argus-test\n    path: %s\n", htpasswd)
	}
	// The port is chosen by binding :0 and releasing it, so another process can take it in
	// between: a registry that exits at once is retried on a new port.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		host := freePort(t)
		cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
  secret: %s
%s`, r.Dir, host, randomHex(t, 16), authCfg)
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if lastErr = r.run(t, bin, cfgPath, host); lastErr == nil {
			return r
		}
	}
	t.Fatalf("start docker-registry: %v", lastErr)
	return nil
}

func (r *Registry) run(t testing.TB, bin, cfgPath, host string) error {
	r.logs = &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", cfgPath) //nolint:gosec // G204: the test's own registry binary and config
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	// Stopping asks politely first; WaitDelay turns it into a kill if the registry lingers.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return fmt.Errorf("run %s: %w", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }() // owned by stop, which every path below calls
	stop := func() {
		cancel()
		<-done
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			cancel()
			return fmt.Errorf("docker-registry exited at once:\n%s", r.logs.String())
		default:
		}
		resp, err := ping(host)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("docker-registry did not answer /v2/ on %s within 15s:\n%s", host, r.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Host, r.stop = host, stop
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("docker-registry log:\n%s", r.logs.String())
		}
	})
	return nil
}

// Stop stops the registry now (cleanup would later): a test that must prove that no request
// is made can stop it first.
func (r *Registry) Stop() { r.stop() }

// Ref is the reference of repo:tag in this registry.
func (r *Registry) Ref(repo, tag string) string { return r.Host + "/" + repo + ":" + tag }

// Repository returns a client for pushing to repo, logged in when the registry needs it.
func (r *Registry) Repository(t testing.TB, repo string) *remote.Repository {
	t.Helper()
	rr := &remote.Repository{
		Reference: registry.Reference{Registry: r.Host, Repository: repo},
		PlainHTTP: true,
	}
	if r.User != "" {
		rr.Client = &auth.Client{Credential: auth.StaticCredential(r.Host, auth.Credential{Username: r.User, Password: r.Password})}
	}
	return rr
}

// CorruptBlob alters the stored bytes of blob d in place, keeping its size, so that the
// registry serves content that no longer matches its digest (distribution does not re-check
// on reads): the case of a damaged disk or a tampering proxy.
func (r *Registry) CorruptBlob(t testing.TB, d digest.Digest) {
	t.Helper()
	corruptFile(t, filepath.Join(r.Dir, "docker", "registry", "v2", "blobs", d.Algorithm().String(), d.Encoded()[:2], d.Encoded(), "data"))
}

// CorruptLayoutBlob does the same to blob d of the OCI layout at dir.
func CorruptLayoutBlob(t testing.TB, dir string, d digest.Digest) {
	t.Helper()
	corruptFile(t, filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded()))
}

func corruptFile(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path) //nolint:gosec // G304: a blob in the test's own storage
	if err != nil {
		t.Fatalf("corrupt blob: %v", err)
	}
	for i := len(data) / 2; i < len(data) && i < len(data)/2+16; i++ {
		data[i] ^= 0xff
	}
	if err := os.WriteFile(path, data, 0o600); err != nil { //nolint:gosec // G703: a blob in the test's own storage
		t.Fatalf("corrupt blob: %v", err)
	}
}

// DockerConfig writes a Docker config directory (for DOCKER_CONFIG) holding the registry's
// credentials in "auths", as `docker login` writes them, and returns the directory.
func (r *Registry) DockerConfig(t testing.TB) string {
	t.Helper()
	return WriteDockerConfig(t, map[string]any{"auths": map[string]any{
		r.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))},
	}})
}

// WriteDockerConfig writes cfg as config.json in a new directory and returns the directory.
func WriteDockerConfig(t testing.TB, cfg any) string {
	t.Helper()
	dir := t.TempDir()
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ensureBinary finds docker-registry, installing it when the test runs as root.
func ensureBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("docker-registry"); err == nil {
		return p
	}
	if _, err := os.Stat(Binary); err == nil {
		return Binary
	}
	const how = "install Debian's package: sudo apt-get update && sudo apt-get install -y docker-registry"
	if os.Geteuid() != 0 {
		t.Fatalf("the OCI tests need a real registry, %s, which is missing; %s", Binary, how)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out bytes.Buffer
	install := func() error {
		cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", "-q", "docker-registry")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	}
	if err := install(); err != nil {
		// The package lists may be missing or stale on a fresh machine: update and try again.
		for i := 0; i < 3; i++ {
			up := exec.CommandContext(ctx, "apt-get", "update", "-q")
			up.Stdout, up.Stderr = &out, &out
			if err := up.Run(); err == nil {
				break
			}
			time.Sleep(time.Duration(i+1) * 5 * time.Second)
		}
		if err := install(); err != nil {
			t.Fatalf("install docker-registry with apt-get: %v\n%s\n%s", err, out.String(), how)
		}
	}
	if _, err := os.Stat(Binary); err != nil {
		t.Fatalf("apt-get installed docker-registry, but %s is missing: %v", Binary, err)
	}
	return Binary
}

// ping asks the registry for /v2/ with a short timeout.
func ping(host string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/v2/", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drain before the deferred cancel, so the connection is reused
	return resp, nil
}

func freePort(t testing.TB) string {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // released for the registry to bind
	return addr
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// lockedBuffer collects the registry's output, bounded, for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 1<<20 {
		b.buf.Write(p)
	}
	return len(p), nil
}

// String is the tail of the output: the registry logs every expected 404 too.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > 8<<10 {
		s = "…" + s[len(s)-8<<10:]
	}
	return strings.TrimSpace(s)
}
