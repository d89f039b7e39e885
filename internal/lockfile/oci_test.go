package lockfile

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	dIndex  = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	dAmd64  = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	dArm64  = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	dPolIdx = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
	dPolMan = "sha256:5555555555555555555555555555555555555555555555555555555555555555"
)

// ccfSample is a lock with every kind of entry: an argus registry provider, a CCF plugin from
// an OCI registry, a local CCF plugin, and OCI and local policy bundles.
const ccfSample = `# Maintained by "argus init". Commit it.
provider "./plugins/local-ssh" {
  kind             = "ccf-plugin"
  protocol_version = 1
  platform "local" {
    hashes = ["h1:LOCAL="]
  }
}

provider "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3" {
  kind             = "ccf-plugin"
  protocol_version = 2
  index            = "` + dIndex + `"
  platform "darwin_arm64" {
    manifest = "` + dArm64 + `"
    hashes   = ["h1:ARM="]
  }
  platform "linux_amd64" {
    manifest = "` + dAmd64 + `"
    hashes   = ["h1:AMD="]
  }
}

provider "registry.example.com/acme/cis" {
  version = "1.4.1"
  platform "linux_amd64" {
    hashes = ["h1:AAAA=", "zh:aaaa"]
  }
}

policy "./policies/ssh" {
  hash = "h1:DIR="
}

policy "ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1" {
  index    = "` + dPolIdx + `"
  manifest = "` + dPolMan + `"
  hash     = "h1:POL="
}
`

func TestCCFRoundTrip(t *testing.T) {
	lock, diags := Parse([]byte(ccfSample), "argus.lock.hcl")
	if diags.HasErrors() {
		t.Fatalf("Parse: %v", diags)
	}
	if diff := cmp.Diff(ccfSample, string(lock.Bytes())); diff != "" {
		t.Errorf("Bytes() (-want +got):\n%s", diff)
	}
	got := lock.Providers["ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"]
	want := &Provider{
		Source: "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3", Kind: KindCCFPlugin, ProtocolVersion: 2, Index: dIndex,
		Platforms: map[string][]string{"darwin_arm64": {"h1:ARM="}, "linux_amd64": {"h1:AMD="}},
		Manifests: map[string]string{"darwin_arm64": dArm64, "linux_amd64": dAmd64},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OCI plugin (-want +got):\n%s", diff)
	}
	if !got.IsOCI() || lock.Providers["./plugins/local-ssh"].IsOCI() {
		t.Error("IsOCI is wrong")
	}
	if got.Hash("linux_amd64", "h1") != "h1:AMD=" {
		t.Errorf("Hash = %q", got.Hash("linux_amd64", "h1"))
	}
	pol := lock.Policies["ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1"]
	if diff := cmp.Diff(&Policy{Source: "ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1", Index: dPolIdx, Manifest: dPolMan, Hash: "h1:POL="}, pol); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if lp := lock.Policies["./policies/ssh"]; lp == nil || lp.Index != "" || lp.Hash != "h1:DIR=" {
		t.Errorf("local policy = %+v", lp)
	}

	// Clone is deep for the new maps too.
	c := lock.Clone()
	c.Providers["ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"].Manifests["linux_amd64"] = dArm64
	c.Policies["./policies/ssh"].Hash = "h1:CHANGED="
	if !strings.Contains(string(lock.Bytes()), "h1:DIR=") || lock.Providers["ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"].Manifests["linux_amd64"] != dAmd64 {
		t.Error("Clone shares manifests or policies with the original")
	}
	if c.Equal(lock) {
		t.Error("a changed clone renders equal")
	}
}

func TestPoliciesOnlyAndNilMaps(t *testing.T) {
	l := &Lock{Providers: map[string]*Provider{}} // as older callers build it: no Policies map
	if got := string(l.Bytes()); got != header {
		t.Errorf("empty lock renders %q", got)
	}
	l = New()
	l.Policies["./p"] = &Policy{Source: "./p", Hash: "h1:X="}
	again, diags := Parse(l.Bytes(), "x")
	if diags.HasErrors() || !again.Equal(l) {
		t.Fatalf("policies-only lock does not round trip: %v\n%s", diags, l.Bytes())
	}
	if strings.HasPrefix(string(l.Bytes()), header+"\n") {
		t.Errorf("a policies-only lock starts with a blank line:\n%s", l.Bytes())
	}
}

func TestParseCCFNonsense(t *testing.T) {
	oci := func(body string) string {
		return "provider \"ghcr.io/a/b:v1\" {\n" + body + "}\n"
	}
	plat := "  platform \"linux_amd64\" {\n    manifest = \"" + dAmd64 + "\"\n    hashes = [\"h1:A=\"]\n  }\n"
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"unknown kind", "provider \"./x\" {\n  kind = \"docker\"\n}\n", `kind "docker"`},
		{"ccf plugin without protocol", "provider \"./x\" {\n  kind = \"ccf-plugin\"\n}\n", "protocol_version = 1 or 2"},
		{"protocol 3", "provider \"./x\" {\n  kind = \"ccf-plugin\"\n  protocol_version = 3\n}\n", "protocol_version = 1 or 2"},
		{"protocol on an argus provider", "provider \"./x\" {\n  protocol_version = 1\n}\n", "only a kind"},
		{"index on an argus provider", oci("  index = \"" + dIndex + "\"\n" + plat), "only a kind"},
		{"bad index", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"sha256:abc\"\n" + plat), "not a sha256 digest"},
		{"sha512 index", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"sha512:" + strings.Repeat("a", 128) + "\"\n" + plat), "not a sha256 digest"},
		{"oci with version", oci("  version = \"1.0.0\"\n  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + dIndex + "\"\n" + plat), "cannot have a version"},
		{"oci without platforms", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + dIndex + "\"\n"), "no platform block"},
		{"oci platform without manifest", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + dIndex + "\"\n  platform \"linux_amd64\" {\n    hashes = [\"h1:A=\"]\n  }\n"), "argus.lock.hcl:5"},
		{"oci platform without h1", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + dIndex + "\"\n  platform \"linux_amd64\" {\n    manifest = \"" + dAmd64 + "\"\n    hashes = [\"zh:a\"]\n  }\n"), "no h1 hash"},
		{"oci bad manifest", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + dIndex + "\"\n  platform \"linux_amd64\" {\n    manifest = \"x\"\n    hashes = [\"h1:A=\"]\n  }\n"), "manifest \"x\" is not"},
		{"oci local platform", oci("  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + dIndex + "\"\n  platform \"local\" {\n    manifest = \"" + dAmd64 + "\"\n    hashes = [\"h1:A=\"]\n  }\n"), "cannot have a \"local\" platform"},
		{"manifest without index", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n" + plat + "}\n", "has no OCI index"},
		{"policy without hash", "policy \"./p\" {\n}\n", "argus.lock.hcl:1"},
		{"policy with zh hash", "policy \"./p\" {\n  hash = \"zh:a\"\n}\n", "the hash of its extracted tree"},
		{"policy index without manifest", "policy \"ghcr.io/a/p:v1\" {\n  index = \"" + dPolIdx + "\"\n  hash = \"h1:A=\"\n}\n", "both index and manifest"},
		{"policy bad manifest", "policy \"ghcr.io/a/p:v1\" {\n  index = \"" + dPolIdx + "\"\n  manifest = \"sha256:zz\"\n  hash = \"h1:A=\"\n}\n", "manifest \"sha256:zz\""},
		{"duplicate policy", "policy \"./p\" {\n  hash = \"h1:A=\"\n}\npolicy \"./p\" {\n  hash = \"h1:A=\"\n}\n", "argus.lock.hcl:4"},
		{"unknown policy attribute", "policy \"./p\" {\n  hash = \"h1:A=\"\n  colour = \"red\"\n}\n", "argus.lock.hcl:3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, diags := Parse([]byte(tt.src), "argus.lock.hcl")
			if !diags.HasErrors() {
				t.Fatalf("Parse succeeded with %s, want diagnostics", lock.Bytes())
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diagnostics %q do not mention %q", diags.Error(), tt.want)
			}
		})
	}
}

func TestKindArgusIsTheDefault(t *testing.T) {
	lock, diags := Parse([]byte("provider \"./x\" {\n  kind = \"argus\"\n  platform \"local\" {\n    hashes = [\"h1:A=\"]\n  }\n}\n"), "x")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p := lock.Providers["./x"]; p.Kind != "" || strings.Contains(string(lock.Bytes()), "kind") {
		t.Errorf("kind = %q; rendered:\n%s", p.Kind, lock.Bytes())
	}
}
