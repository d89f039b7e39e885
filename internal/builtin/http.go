package builtin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/compliance-framework/argus/sdk"
)

const (
	// maxRedirects is how many redirects builtin/http follows before it checks the response it
	// has; the checks always apply to the last response, and the evidence lists the hops.
	maxRedirects = 5
	// defaultHTTPTimeout bounds a check when the request carries no deadline (argus always sends
	// one; this keeps a direct caller from hanging forever).
	defaultHTTPTimeout = 30 * time.Second
	// maxBodyRead bounds how much of the body is read (and discarded) before the connection is
	// closed: the checks only look at the status line, headers and TLS state.
	maxBodyRead = 1 << 20
)

// HTTPOptions are the optional settings of builtin/http; a nil *HTTPOptions means defaults.
type HTTPOptions struct {
	// RootCAs replaces the system's trusted roots (tests use it to trust an httptest server).
	// nil means the system roots. Verification is never disabled.
	RootCAs *x509.CertPool
	// Timeout bounds a check when the request has no deadline (default 30s).
	Timeout time.Duration
	// Now is the clock cert_min_days counts from (default time.Now).
	Now func() time.Time
}

// NewHTTP returns the builtin/http handler: one GET of one URL, checking the status of the last
// response (after following at most 5 redirects), its headers, its negotiated TLS version and its
// leaf certificate's remaining validity.
//
// The client accepts TLS 1.0 and later so that an old server is reported as a fail of min_tls
// with the version it spoke, rather than as an opaque handshake error. A certificate that does
// not verify (expired, unknown authority, wrong host name) is a fail with the certificate in the
// evidence: it is a finding about the server. A server that cannot be reached is an error.
func NewHTTP(opts *HTTPOptions) sdk.Handler {
	p := httpProvider{timeout: defaultHTTPTimeout, now: time.Now}
	var roots *x509.CertPool
	if opts != nil {
		roots = opts.RootCAs
		if opts.Timeout > 0 {
			p.timeout = opts.Timeout
		}
		if opts.Now != nil {
			p.now = opts.Now
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()                          //nolint:errcheck // net/http documents DefaultTransport as a *Transport
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS10} //nolint:gosec // G402: accept old servers so that min_tls can report them as a fail
	// One request per job: an idle connection would only outlive the check.
	tr.DisableKeepAlives = true
	p.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return p.handle
}

type httpProvider struct {
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

var httpKeys = []string{"url", "expect_status", "headers", "min_tls", "cert_min_days"}

type httpConfig struct {
	URL          string   `json:"url"`
	ExpectStatus *int     `json:"expect_status"`
	Headers      []string `json:"headers"`
	MinTLS       *string  `json:"min_tls"`
	CertMinDays  *int     `json:"cert_min_days"`
}

type httpChecks struct {
	url          string
	expectStatus int
	headers      []string
	minTLS       uint16 // 0 when not checked
	certMinDays  *int
}

var tlsVersions = map[string]uint16{
	"1.0": tls.VersionTLS10,
	"1.1": tls.VersionTLS11,
	"1.2": tls.VersionTLS12,
	"1.3": tls.VersionTLS13,
}

func tlsVersionName(v uint16) string {
	for name, id := range tlsVersions {
		if id == v {
			return name
		}
	}
	return fmt.Sprintf("0x%04x", v)
}

func parseHTTPConfig(req sdk.Request) (httpChecks, error) {
	var cfg httpConfig
	if err := decodeConfig(req, &cfg, httpKeys); err != nil {
		return httpChecks{url: cfg.URL}, err
	}
	c := httpChecks{url: cfg.URL, expectStatus: http.StatusOK, headers: cfg.Headers, certMinDays: cfg.CertMinDays}
	var errs []error
	https := false
	if strings.TrimSpace(cfg.URL) == "" {
		errs = append(errs, errors.New(`url is required: set config = { url = "https://example.com/" }`))
	} else if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url %q is not an absolute http:// or https:// URL", cfg.URL))
	} else {
		https = u.Scheme == "https"
	}
	if cfg.ExpectStatus != nil {
		if *cfg.ExpectStatus < 100 || *cfg.ExpectStatus > 599 {
			errs = append(errs, fmt.Errorf("expect_status %d is not an HTTP status code: want 100 to 599", *cfg.ExpectStatus))
		}
		c.expectStatus = *cfg.ExpectStatus
	}
	for _, h := range cfg.Headers {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " :\t\r\n") {
			errs = append(errs, fmt.Errorf("headers entry %q is not a header name: give names only, like \"Strict-Transport-Security\"", h))
		}
	}
	if cfg.MinTLS != nil {
		v, ok := tlsVersions[*cfg.MinTLS]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf(`min_tls %q is not a TLS version: want "1.0", "1.1", "1.2" or "1.3"`, *cfg.MinTLS))
		case !https && cfg.URL != "":
			errs = append(errs, fmt.Errorf("min_tls checks the TLS version, and url %q does not use https: use an https:// URL or remove min_tls", cfg.URL))
		}
		c.minTLS = v
	}
	if cfg.CertMinDays != nil {
		switch {
		case *cfg.CertMinDays < 0:
			errs = append(errs, fmt.Errorf("cert_min_days %d is negative: give the number of days the certificate must still be valid", *cfg.CertMinDays))
		case !https && cfg.URL != "":
			errs = append(errs, fmt.Errorf("cert_min_days checks the TLS certificate, and url %q does not use https: use an https:// URL or remove cert_min_days", cfg.URL))
		}
	}
	return c, joinErrors(errs)
}

func (c httpChecks) describe() string {
	want := []string{fmt.Sprintf("status %d", c.expectStatus)}
	if len(c.headers) > 0 {
		want = append(want, "headers "+strings.Join(c.headers, ", "))
	}
	if c.minTLS != 0 {
		want = append(want, "TLS "+tlsVersionName(c.minTLS)+" or later")
	}
	if c.certMinDays != nil {
		want = append(want, fmt.Sprintf("a certificate valid for at least %d more days", *c.certMinDays))
	}
	return "GETs the URL (following up to 5 redirects) and checks the response has " + strings.Join(want, ", ") + "."
}

func (p httpProvider) handle(ctx context.Context, req sdk.Request) (sdk.Response, error) {
	c, err := parseHTTPConfig(req)
	title := "GET " + c.url
	if strings.TrimSpace(c.url) == "" {
		title = "GET (no url configured)"
	}
	if err != nil {
		return configError(req, HTTPName, title, err), nil
	}
	var v verdict
	ev := map[string]any{"url": c.url}
	p.check(ctx, c, &v, ev)
	obs := sdk.Observation{Title: title, Description: "What the server answered.", Evidence: ev}
	return sdk.Response{Results: []sdk.Result{v.result(req, title, c.describe(), obs)}}, nil
}

func (p httpProvider) check(ctx context.Context, c httpChecks, v *verdict, ev map[string]any) {
	limit := "the job's deadline"
	if _, ok := ctx.Deadline(); !ok {
		limit = fmt.Sprintf("the provider's %v timeout", p.timeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		v.unchecked("build request for %q: %v", c.url, err)
		return
	}
	resp, err := p.client.Do(httpReq)
	if err != nil {
		var verr *tls.CertificateVerificationError
		switch {
		case errors.As(err, &verr):
			if len(verr.UnverifiedCertificates) > 0 {
				p.certEvidence(verr.UnverifiedCertificates[0], ev)
			}
			v.fail("the server's TLS certificate does not verify: %v", verr.Err)
		case ctx.Err() != nil:
			v.unchecked("no response from %s before %s: raise the job's timeout or check the server", c.url, limit)
		default:
			v.unchecked("GET %s: %v", c.url, err)
		}
		return
	}
	defer func() { _ = resp.Body.Close() }() // read to the limit and dropped: a close error changes nothing
	n, bodyErr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyRead))
	ev["body_bytes_read"] = n
	if bodyErr != nil {
		ev["body_error"] = bodyErr.Error()
	}

	hops := redirects(resp)
	if len(hops) > 0 {
		ev["redirects"] = hops
		ev["final_url"] = resp.Request.URL.String()
		if len(hops) >= maxRedirects && resp.Header.Get("Location") != "" {
			ev["redirects_stopped"] = fmt.Sprintf("stopped following redirects after %d; the checks apply to the last response", maxRedirects)
		}
	}
	ev["status_code"] = resp.StatusCode
	if resp.StatusCode == c.expectStatus {
		v.pass("status is %d", resp.StatusCode)
	} else {
		v.fail("status is %d, want %d", resp.StatusCode, c.expectStatus)
	}

	names := sortedKeys(resp.Header)
	ev["header_names"] = names
	if len(c.headers) > 0 {
		seen := map[string]string{}
		var missing []string
		for _, h := range c.headers {
			if vals := resp.Header.Values(h); len(vals) > 0 {
				seen[http.CanonicalHeaderKey(h)] = excerptN([]byte(strings.Join(vals, ", ")), 512)
			} else {
				missing = append(missing, h)
			}
		}
		ev["headers"] = seen
		if len(missing) > 0 {
			v.fail("%s %s missing", plural(len(missing), "header", "headers"), strings.Join(missing, ", ")+plural(len(missing), " is", " are"))
		} else {
			v.pass("headers %s are present", strings.Join(c.headers, ", "))
		}
	}

	if resp.TLS == nil {
		if c.minTLS != 0 || c.certMinDays != nil {
			v.fail("the last response (from %s) was not served over TLS, so min_tls/cert_min_days cannot hold", resp.Request.URL)
		}
		return
	}
	ev["tls_version"] = tlsVersionName(resp.TLS.Version)
	ev["tls_cipher_suite"] = tls.CipherSuiteName(resp.TLS.CipherSuite)
	if c.minTLS != 0 {
		if resp.TLS.Version >= c.minTLS {
			v.pass("TLS %s is at least %s", tlsVersionName(resp.TLS.Version), tlsVersionName(c.minTLS))
		} else {
			v.fail("TLS version is %s, want at least %s", tlsVersionName(resp.TLS.Version), tlsVersionName(c.minTLS))
		}
	}
	if len(resp.TLS.PeerCertificates) == 0 {
		if c.certMinDays != nil {
			v.unchecked("the server sent no certificate")
		}
		return
	}
	leaf := resp.TLS.PeerCertificates[0]
	p.certEvidence(leaf, ev)
	if c.certMinDays != nil {
		left := leaf.NotAfter.Sub(p.now())
		want := time.Duration(*c.certMinDays) * 24 * time.Hour
		if left >= want {
			v.pass("certificate is valid for %d more days", daysLeft(left))
		} else {
			v.fail("certificate expires %s (in %d days), want at least %d more days", leaf.NotAfter.UTC().Format(time.RFC3339), daysLeft(left), *c.certMinDays)
		}
	}
}

func (p httpProvider) certEvidence(cert *x509.Certificate, ev map[string]any) {
	ev["cert_subject"] = cert.Subject.String()
	ev["cert_issuer"] = cert.Issuer.String()
	ev["cert_not_after"] = cert.NotAfter.UTC().Format(time.RFC3339)
	ev["cert_days_left"] = daysLeft(cert.NotAfter.Sub(p.now()))
	if len(cert.DNSNames) > 0 {
		ev["cert_dns_names"] = cert.DNSNames
	}
}

// daysLeft counts whole days, rounding down, so "in 0 days" means "less than a day".
func daysLeft(d time.Duration) int {
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days-- // an expired certificate is in the past by at least part of a day
	}
	return days
}

// redirects lists the URLs that answered with a redirect, oldest first, walking back from the
// last response through the responses that caused each request.
func redirects(resp *http.Response) []string {
	var hops []string
	for r := resp.Request.Response; r != nil; r = r.Request.Response {
		hops = append(hops, r.Request.URL.String())
	}
	slices.Reverse(hops)
	return hops
}
