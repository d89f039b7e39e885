package lockfile

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/flock"
)

const sample = `# Maintained by "argus init". Commit it.
provider "./providers/local-script" {
  platform "local" {
    hashes = ["h1:LOCAL="]
  }
}

provider "registry.example.com/acme/cis" {
  version     = "1.4.1"
  constraints = ">= 1.4.0, < 2.0.0"
  signer      = "minisign:E3A3F2C1D2B4A596"
  platform "darwin_arm64" {
    hashes = ["zh:bbbb"]
  }
  platform "linux_amd64" {
    hashes = ["h1:AAAA=", "zh:aaaa"]
  }
}
`

func TestRoundTrip(t *testing.T) {
	lock, diags := Parse([]byte(sample), "argus.lock.hcl")
	if diags.HasErrors() {
		t.Fatalf("Parse: %v", diags)
	}
	if diff := cmp.Diff(sample, string(lock.Bytes())); diff != "" {
		t.Errorf("Bytes() (-want +got):\n%s", diff)
	}
	cis := lock.Providers["registry.example.com/acme/cis"]
	if got := cis.Hash("linux_amd64", "h1"); got != "h1:AAAA=" {
		t.Errorf("Hash(linux_amd64, h1) = %q", got)
	}
	if got := cis.Hash("darwin_arm64", "h1"); got != "" {
		t.Errorf("Hash(darwin_arm64, h1) = %q, want none", got)
	}
}

func TestBytesSortsAndDeduplicates(t *testing.T) {
	a := New()
	a.Providers["z.example/a/z"] = &Provider{Source: "z.example/a/z", Version: "1.0.0",
		Platforms: map[string][]string{"linux_amd64": {"zh:2", "h1:1", "zh:2"}, "darwin_arm64": {"zh:3"}}}
	a.Providers["a.example/a/a"] = &Provider{Source: "a.example/a/a", Version: "2.0.0",
		Platforms: map[string][]string{"linux_amd64": {"zh:9"}}}
	b := a.Clone()
	b.Providers["z.example/a/z"].Platforms["linux_amd64"] = []string{"h1:1", "zh:2"}
	if !a.Equal(b) {
		t.Errorf("locks differing only in order and duplicates render differently:\n%s\n%s", a.Bytes(), b.Bytes())
	}
	out := string(a.Bytes())
	if strings.Index(out, "a.example") > strings.Index(out, "z.example") {
		t.Errorf("providers not sorted:\n%s", out)
	}
	_, z, ok := strings.Cut(out, "z.example")
	if !ok {
		t.Fatalf("no z.example provider in:\n%s", out)
	}
	if strings.Index(z, "darwin_arm64") > strings.Index(z, "linux_amd64") {
		t.Errorf("platforms not sorted:\n%s", out)
	}
	// The clone is deep: changing it leaves the original alone.
	b.Providers["a.example/a/a"].Platforms["linux_amd64"][0] = "zh:changed"
	if a.Providers["a.example/a/a"].Platforms["linux_amd64"][0] != "zh:9" {
		t.Error("Clone shares hash slices with the original")
	}
}

func TestParseNonsense(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // substring of the diagnostics, including file:line
	}{
		{"not hcl", "provider \"x\" {\n  version = \n", "argus.lock.hcl:2"},
		{"unknown block", "module \"x\" {}\n", "argus.lock.hcl:1"},
		{"unknown attribute", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n  colour = \"red\"\n}\n", "argus.lock.hcl:3"},
		{"no version", "provider \"a.b/c/d\" {\n}\n", "has no version"},
		{"hashes not a list", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n  platform \"linux_amd64\" { hashes = 3 }\n}\n", "argus.lock.hcl:3"},
		{"bad hash scheme", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n  platform \"linux_amd64\" { hashes = [\"md5:x\"] }\n}\n", "neither"},
		{"bad platform", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n  platform \"linux\" { hashes = [] }\n}\n", "argus.lock.hcl:3"},
		{"duplicate provider", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n}\nprovider \"a.b/c/d\" {\n  version = \"1.0.0\"\n}\n", "argus.lock.hcl:4"},
		{"local with version", "provider \"./x\" {\n  version = \"1.0.0\"\n}\n", "cannot have a version"},
		{"expression", "provider \"a.b/c/d\" {\n  version = var.x\n}\n", "argus.lock.hcl:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, diags := Parse([]byte(tt.src), "argus.lock.hcl")
			if !diags.HasErrors() {
				t.Fatalf("Parse succeeded with %v, want diagnostics", lock)
			}
			if lock != nil {
				t.Errorf("Parse returned a lock alongside errors")
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diagnostics %q do not mention %q", diags.Error(), tt.want)
			}
		})
	}
}

func TestLoadAndWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	lock, diags := Load(path)
	if diags.HasErrors() || len(lock.Providers) != 0 {
		t.Fatalf("Load of a missing file = %v, %v; want an empty lock", lock, diags)
	}
	lock, _ = Parse([]byte(sample), "x")
	if err := lock.Write(path); err != nil {
		t.Fatal(err)
	}
	again, diags := Load(path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !again.Equal(lock) {
		t.Errorf("written and read back lock differs")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Write, want only the lock file", len(entries))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n}\n"))
	f.Add([]byte("provider {"))
	f.Add([]byte(ccfSample))
	f.Fuzz(func(t *testing.T, src []byte) {
		lock, diags := Parse(src, "fuzz.hcl")
		if diags.HasErrors() {
			return
		}
		// Whatever parses must render to something that parses to the same lock.
		again, diags := Parse(lock.Bytes(), "again.hcl")
		if diags.HasErrors() {
			t.Fatalf("rendered lock does not parse: %v\n%s", diags, lock.Bytes())
		}
		if !again.Equal(lock) {
			t.Fatalf("round trip changed the lock:\n%s\n%s", lock.Bytes(), again.Bytes())
		}
	})
}

// Issue 15 item 16: two `providers lock` runs each read the lock file, added their platform
// and wrote it, and the later write dropped the other's platform. Exclusive serialises the
// read-modify-write: while one holds it, another cannot take it, and runs that take it in turn
// each see the other's platforms.
func TestExclusiveSerialisesReadModifyWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	base := New()
	base.Providers["registry.example.com/acme/cis"] = &Provider{
		Source: "registry.example.com/acme/cis", Version: "1.4.1",
		Platforms: map[string][]string{"linux_amd64": {"h1:aaaa"}},
	}
	if err := base.Write(path); err != nil {
		t.Fatal(err)
	}
	addPlatform := func(platform string) {
		lock, diags := Load(path)
		if diags.HasErrors() {
			t.Error(diags)
			return
		}
		lock.Providers["registry.example.com/acme/cis"].Platforms[platform] = []string{"h1:" + platform}
		if err := lock.Write(path); err != nil {
			t.Error(err)
		}
	}

	release, err := Exclusive(t.Context(), path, 0, "argus providers lock")
	if err != nil {
		t.Fatal(err)
	}
	// Held: a second run cannot start its read-modify-write, and says who is in its way.
	_, err = Exclusive(t.Context(), path, 0, "argus providers lock")
	var held *flock.HeldError
	if !errors.As(err, &held) || !strings.Contains(held.Holder, "argus providers lock (changing argus.lock.hcl)") {
		t.Fatalf("second Exclusive = %v, want a *flock.HeldError naming the holder", err)
	}
	// The second run waits for the first, then reads what the first wrote.
	done := make(chan struct{})
	go func() {
		defer close(done)
		release, err := Exclusive(t.Context(), path, time.Hour, "argus providers lock")
		if err != nil {
			t.Error(err)
			return
		}
		defer release()
		addPlatform("darwin_arm64")
	}()
	addPlatform("windows_amd64")
	release()
	<-done

	lock, diags := Load(path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := slices.Sorted(maps.Keys(lock.Providers["registry.example.com/acme/cis"].Platforms))
	if diff := cmp.Diff([]string{"darwin_arm64", "linux_amd64", "windows_amd64"}, got); diff != "" {
		t.Errorf("platforms (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(GuardPath(path)); err != nil || filepath.Base(GuardPath(path)) != ".argus.lock.hcl.lock" {
		t.Errorf("guard %s: %v", GuardPath(path), err)
	}
	// The lock file itself never carries a holder record.
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "pid ") {
		t.Errorf("lock file holds a holder record:\n%s", b)
	}
}
