// Package fileage_test runs the Python provider beside it through argus itself: `argus init`
// copies it into the cache as a local provider and locks its hash, `argus assess` runs it over
// protocol v1, and the exit code and results are argus's.
package fileage_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/compliance-framework/argus/cmd"
)

func TestFileAgeProviderThroughArgus(t *testing.T) {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	fresh := filepath.Join(work, "fresh.dump")
	stale := filepath.Join(work, "stale.dump")
	for _, p := range []string{fresh, stale} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-72 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(work, "main.argus.hcl")
	hcl := fmt.Sprintf(`
provider "file-age" {
  source = %q
}
job "backups" {
  provider = "file-age"
  config   = { paths = [%q, %q, %q], max_age_days = 2 }
}
`, dir, fresh, stale, filepath.Join(work, "missing"))
	if err := os.WriteFile(config, []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": work, "XDG_CACHE_HOME": filepath.Join(work, "cache"), "XDG_STATE_HOME": filepath.Join(work, "state")}
	argus := func(want int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := cmd.Main(context.Background(), args, cmd.IO{Stdin: bytes.NewReader(nil), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
		if code != want {
			t.Fatalf("argus %v exited %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, &stdout, &stderr)
		}
		return stdout.String()
	}

	argus(0, "init", "--config", config)
	if _, err := os.Stat(filepath.Join(work, "argus.lock.hcl")); err != nil {
		t.Fatalf("init wrote no lock file: %v", err)
	}
	// One fail (stale) and one error (missing) among the results: the gate fails with 1.
	out := argus(1, "assess", "--config", config, "--all", "--color", "never")
	for _, want := range []string{
		`(?m)^PASS .*` + regexp.QuoteMeta(fresh) + ` is fresh`,
		`(?m)^FAIL .*` + regexp.QuoteMeta(stale) + ` is fresh.*modified 3\.0 days ago \(limit 2\)`,
		`(?m)^ERROR .*missing is fresh \[medium\]\n\s+No such file or directory`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("assess output lacks %s:\n%s", want, out)
		}
	}
}
