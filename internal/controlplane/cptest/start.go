package cptest

import (
	"net/http/httptest"
	"testing"
)

// Server is a Fake listening on loopback.
type Server struct {
	*Fake
	URL string // base URL, what controlplane.Config.BaseURL takes
}

// Start runs a new Fake on an httptest server that is closed when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	f := New(opts)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &Server{Fake: f, URL: srv.URL}
}
