// Package getter downloads one file from an https:// URL or copies one local file, through
// github.com/hashicorp/go-getter/v2 configured so that none of its conveniences can be turned
// against argus: no protocol other than HTTPS (plain HTTP only to a loopback host, for tests)
// and local files; local files are copied, never symlinked; no X-Terraform-Get redirection; no
// automatic decompression; no go-getter magic query parameters (checksum, archive, filename);
// explicit timeouts; a maximum size enforced as an error, not a silent truncation.
//
// It is not responsible for what the bytes mean: checking hashes and signatures, and extracting
// archives with limits, belong to internal/install.
package getter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	gg "github.com/hashicorp/go-getter/v2"

	"github.com/compliance-framework/argus/internal/loopback"
)

// Defaults used when Options leaves a field zero.
const (
	DefaultMaxBytes      = 512 << 20
	DefaultTimeout       = 10 * time.Minute
	DefaultHeaderTimeout = 30 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
)

// ErrTooLarge is returned (wrapped) when a download exceeds Options.MaxBytes.
var ErrTooLarge = errors.New("download exceeds the size limit")

// ErrStalled is returned (wrapped) when a server sent nothing for Options.IdleTimeout in the
// middle of a body.
var ErrStalled = errors.New("download stalled")

// Options tunes a Getter. The zero value (or nil) means the defaults.
type Options struct {
	// MaxBytes is the largest file Fetch accepts.
	MaxBytes int64
	// Timeout bounds one whole Fetch, connection to last byte.
	Timeout time.Duration
	// HeaderTimeout bounds the wait for a server's response headers, so a server that accepts
	// the connection and then says nothing fails fast.
	HeaderTimeout time.Duration
	// IdleTimeout bounds the wait for the next bytes of a body (and, for git, how long the
	// transfer may stay below one byte a second), so a server that stops sending mid-body fails
	// long before Timeout.
	IdleTimeout time.Duration
	// RootCAs replaces the system roots (tests use it to trust an httptest server). TLS
	// verification itself can never be turned off.
	RootCAs *x509.CertPool
}

// Getter fetches files. It is safe for concurrent use.
type Getter struct {
	maxBytes int64
	timeout  time.Duration
	idle     time.Duration
	client   *gg.Client
}

// New returns a Getter; opts may be nil.
func New(opts *Options) *Getter {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = DefaultHeaderTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.RootCAs},
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: o.HeaderTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   4,
		// go-getter would otherwise see a transparently gunzipped body and the size limit
		// and hashes would apply to something other than the bytes on the wire.
		DisableCompression: true,
	}
	httpClient := &http.Client{
		Transport: &limitTransport{base: transport, max: o.MaxBytes, idle: o.IdleTimeout},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			return checkURL(req.URL)
		},
	}
	return &Getter{
		maxBytes: o.MaxBytes,
		timeout:  o.Timeout,
		idle:     o.IdleTimeout,
		client: &gg.Client{
			// A non-nil empty map: go-getter substitutes its defaults only for nil.
			Decompressors: map[string]gg.Decompressor{},
			Getters: []gg.Getter{
				&gg.HttpGetter{
					Client:                httpClient,
					XTerraformGetDisabled: true,
					// HEAD first exists to resume partial downloads into an existing file;
					// argus always downloads into a fresh file.
					DoNotCheckHeadFirst: true,
					ReadTimeout:         o.Timeout,
				},
				&gg.FileGetter{},
			},
			DisableSymlinks: true,
		},
	}
}

// Fetch downloads src (an https:// URL, an http:// URL on a loopback host, a file:// URL or an
// absolute path) into the file dst, which must not exist yet. On error dst is removed.
func (g *Getter) Fetch(ctx context.Context, src, dst string) (err error) {
	u, err := parseSource(src)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("download %s: destination %q already exists", redact(u), dst)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	defer func() {
		if err != nil {
			_ = os.Remove(dst)
		}
	}()

	req := &gg.Request{Src: u.String(), Dst: dst, GetMode: gg.ModeFile, Copy: true, DisableSymlinks: true}
	if u.Scheme == "file" {
		// go-getter copies local files without a limit: check the size first, and again after,
		// in case the file grew in between.
		fi, err := os.Lstat(u.Path)
		if err != nil {
			return fmt.Errorf("copy local file %q: %w", u.Path, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("copy local file %q: not a regular file (symlinks are not followed)", u.Path)
		}
		if fi.Size() > g.maxBytes {
			return fmt.Errorf("copy local file %q: %w (%d bytes, limit %d)", u.Path, ErrTooLarge, fi.Size(), g.maxBytes)
		}
		req.Forced = "file"
	}
	if _, err := g.client.Get(ctx, req); err != nil {
		switch {
		case errors.Is(err, ErrTooLarge):
			return fmt.Errorf("download %s: %w (limit %d bytes)", redact(u), ErrTooLarge, g.maxBytes)
		case errors.Is(err, ErrStalled):
			return fmt.Errorf("download %s: %w: the server sent nothing for %s", redact(u), ErrStalled, g.idle)
		case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fmt.Errorf("download %s: timed out: %w", redact(u), err)
		case ctx.Err() != nil:
			return fmt.Errorf("download %s: interrupted: %w", redact(u), ctx.Err())
		}
		return fmt.Errorf("download %s: %w", redact(u), err)
	}
	fi, err := os.Lstat(dst)
	if err != nil {
		return fmt.Errorf("download %s: %w", redact(u), err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("download %s: result %q is not a regular file", redact(u), dst)
	}
	if fi.Size() > g.maxBytes {
		return fmt.Errorf("download %s: %w (limit %d bytes)", redact(u), ErrTooLarge, g.maxBytes)
	}
	return nil
}

// parseSource accepts only the sources argus allows and normalises an absolute path into a
// file:// URL.
func parseSource(src string) (*url.URL, error) {
	if filepath.IsAbs(src) {
		return &url.URL{Scheme: "file", Path: filepath.ToSlash(src)}, nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("download %q: not a URL: %w", src, err)
	}
	if u.Scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("download %q: a file:// URL cannot name a host", src)
		}
		u.Host = ""
		return u, nil
	}
	if err := checkURL(u); err != nil {
		return nil, err
	}
	// go-getter reads "//" in a path as "download the root, keep this subdirectory".
	if strings.Contains(u.Path, "//") {
		return nil, fmt.Errorf("download %s: a path containing \"//\" is not allowed", redact(u))
	}
	// go-getter interprets these query parameters itself (a checksum URL it would fetch, an
	// archive format, a file name): an index must not be able to steer it.
	q := u.Query()
	for _, k := range []string{"checksum", "archive", "filename"} {
		if q.Has(k) {
			return nil, fmt.Errorf("download %s: query parameter %q is not allowed", redact(u), k)
		}
	}
	return u, nil
}

// checkURL allows https:// to any host and http:// only to loopback hosts.
func checkURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.Host(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("download %s: plain http is allowed only to a loopback host; use https", redact(u))
	default:
		return fmt.Errorf("download %s: scheme %q is not allowed (use https:// or a local path)", redact(u), u.Scheme)
	}
}

// redact drops credentials from a URL before it appears in an error.
func redact(u *url.URL) string { return u.Redacted() }

// limitTransport turns an oversized body into ErrTooLarge (go-getter's own MaxBytes truncates
// silently, with io.LimitReader, which for a body without Content-Length looks like success),
// and a body that stops arriving for idle into ErrStalled (go-getter's ReadTimeout bounds the
// whole body, not the gaps in it).
type limitTransport struct {
	base http.RoundTripper
	max  int64
	idle time.Duration
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel(nil)
		return nil, err
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close() // unread and dropped: the size error is the one to report
		cancel(nil)
		return nil, fmt.Errorf("%w: server announces %d bytes", ErrTooLarge, resp.ContentLength)
	}
	// Cancelling the request's context is what unblocks a Read waiting on a silent server.
	timer := time.AfterFunc(t.idle, func() { cancel(ErrStalled) })
	resp.Body = &limitBody{rc: resp.Body, left: t.max, ctx: ctx, cancel: cancel, timer: timer, idle: t.idle}
	return resp, nil
}

type limitBody struct {
	rc     io.ReadCloser
	left   int64
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	idle   time.Duration
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrTooLarge
	}
	// Read one byte beyond the limit to tell "exactly at the limit" from "over it".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	b.left -= int64(n)
	if b.left < 0 {
		return 0, ErrTooLarge
	}
	if err != nil && errors.Is(context.Cause(b.ctx), ErrStalled) {
		return n, ErrStalled
	}
	return n, err
}

func (b *limitBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}
