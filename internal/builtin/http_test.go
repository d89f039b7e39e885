package builtin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/compliance-framework/argus/sdk"
)

// httpFixture starts the servers the table cases talk to: plain HTTP, TLS at Go's defaults,
// TLS capped at 1.2, and TLS capped at 1.1. All serve the same routes.
type httpFixture struct {
	plain, tls, tls12, tls11 *httptest.Server
	roots                    *x509.CertPool
}

func newHTTPFixture(t *testing.T) *httpFixture {
	t.Helper()
	f := &httpFixture{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write([]byte("hello")) // the client checks what arrived
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/to-plain", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, f.plain.URL+"/ok", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // until the client gives up
	})

	f.plain = httptest.NewServer(mux)
	t.Cleanup(f.plain.Close)
	f.tls = httptest.NewTLSServer(mux)
	t.Cleanup(f.tls.Close)
	f.tls12 = httptest.NewUnstartedServer(mux)
	f.tls12.TLS = &tls.Config{MaxVersion: tls.VersionTLS12} //nolint:gosec // G402: an old server, for min_tls to fail on
	f.tls12.StartTLS()
	t.Cleanup(f.tls12.Close)
	f.tls11 = httptest.NewUnstartedServer(mux)
	f.tls11.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11} //nolint:gosec // G402: an old server, for min_tls to fail on
	f.tls11.StartTLS()
	t.Cleanup(f.tls11.Close)

	f.roots = x509.NewCertPool()
	f.roots.AddCert(f.tls.Certificate()) // the same test certificate serves every TLS server
	return f
}

func TestHTTP(t *testing.T) {
	f := newHTTPFixture(t)
	cert := f.tls.Certificate()
	// A clock 30 days and a bit before the test certificate expires, so cert_min_days can be
	// checked on both sides of the boundary.
	now := cert.NotAfter.Add(-30*24*time.Hour - time.Hour)
	opts := &HTTPOptions{RootCAs: f.roots, Now: func() time.Time { return now }}
	notAfter := cert.NotAfter.UTC().Format(time.RFC3339)

	tests := []struct {
		name string
		cfg  any
		opts *HTTPOptions
		want check
	}{
		// expect_status
		{"plain 200", map[string]any{"url": f.plain.URL + "/ok"}, opts, check{status: sdk.StatusPass, title: "GET " + f.plain.URL + "/ok", reason: []string{"status is 200"},
			evidence: map[string]any{"status_code": 200, "body_bytes_read": 5}, noEvidence: []string{"tls_version", "redirects"}}},
		{"plain 404", map[string]any{"url": f.plain.URL + "/missing"}, opts, check{status: sdk.StatusFail, reason: []string{"status is 404, want 200"}, evidence: map[string]any{"status_code": 404}}},
		{"404 expected", map[string]any{"url": f.plain.URL + "/missing", "expect_status": 404}, opts, check{status: sdk.StatusPass}},

		// headers
		{"headers present", map[string]any{"url": f.tls.URL + "/ok", "headers": []string{"strict-transport-security", "X-Content-Type-Options"}}, opts, check{status: sdk.StatusPass,
			reason:   []string{"headers strict-transport-security, X-Content-Type-Options are present"},
			evidence: map[string]any{"headers": map[string]any{"Strict-Transport-Security": "max-age=63072000", "X-Content-Type-Options": "nosniff"}}}},
		{"header missing", map[string]any{"url": f.tls.URL + "/ok", "headers": []string{"Strict-Transport-Security", "X-Frame-Options"}}, opts, check{status: sdk.StatusFail,
			reason: []string{"header X-Frame-Options is missing"}, evidence: map[string]any{"headers": map[string]any{"Strict-Transport-Security": "max-age=63072000"}}}},
		{"headers missing", map[string]any{"url": f.tls.URL + "/missing", "headers": []string{"Strict-Transport-Security", "X-Frame-Options"}}, opts, check{status: sdk.StatusFail,
			reason: []string{"status is 404, want 200; headers Strict-Transport-Security, X-Frame-Options are missing"}}},

		// redirects
		{"redirect followed", map[string]any{"url": f.tls.URL + "/redirect", "headers": []string{"Strict-Transport-Security"}}, opts, check{status: sdk.StatusPass,
			evidence: map[string]any{"redirects": []string{f.tls.URL + "/redirect"}, "final_url": f.tls.URL + "/ok", "status_code": 200}, noEvidence: []string{"redirects_stopped"}}},
		{"redirect loop", map[string]any{"url": f.plain.URL + "/loop"}, opts, check{status: sdk.StatusFail, reason: []string{"status is 302, want 200"},
			evidence: map[string]any{"redirects": []string{f.plain.URL + "/loop", f.plain.URL + "/loop", f.plain.URL + "/loop", f.plain.URL + "/loop", f.plain.URL + "/loop"},
				"redirects_stopped": "stopped following redirects after 5; the checks apply to the last response"}}},
		{"redirect to plain http", map[string]any{"url": f.tls.URL + "/to-plain", "min_tls": "1.2"}, opts, check{status: sdk.StatusFail,
			reason: []string{"the last response (from " + f.plain.URL + "/ok) was not served over TLS"}, evidence: map[string]any{"final_url": f.plain.URL + "/ok"}}},

		// min_tls
		{"min_tls 1.2 on defaults", map[string]any{"url": f.tls.URL + "/ok", "min_tls": "1.2"}, opts, check{status: sdk.StatusPass, reason: []string{"TLS 1.3 is at least 1.2"},
			evidence: map[string]any{"tls_version": "1.3"}}},
		{"min_tls 1.3 on defaults", map[string]any{"url": f.tls.URL + "/ok", "min_tls": "1.3"}, opts, check{status: sdk.StatusPass}},
		{"min_tls 1.2 on a 1.2 server", map[string]any{"url": f.tls12.URL + "/ok", "min_tls": "1.2"}, opts, check{status: sdk.StatusPass, evidence: map[string]any{"tls_version": "1.2"}}},
		{"min_tls 1.3 on a 1.2 server", map[string]any{"url": f.tls12.URL + "/ok", "min_tls": "1.3"}, opts, check{status: sdk.StatusFail,
			reason: []string{"TLS version is 1.2, want at least 1.3"}, evidence: map[string]any{"tls_version": "1.2"}}},
		{"min_tls 1.2 on a 1.1 server", map[string]any{"url": f.tls11.URL + "/ok", "min_tls": "1.2"}, opts, check{status: sdk.StatusFail,
			reason: []string{"TLS version is 1.1, want at least 1.2"}, evidence: map[string]any{"tls_version": "1.1"}}},

		// cert_min_days
		{"cert_min_days holds", map[string]any{"url": f.tls.URL + "/ok", "cert_min_days": 30}, opts, check{status: sdk.StatusPass, reason: []string{"certificate is valid for 30 more days"},
			evidence: map[string]any{"cert_not_after": notAfter, "cert_days_left": 30}}},
		{"cert_min_days fails", map[string]any{"url": f.tls.URL + "/ok", "cert_min_days": 31}, opts, check{status: sdk.StatusFail,
			reason: []string{"certificate expires " + notAfter + " (in 30 days), want at least 31 more days"}}},
		{"untrusted certificate", map[string]any{"url": f.tls.URL + "/ok"}, &HTTPOptions{Now: opts.Now}, check{status: sdk.StatusFail,
			reason:   []string{"the server's TLS certificate does not verify: x509: certificate signed by unknown authority"},
			evidence: map[string]any{"cert_not_after": notAfter}, noEvidence: []string{"status_code"}}},
		{"every failure named", map[string]any{"url": f.tls12.URL + "/missing", "headers": []string{"X-Frame-Options"}, "min_tls": "1.3", "cert_min_days": 365}, opts, check{status: sdk.StatusFail,
			reason: []string{"status is 404, want 200; header X-Frame-Options is missing; TLS version is 1.2, want at least 1.3; certificate expires "}}},

		// misconfiguration
		{"no url", map[string]any{}, opts, check{status: sdk.StatusError, title: "GET (no url configured)", reason: []string{`invalid config for builtin/http in job "test": url is required`}}},
		{"relative url", map[string]any{"url": "example.com/x"}, opts, check{status: sdk.StatusError, reason: []string{`url "example.com/x" is not an absolute http:// or https:// URL`}}},
		{"ftp url", map[string]any{"url": "ftp://example.com/"}, opts, check{status: sdk.StatusError, reason: []string{"is not an absolute http:// or https:// URL"}}},
		{"bad expect_status", map[string]any{"url": "https://example.com/", "expect_status": 42}, opts, check{status: sdk.StatusError, reason: []string{"expect_status 42 is not an HTTP status code"}}},
		{"bad min_tls", map[string]any{"url": "https://example.com/", "min_tls": "1.4"}, opts, check{status: sdk.StatusError, reason: []string{`min_tls "1.4" is not a TLS version`}}},
		{"min_tls as a number", `{"url": "https://example.com/", "min_tls": 1.2}`, opts, check{status: sdk.StatusError, reason: []string{"decode job config", "min_tls"}}},
		{"min_tls on http", map[string]any{"url": "http://example.com/", "min_tls": "1.2"}, opts, check{status: sdk.StatusError,
			reason: []string{`min_tls checks the TLS version, and url "http://example.com/" does not use https`}}},
		{"cert_min_days on http", map[string]any{"url": "http://example.com/", "cert_min_days": 30}, opts, check{status: sdk.StatusError,
			reason: []string{"cert_min_days checks the TLS certificate"}}},
		{"negative cert_min_days", map[string]any{"url": "https://example.com/", "cert_min_days": -1}, opts, check{status: sdk.StatusError, reason: []string{"cert_min_days -1 is negative"}}},
		{"empty header name", map[string]any{"url": "https://example.com/", "headers": []string{""}}, opts, check{status: sdk.StatusError, reason: []string{`headers entry "" is not a header name`}}},
		{"header with value", map[string]any{"url": "https://example.com/", "headers": []string{"X-Frame-Options: DENY"}}, opts, check{status: sdk.StatusError, reason: []string{"give names only"}}},
		{"unknown key", map[string]any{"url": "https://example.com/", "method": "POST"}, opts, check{status: sdk.StatusError, title: "GET https://example.com/",
			reason: []string{`unknown field "method"`, "valid keys: url, expect_status, headers, min_tls, cert_min_days"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runOne(t, t.Context(), NewHTTP(tc.opts), request(t, tc.cfg, nil))
			tc.want.verify(t, res)
		})
	}
}

func TestHTTPUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	res := runOne(t, t.Context(), NewHTTP(nil), request(t, map[string]any{"url": url}, nil))
	check{status: sdk.StatusError, reason: []string{"could not check: GET " + url + ": ", "connection refused"}}.verify(t, res)
}

func TestHTTPDeadline(t *testing.T) {
	f := newHTTPFixture(t)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	res := runOne(t, ctx, NewHTTP(nil), request(t, map[string]any{"url": f.plain.URL + "/hang"}, nil))
	check{status: sdk.StatusError, reason: []string{"no response from " + f.plain.URL + "/hang before the job's deadline"}}.verify(t, res)
}

// TestHTTPTimeout checks the provider's own bound when the request carries no deadline.
func TestHTTPTimeout(t *testing.T) {
	f := newHTTPFixture(t)
	res := runOne(t, t.Context(), NewHTTP(&HTTPOptions{Timeout: 100 * time.Millisecond}), request(t, map[string]any{"url": f.plain.URL + "/hang"}, nil))
	check{status: sdk.StatusError, reason: []string{"before the provider's 100ms timeout"}}.verify(t, res)
}
