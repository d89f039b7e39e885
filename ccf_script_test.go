package main

import (
	"runtime"
	"strconv"
	"sync"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/compliance-framework/argus/internal/ocitest"
)

// ociRegistries holds the real OCI registry (Debian's docker-registry) of each script that
// started one, and the test plugin, built once from internal/ccfplugin/testplugin.
type ociRegistries struct {
	t  *testing.T
	mu sync.Mutex
	m  map[*testscript.TestScript]*ocitest.Registry

	buildOnce sync.Once
	plugin    []byte
	buildErr  error
}

// testPlugin is the test plugin's executable, built with the go command running the tests.
func (s *ociRegistries) testPlugin(ts *testscript.TestScript) []byte {
	s.buildOnce.Do(func() { s.plugin, s.buildErr = buildTestPlugin(s.t) })
	ts.Check(s.buildErr)
	return s.plugin
}

// cmd is the `ocireg` script command:
//
//	ocireg start                       start a registry; $OCI_HOST is its host:port
//	ocireg plugin REPO TAG [PROTOCOL]  push the test plugin for this platform (and another) as
//	                                   gooci does, with the protocol annotation when given
//	ocireg policy REPO TAG             push a policy bundle (opa build layout) as gooci upload-single does
//	ocireg layout DIR TAG [PROTOCOL]   write the test plugin into the OCI layout $WORK/DIR
//	ocireg stop                        stop the registry: any request now fails
//
// A push prints the index digest.
func (s *ociRegistries) cmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: ocireg start | plugin REPO TAG [PROTOCOL] | policy REPO TAG | layout DIR TAG [PROTOCOL] | stop")
	}
	s.mu.Lock()
	r := s.m[ts]
	s.mu.Unlock()
	if args[0] != "start" && args[0] != "layout" && r == nil {
		ts.Fatalf("ocireg: run \"ocireg start\" first")
	}
	host := ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	other := ocispec.Platform{OS: "darwin", Architecture: "arm64"}
	protocol := func(i int) int {
		if len(args) <= i {
			return 0
		}
		n, err := strconv.Atoi(args[i])
		ts.Check(err)
		return n
	}
	switch {
	case args[0] == "start":
		r = ocitest.Start(s.t, nil)
		s.mu.Lock()
		s.m[ts] = r
		s.mu.Unlock()
		ts.Setenv("OCI_HOST", r.Host)
	case args[0] == "plugin" && len(args) >= 3:
		a := ocitest.Plugin(s.t, args[2], protocol(3), true, s.testPlugin(ts), other, host)
		p := ocitest.Push(s.t, r.Repository(s.t, args[1]), args[2], a)
		ts.Logf("pushed %s:%s %s", args[1], args[2], p.Index.Digest)
		_, _ = ts.Stdout().Write([]byte(p.Index.Digest.String() + "\n"))
	case args[0] == "policy" && len(args) == 3:
		a := ocitest.Policy(s.t, args[2], map[string]string{
			"ssh.rego":      "package compliance_framework.ssh\n\nviolation[{\"id\": \"x\"}] if { false }\n",
			"ssh_test.rego": "package compliance_framework.ssh_test\n",
		})
		p := ocitest.Push(s.t, r.Repository(s.t, args[1]), args[2], a)
		_, _ = ts.Stdout().Write([]byte(p.Index.Digest.String() + "\n"))
	case args[0] == "layout" && len(args) >= 3:
		a := ocitest.Plugin(s.t, args[2], protocol(3), false, s.testPlugin(ts), host, other)
		p := ocitest.Push(s.t, ocitest.Layout(s.t, ts.MkAbs(args[1])), args[2], a)
		_, _ = ts.Stdout().Write([]byte(p.Index.Digest.String() + "\n"))
	case args[0] == "stop":
		r.Stop()
	default:
		ts.Fatalf("ocireg: bad arguments %q", args)
	}
}
