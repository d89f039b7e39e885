package builtin

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/compliance-framework/argus/sdk"
)

// A provider runs in an empty temporary working directory, so relative paths in a built-in's
// config must resolve against the configuration's directory (the request's ConfigDir), not the
// working directory, or `path = "data/x"` is a false FAIL.
func TestRelativePathsResolveAgainstConfigDir(t *testing.T) {
	confDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(confDir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "data", "x"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "check.sh"), []byte("#!/bin/sh\ncat data/x\n"), 0o755); err != nil { //nolint:gosec // G306: the script must be executable
		t.Fatal(err)
	}
	// The handler runs somewhere else, as it does under the runner.
	t.Chdir(t.TempDir())

	withDir := func(cfg any) sdk.Request {
		req := request(t, cfg, nil)
		req.ConfigDir = confDir
		return req
	}
	cases := []struct {
		name string
		h    sdk.Handler
		req  sdk.Request
		want check
	}{
		{"file relative", NewFile(nil), withDir(map[string]any{"path": "data/x", "contains": "hello"}),
			check{status: sdk.StatusPass, title: "file data/x", evidence: map[string]any{"path": filepath.Join(confDir, "data", "x")}}},
		{"file absolute is untouched", NewFile(nil), withDir(map[string]any{"path": filepath.Join(confDir, "data", "x")}),
			check{status: sdk.StatusPass}},
		{"command argument relative", NewCommand(nil), withDir(map[string]any{"command": []string{"cat", "data/x"}, "expect_stdout": "hello"}),
			check{status: sdk.StatusPass}},
		{"command path relative", NewCommand(nil), withDir(map[string]any{"command": []string{"./check.sh"}, "expect_stdout": "hello"}),
			check{status: sdk.StatusPass, evidence: map[string]any{"path": filepath.Join(confDir, "check.sh")}}},
		// Without ConfigDir (an older argus), the working directory is the base, as before.
		{"no config dir", NewFile(nil), request(t, map[string]any{"path": "data/x"}, nil),
			check{status: sdk.StatusFail}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.verify(t, runOne(t, context.Background(), tc.h, tc.req))
		})
	}
}
