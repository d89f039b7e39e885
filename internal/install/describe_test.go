package install

import (
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/lockfile"
)

// A read-only lock that would change names only the providers that changed, and what changed
// about each (an edited local provider used to list every provider as changed).
func TestDescribeChangeNamesOnlyWhatChanged(t *testing.T) {
	old := lockfile.New()
	old.Providers["./tool"] = &lockfile.Provider{Source: "./tool", Platforms: map[string][]string{lockfile.LocalPlatform: {"h1:old"}}}
	old.Providers["registry.example.com/acme/cis"] = &lockfile.Provider{Source: "registry.example.com/acme/cis", Version: "1.4.1",
		Constraints: ">= 1.4.0", Signer: "minisign:AA", Platforms: map[string][]string{"linux_amd64": {"h1:x", "zh:y"}}}
	cur := old.Clone()
	cur.Providers["./tool"].Platforms[lockfile.LocalPlatform] = []string{"h1:new"}

	got := describeChange(old, cur)
	if want := "./tool would change: hashes for " + lockfile.LocalPlatform; got != want {
		t.Errorf("describeChange = %q, want %q", got, want)
	}
	if strings.Contains(got, "cis") {
		t.Errorf("an unchanged provider is named: %q", got)
	}

	cur = old.Clone()
	cur.Providers["registry.example.com/acme/cis"].Constraints = ">= 1.4.0, < 2.0.0"
	if got := describeChange(old, cur); got != `registry.example.com/acme/cis would change: constraints ">= 1.4.0" to ">= 1.4.0, < 2.0.0"` {
		t.Errorf("describeChange = %q", got)
	}
}
