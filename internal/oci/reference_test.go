package oci

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
)

const hexA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestParseReference(t *testing.T) {
	dA := digest.Digest("sha256:" + hexA)
	tests := []struct {
		in   string
		want Reference
		err  string // substring of the error; "" for success
	}{
		{in: "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3",
			want: Reference{Registry: "ghcr.io", Repository: "compliance-framework/plugin-local-ssh", Tag: "v1.2.3"}},
		{in: "127.0.0.1:5000/x/y:tag", want: Reference{Registry: "127.0.0.1:5000", Repository: "x/y", Tag: "tag"}},
		{in: "localhost:5000/x:latest", want: Reference{Registry: "localhost:5000", Repository: "x", Tag: "latest"}},
		{in: "localhost/x:1", want: Reference{Registry: "localhost", Repository: "x", Tag: "1"}},
		{in: "[::1]:5000/x:1", want: Reference{Registry: "[::1]:5000", Repository: "x", Tag: "1"}},
		{in: "ghcr.io/a/b@sha256:" + hexA, want: Reference{Registry: "ghcr.io", Repository: "a/b", Digest: dA}},
		{in: "ghcr.io/a/b:v1@sha256:" + hexA, want: Reference{Registry: "ghcr.io", Repository: "a/b", Tag: "v1", Digest: dA}},
		{in: "docker.io/library/alpine:3", want: Reference{Registry: "docker.io", Repository: "library/alpine", Tag: "3"}},
		{in: "oci-layout:///srv/oci/plugin:v1", want: Reference{Layout: "/srv/oci/plugin", Tag: "v1"}},
		{in: "oci-layout://./layouts/p:v1", want: Reference{Layout: "./layouts/p", Tag: "v1"}},
		{in: "oci-layout://dir.with:colon/p@sha256:" + hexA, want: Reference{Layout: "dir.with:colon/p", Digest: dA}},
		{in: "oci-layout:///a:b/p:v2", want: Reference{Layout: "/a:b/p", Tag: "v2"}},

		{in: "ghcr.io/a/b", err: "name a tag or a digest"},
		{in: "127.0.0.1:5000/x/y", err: "name a tag or a digest"},
		{in: "oci-layout:///srv/oci/plugin", err: "oci-layout://PATH:TAG"},
		{in: "oci-layout://:v1", err: "layout directory is empty"},
		{in: "alpine:3", err: "no repository"},
		{in: "acme/x:v1", err: `"acme" is not a registry host`},
		{in: "ghcr.io/Org/Name:v1", err: "lower-case"},
		{in: "ghcr.io/a/b:-bad", err: "not a valid tag"},
		{in: "ghcr.io/a/b:v1 x", err: "not a valid tag"},
		{in: "ghcr.io/a/b@sha256:abc", err: "not a digest"},
		{in: "ghcr.io/a/b@md5:" + hexA[:32], err: "not a digest"},
		{in: "http://ghcr.io/a/b:v1", err: "without a scheme"},
		{in: "https://ghcr.io/a/b:v1", err: "without a scheme"},
		{in: "bad host!/a:v1", err: "not a registry host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseReference(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in) {
					t.Fatalf("ParseReference(%q) = %+v, %v; want an error naming the reference and containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReference(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseReference(%q) (-want +got):\n%s", tt.in, diff)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
			if !IsReference(tt.in) {
				t.Errorf("IsReference(%q) = false for a reference that parses", tt.in)
			}
		})
	}
}

func TestIsReference(t *testing.T) {
	tests := map[string]bool{
		"ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3": true,
		"127.0.0.1:5000/x/y:tag":                               true,
		"ghcr.io/a/b@sha256:" + hexA:                           true,
		"oci-layout://./dir:v1":                                true,
		"oci-layout://./dir":                                   true, // malformed, but meant as OCI: ParseReference explains
		"https://ghcr.io/a/b:v1":                               true,
		"alpine:3":                                             true,
		// argus's own sources
		"registry.example.com/acme/file-age": false,
		"localhost:5000/acme/file-age":       false,
		"127.0.0.1:8080/acme/x":              false,
		"./providers/x":                      false,
		"../x:y":                             false,
		"/abs/path:with-colon":               false,
		"":                                   false,
		"git::https://x/y":                   false,
		"s3://bucket/x:1":                    false,
	}
	for in, want := range tests {
		if got := IsReference(in); got != want {
			t.Errorf("IsReference(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestReferenceHelpers(t *testing.T) {
	r, err := ParseReference("ghcr.io/a/b:v1")
	if err != nil {
		t.Fatal(err)
	}
	d := digest.Digest("sha256:" + hexA)
	if got := r.WithDigest(d).String(); got != "ghcr.io/a/b:v1@"+d.String() {
		t.Errorf("WithDigest = %q", got)
	}
	if got := r.InDir("/cfg"); got != r {
		t.Errorf("InDir changed a registry reference: %+v", got)
	}
	l, _ := ParseReference("oci-layout://rel/p:v1")
	if got := l.InDir("/cfg").Layout; got != "/cfg/rel/p" {
		t.Errorf("InDir(rel) = %q", got)
	}
	a, _ := ParseReference("oci-layout:///abs/p:v1")
	if got := a.InDir("/cfg").Layout; got != "/abs/p" {
		t.Errorf("InDir(abs) = %q", got)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:5000": true, "127.1.2.3": true, "localhost": true, "LOCALHOST:80": true,
		"[::1]:5000": true, "::1": true,
		"ghcr.io": false, "10.0.0.1:5000": false, "192.168.1.1": false, "registry.local": false,
		"localhost.example.com": false, "[::2]:5000": false, "0.0.0.0:5000": false,
	}
	for in, want := range tests {
		if got := isLoopback(in); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", in, got, want)
		}
	}
}

type recordingTransport struct{ urls []string }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL.String())
	return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Request: req}, nil
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	rec := &recordingTransport{}
	tr := &loopbackOnly{next: rec}
	for _, u := range []string{"http://ghcr.io/v2/", "http://10.0.0.1:5000/v2/", "http://registry.local/v2/"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		resp, err := tr.RoundTrip(req)
		if resp != nil {
			_ = resp.Body.Close()
		}
		if !errors.Is(err, ErrInsecure) {
			t.Errorf("RoundTrip(%s) err = %v, want ErrInsecure", u, err)
		}
		if err := checkRedirect(req, nil); !errors.Is(err, ErrInsecure) {
			t.Errorf("checkRedirect(%s) err = %v, want ErrInsecure", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:5000/v2/", "http://[::1]:5000/v2/", "http://localhost/v2/", "https://ghcr.io/v2/"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Errorf("RoundTrip(%s): %v", u, err)
		} else {
			_ = resp.Body.Close()
		}
		if err := checkRedirect(req, nil); err != nil {
			t.Errorf("checkRedirect(%s): %v", u, err)
		}
	}
	if diff := cmp.Diff([]string{"http://127.0.0.1:5000/v2/", "http://[::1]:5000/v2/", "http://localhost/v2/", "https://ghcr.io/v2/"}, rec.urls); diff != "" {
		t.Errorf("requests that went out (-want +got):\n%s", diff)
	}
	// The message is one line that names the reference and what to do.
	ref, _ := ParseReference("ghcr.io/a/b:v1")
	err := classify(ref, "tag v1", &urlError{err: ErrInsecure})
	if !errors.Is(err, ErrInsecure) || !strings.Contains(err.Error(), "ghcr.io/a/b:v1") || !strings.Contains(err.Error(), "https") || strings.Contains(err.Error(), "\n") {
		t.Errorf("classify(insecure) = %v", err)
	}
}

type urlError struct{ err error }

func (u *urlError) Error() string { return "Get \"http://ghcr.io/v2/\": " + u.err.Error() }
func (u *urlError) Unwrap() error { return u.err }

func TestPlatform(t *testing.T) {
	p, err := ParsePlatform("linux_amd64")
	if err != nil || p != (Platform{OS: "linux", Architecture: "amd64"}) || p.String() != "linux_amd64" {
		t.Errorf("ParsePlatform(linux_amd64) = %+v, %v", p, err)
	}
	for _, bad := range []string{"linux", "_amd64", "linux_", ""} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) succeeded", bad)
		}
	}
}
