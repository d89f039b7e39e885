package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/compliance-framework/argus/internal/registrytest"
)

// scriptRegistries holds the fake signed registry of each script that started one. The
// registries belong to the parent test (they need a testing.TB); each script reaches its own
// through the script's identity.
type scriptRegistries struct {
	t  *testing.T
	mu sync.Mutex
	m  map[*testscript.TestScript]*registrytest.Registry
}

// cmd is the `registry` script command:
//
//	registry start         start a signed registry at $REGISTRY_URL for host $REGISTRY_HOST with
//	                       key $REGISTRY_KEY, publishing registry.test/acme/hello 1.0.0, 1.1.0,
//	                       1.2.0 (yanked), 2.0.0-rc.1, and acme/evil 1.0.0 (archive tampered)
//	registry requests N    assert the registry has answered exactly N requests so far
//	registry fail on|off   make every request fail (500), to prove nothing is fetched
func (s *scriptRegistries) cmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: registry start | requests N | fail on|off")
	}
	s.mu.Lock()
	r := s.m[ts]
	s.mu.Unlock()
	if args[0] != "start" && r == nil {
		ts.Fatalf("registry: run \"registry start\" first")
	}
	switch args[0] {
	case "start":
		r = registrytest.New(s.t, registrytest.Options{})
		hello := func(v string) []byte { return registrytest.Script("hello " + v) }
		for _, rel := range []registrytest.Release{
			{Namespace: "acme", Name: "hello", Version: "1.0.0", Executable: hello("1.0.0")},
			{Namespace: "acme", Name: "hello", Version: "1.1.0", Executable: hello("1.1.0")},
			{Namespace: "acme", Name: "hello", Version: "1.2.0", Executable: hello("1.2.0"), Yanked: "CVE-2026-0001"},
			{Namespace: "acme", Name: "hello", Version: "2.0.0-rc.1", Executable: hello("2.0.0-rc.1")},
			{Namespace: "acme", Name: "evil", Version: "1.0.0", Executable: hello("evil"), Tampered: true},
		} {
			r.Publish(s.t, rel)
		}
		s.mu.Lock()
		s.m[ts] = r
		s.mu.Unlock()
		ts.Setenv("REGISTRY_URL", r.URL())
		ts.Setenv("REGISTRY_HOST", r.Host)
		ts.Setenv("REGISTRY_KEY", r.Key.String())
		ts.Setenv("REGISTRY_SIGNER", r.Key.Signer())
	case "requests":
		if len(args) != 2 {
			ts.Fatalf("usage: registry requests N")
		}
		want, err := strconv.ParseInt(args[1], 10, 64)
		ts.Check(err)
		if got := r.Requests(); got != want {
			ts.Fatalf("registry answered %d requests, want %d", got, want)
		}
	case "fail":
		r.FailAll(len(args) == 2 && args[1] == "on")
	default:
		ts.Fatalf("registry: unknown subcommand %q", args[0])
	}
}

// writeExecutable is the `executable FILE` script command: it makes a file from the script's
// archive executable, since txtar files are written 0666.
func writeExecutable(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: executable FILE")
	}
	ts.Check(os.Chmod(ts.MkAbs(args[0]), 0o755)) //nolint:gosec // G302: the file is a provider the script runs, so it must be executable
}

// httpServers is the `httpserve` script command: `httpserve DIR` serves the script's DIR on
// loopback at $SERVE_URL; `httpserve stop` takes it down (to play an unreachable source).
type httpServers struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]*httptest.Server
}

func (h *httpServers) cmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: httpserve DIR | stop")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if args[0] == "stop" {
		srv := h.m[ts]
		if srv == nil {
			ts.Fatalf("httpserve: nothing is being served")
		}
		srv.Close()
		delete(h.m, ts)
		return
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs(args[0]))))
	ts.Defer(srv.Close)
	h.m[ts] = srv
	ts.Setenv("SERVE_URL", srv.URL)
}
