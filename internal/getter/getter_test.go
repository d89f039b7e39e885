package getter

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func tlsGetter(t *testing.T, srv *httptest.Server, opts Options) *Getter {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	opts.RootCAs = pool
	return New(&opts)
}

func TestFetchHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// go-getter follows this header for directory downloads; argus must ignore it.
		w.Header().Set("X-Terraform-Get", "https://evil.example/other")
		_, _ = w.Write([]byte("archive bytes")) // the client checks what arrived
	}))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "a.zip")
	if err := tlsGetter(t, srv, Options{}).Fetch(context.Background(), srv.URL+"/a.zip", dst); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || string(got) != "archive bytes" {
		t.Fatalf("content = %q, %v", got, err)
	}
}

func TestFetchUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "a")
	err := New(nil).Fetch(context.Background(), srv.URL+"/a", dst)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Fetch from a server with an unknown CA: err = %v, want a certificate error", err)
	}
	assertAbsent(t, dst)
}

func TestFetchRefusals(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"plain http to a remote host", "http://example.com/a.zip", "plain http is allowed only to a loopback host"},
		{"ftp", "ftp://example.com/a.zip", `scheme "ftp" is not allowed`},
		{"git forced getter", "git::https://example.com/a.git", "not allowed"},
		{"s3", "s3::https://s3.amazonaws.com/b/a.zip", "not allowed"},
		{"checksum parameter", "https://example.com/a.zip?checksum=file:https://evil", `query parameter "checksum"`},
		{"archive parameter", "https://example.com/a.zip?archive=zip", `query parameter "archive"`},
		{"subdir syntax", "https://example.com/a//b", `"//"`},
		{"relative path", "a/b.zip", "not allowed"},
		{"remote file url", "file://host/etc/passwd", "cannot name a host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			err := New(nil).Fetch(context.Background(), tt.src, dst)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Fetch(%q) err = %v, want it to contain %q", tt.src, err, tt.want)
			}
			assertAbsent(t, dst)
		})
	}
}

func TestFetchRedirectToPlainHTTPRefused(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com/a.zip", http.StatusFound)
	}))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "a")
	err := tlsGetter(t, srv, Options{}).Fetch(context.Background(), srv.URL+"/a", dst)
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("err = %v, want the redirect refused", err)
	}
	assertAbsent(t, dst)
}

func TestFetchSizeLimit(t *testing.T) {
	body := strings.Repeat("x", 2000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"with content length", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(body)) // the client hangs up at the limit: that is the point
		}},
		{"chunked, no content length", func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			for range 20 {
				// The client hangs up at the limit, so later writes fail: that is the point.
				_, _ = w.Write([]byte(body[:100]))
				_ = rc.Flush()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			dst := filepath.Join(t.TempDir(), "a")
			err := New(&Options{MaxBytes: 1000}).Fetch(context.Background(), srv.URL+"/a", dst)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			assertAbsent(t, dst)
		})
	}
	t.Run("exactly at the limit", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(body)) // the client checks what arrived
		}))
		defer srv.Close()
		dst := filepath.Join(t.TempDir(), "a")
		if err := New(&Options{MaxBytes: 2000}).Fetch(context.Background(), srv.URL+"/a", dst); err != nil {
			t.Fatalf("a body of exactly MaxBytes: %v", err)
		}
	})
}

func TestFetchTruncated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte("only part")) // the client sees the short body; that is the point
		// Returning closes the connection short of the announced length.
	}))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "a")
	err := New(nil).Fetch(context.Background(), srv.URL+"/a", dst)
	if err == nil {
		t.Fatal("truncated download succeeded")
	}
	assertAbsent(t, dst)
}

func TestFetchHangingServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	dst := filepath.Join(t.TempDir(), "a")
	err := New(&Options{HeaderTimeout: 100 * time.Millisecond}).Fetch(context.Background(), srv.URL+"/a", dst)
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	assertAbsent(t, dst)
}

func TestFetchHangingBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("start")) // the client times out on the rest; that is the point
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	dst := filepath.Join(t.TempDir(), "a")
	err := New(&Options{Timeout: 200 * time.Millisecond}).Fetch(context.Background(), srv.URL+"/a", dst)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	assertAbsent(t, dst)
}

func TestFetchLocalFileIsCopied(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.zip")
	if err := os.WriteFile(src, []byte("local"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{src, "file://" + filepath.ToSlash(src)} {
		dst := filepath.Join(t.TempDir(), "dst.zip")
		if err := New(nil).Fetch(context.Background(), s, dst); err != nil {
			t.Fatalf("Fetch(%q): %v", s, err)
		}
		fi, err := os.Lstat(dst)
		if err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("Fetch(%q) produced %v, %v; want a regular file (a copy, not a symlink)", s, fi, err)
		}
	}
	// Too large.
	dst := filepath.Join(t.TempDir(), "dst.zip")
	if err := New(&Options{MaxBytes: 3}).Fetch(context.Background(), src, dst); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized local file: err = %v, want ErrTooLarge", err)
	}
	assertAbsent(t, dst)
	// A symlink source is refused.
	link := filepath.Join(dir, "link.zip")
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	if err := New(nil).Fetch(context.Background(), link, filepath.Join(t.TempDir(), "x")); err == nil {
		t.Fatalf("Fetch of a symlink succeeded")
	}
}

func TestFetchDestinationExists(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("new")) // the client refuses before reading: nothing to check here
	}))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "a")
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := New(nil).Fetch(context.Background(), srv.URL+"/a", dst); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v, want refusal", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "old" {
		t.Errorf("existing file changed to %q", got)
	}
}

func assertAbsent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed Fetch (err %v)", path, err)
	}
}

// Issue 15 item 13: a server that sends part of a body and then nothing was waited for until
// the whole-download Timeout (10 minutes by default). The idle timeout ends it as stalled,
// long before Timeout, whatever was received so far.
func TestFetchStalledBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte("job \"x\" {"))
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	dst := filepath.Join(t.TempDir(), "a.hcl")
	err := New(&Options{Timeout: time.Hour, IdleTimeout: 100 * time.Millisecond}).Fetch(t.Context(), srv.URL+"/a.hcl", dst)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), "sent nothing for 100ms") {
		t.Fatalf("err = %v, want ErrStalled naming the idle timeout", err)
	}
	assertAbsent(t, dst)
}

// A body that keeps arriving, however slowly in total, is not stalled: each chunk resets the
// idle timer, and the wrapper passes a complete body through unchanged.
func TestFetchSteadyBodyNotStalled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for range 50 {
			_, _ = w.Write([]byte(strings.Repeat("x", 100)))
			_ = rc.Flush()
		}
	}))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "a")
	if err := New(&Options{IdleTimeout: time.Minute}).Fetch(t.Context(), srv.URL+"/a", dst); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Size() != 5000 {
		t.Fatalf("stat = %v, %v", fi, err)
	}
}
