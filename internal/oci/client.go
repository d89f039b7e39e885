package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/compliance-framework/argus/internal/archive"
)

// Client resolves and pulls OCI artifacts. Its zero value, with CacheDir set, is ready to use;
// it keeps no state between calls, so one Client may serve concurrent calls.
type Client struct {
	// CacheDir is the root of the content-addressed entries Pull publishes and Lookup reads.
	CacheDir string // required for Pull and Lookup

	// Transport carries every registry request; nil means http.DefaultTransport. Plain http to
	// a host that is not loopback is refused on top of it, redirects included.
	Transport http.RoundTripper
	// Getenv reads DOCKER_CONFIG and HOME to find the Docker config file; nil means os.Getenv.
	Getenv func(string) string
	// DockerConfig is the Docker config file to read credentials and credential helpers from;
	// "" means $DOCKER_CONFIG/config.json, else ~/.docker/config.json. A missing file means
	// anonymous access.
	DockerConfig string
	// UserAgent is sent with every request; "" means "argus".
	UserAgent string
	// Limits bound what a registry may make argus read; zero fields mean the defaults.
	Limits Limits
}

// Limits bound manifests and layers.
type Limits struct {
	MaxManifestBytes int64          // one index or manifest; default 4 MiB
	MaxLayerBytes    int64          // one compressed layer; default 512 MiB
	MaxLayers        int            // layers in one manifest; default 16
	Extract          archive.Limits // the extracted tree, all layers together
}

// Default limits.
const (
	DefaultMaxManifestBytes = 4 << 20
	DefaultMaxLayerBytes    = 512 << 20
	DefaultMaxLayers        = 16
)

func (l Limits) withDefaults() Limits {
	if l.MaxManifestBytes <= 0 {
		l.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if l.MaxLayerBytes <= 0 {
		l.MaxLayerBytes = DefaultMaxLayerBytes
	}
	if l.MaxLayers <= 0 {
		l.MaxLayers = DefaultMaxLayers
	}
	l.Extract = l.Extract.WithDefaults()
	return l
}

// target is what resolving and pulling read: a remote repository or a local layout.
type target interface {
	Resolve(ctx context.Context, reference string) (ocispec.Descriptor, error)
	Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error)
}

var (
	_ target = (*remote.Repository)(nil)
	_ target = (*oci.ReadOnlyStore)(nil)
)

// open returns the target ref points at.
func (c *Client) open(ctx context.Context, ref Reference) (target, error) {
	if ref.IsLayout() {
		fi, err := os.Stat(ref.Layout)
		if err != nil || !fi.IsDir() {
			return nil, newError(ref, ErrNotFound, err, "%q is not a directory; an oci-layout:// reference names an OCI image layout directory (with oci-layout and index.json), such as one \"oras copy --to-oci-layout\" writes", ref.Layout)
		}
		store, err := oci.NewFromFS(ctx, os.DirFS(ref.Layout))
		if err != nil {
			return nil, newError(ref, ErrInvalid, err, "%q is not a readable OCI image layout: %v", ref.Layout, err)
		}
		return store, nil
	}
	store, err := c.credentials()
	if err != nil {
		return nil, newError(ref, nil, err, "%v", err)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "argus"
	}
	ac := &auth.Client{
		Client:     &http.Client{Transport: retry.NewTransport(&loopbackOnly{next: c.transport()}), CheckRedirect: checkRedirect},
		Header:     http.Header{"User-Agent": {ua}},
		Credential: credentialFunc(store, ref.Registry),
		Cache:      auth.NewCache(),
	}
	return &remote.Repository{
		Reference: registry.Reference{Registry: ref.Registry, Repository: ref.Repository},
		PlainHTTP: isLoopback(ref.Registry),
		Client:    ac,
	}, nil
}

func (c *Client) transport() http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// credentials opens the Docker config file's credential store (helpers included).
func (c *Client) credentials() (credentials.Store, error) {
	path := c.DockerConfig
	if path == "" {
		getenv := c.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		if d := getenv("DOCKER_CONFIG"); d != "" {
			path = filepath.Join(d, "config.json")
		} else if home := getenv("HOME"); home != "" {
			path = filepath.Join(home, ".docker", "config.json")
		} else if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, ".docker", "config.json")
		} else {
			return credentials.NewMemoryStore(), nil // no home: anonymous, as docker itself would be
		}
	}
	store, err := credentials.NewStore(path, credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the Docker config file %q for registry credentials: %w; fix or remove it", path, err)
	}
	return store, nil
}

// credentialFunc asks the store for the registry's credentials and says, when that fails,
// which registry and that a credential helper is the likely cause.
func credentialFunc(store credentials.Store, registryHost string) auth.CredentialFunc {
	get := credentials.Credential(store)
	return func(ctx context.Context, hostport string) (auth.Credential, error) {
		cred, err := get(ctx, hostport)
		if err != nil {
			return auth.EmptyCredential, fmt.Errorf("get credentials for %s from the Docker config file (a credential helper or credsStore failed): %w", registryHost, err)
		}
		return cred, nil
	}
}

// loopbackOnly refuses plain http to any host that is not loopback, so that neither a
// reference nor a redirect (to a blob CDN, say) can make argus fetch over plain http.
type loopbackOnly struct{ next http.RoundTripper }

func (l *loopbackOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Host) {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), ErrInsecure)
	}
	return l.next.RoundTrip(req)
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Host) {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), ErrInsecure)
	}
	return nil
}
