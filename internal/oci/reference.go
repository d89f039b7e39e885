package oci

import (
	"fmt"
	"github.com/compliance-framework/argus/internal/loopback"
	"net"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry"
)

// LayoutScheme prefixes a reference to a local OCI image layout directory (air-gapped sites):
// "oci-layout://PATH:TAG" or "oci-layout://PATH@sha256:…".
const LayoutScheme = "oci-layout://"

// Reference names an OCI artifact: a repository in a registry, or a local OCI layout
// directory, and a tag, a digest or both.
type Reference struct {
	Registry   string        // host[:port]; "" for a layout
	Repository string        // repository path in the registry, without the host; "" for a layout
	Layout     string        // OCI layout directory as written; "" for a registry
	Tag        string        // "" when only a digest was given
	Digest     digest.Digest // "" when only a tag was given
}

// IsLayout reports whether r names a local OCI layout directory.
func (r Reference) IsLayout() bool { return r.Layout != "" }

// String renders r as ParseReference reads it.
func (r Reference) String() string {
	var b strings.Builder
	if r.IsLayout() {
		b.WriteString(LayoutScheme + r.Layout)
	} else {
		b.WriteString(r.Registry + "/" + r.Repository)
	}
	if r.Tag != "" {
		b.WriteString(":" + r.Tag)
	}
	if r.Digest != "" {
		b.WriteString("@" + r.Digest.String())
	}
	return b.String()
}

// WithDigest returns r pinned to d (keeping its tag, which names the artifact for people and
// in the agent's policy paths, but is no longer used to fetch it).
func (r Reference) WithDigest(d digest.Digest) Reference {
	r.Digest = d
	return r
}

// InDir returns r with a relative layout path taken relative to dir (the configuration's
// directory). A registry reference, or an absolute layout path, is returned unchanged.
func (r Reference) InDir(dir string) Reference {
	if r.IsLayout() && !filepath.IsAbs(r.Layout) {
		r.Layout = filepath.Join(dir, r.Layout)
	}
	return r
}

// IsReference reports whether a provider or policy source is meant as an OCI reference: an
// oci-layout:// reference, or a registry reference with a tag or digest. argus's own registry
// sources ("registry.example.com/acme/file-age", with a separate version constraint) have
// neither, and local paths start with "./", "../" or "/". It looks at the form only, so that a
// source meant as OCI but malformed reaches ParseReference, whose error explains it.
func IsReference(source string) bool {
	switch {
	case strings.HasPrefix(source, LayoutScheme), strings.HasPrefix(source, "http://"), strings.HasPrefix(source, "https://"):
		return true
	case source == "", strings.HasPrefix(source, "./"), strings.HasPrefix(source, "../"), strings.HasPrefix(source, "/"),
		strings.Contains(source, "://"):
		return false
	}
	last := source[strings.LastIndex(source, "/")+1:]
	return strings.Contains(source, "@") || strings.Contains(last, ":")
}

// ParseReference reads an OCI reference as the Compliance Framework agent's configuration
// writes it ("ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3", "127.0.0.1:5000/x/y:tag",
// "…@sha256:…", "…:tag@sha256:…") or a local layout ("oci-layout://PATH:TAG",
// "oci-layout://PATH@sha256:…"). A tag or a digest is required: argus does not guess "latest".
func ParseReference(s string) (Reference, error) {
	bad := func(format string, a ...any) (Reference, error) {
		return Reference{}, fmt.Errorf("OCI reference %q: %s", s, fmt.Sprintf(format, a...))
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return bad("write it without a scheme, like \"ghcr.io/org/name:v1.0.0\": argus always uses https, and plain http only for a registry on a loopback address (127.0.0.1, ::1, localhost)")
	}
	rest, layout := strings.CutPrefix(s, LayoutScheme)
	var r Reference
	var err error
	rest, r.Tag, r.Digest, err = splitTagDigest(rest)
	if err != nil {
		return bad("%v", err)
	}
	if r.Tag == "" && r.Digest == "" {
		if layout {
			return bad("name a tag or a digest: \"oci-layout://PATH:TAG\" or \"oci-layout://PATH@sha256:…\"")
		}
		return bad("name a tag or a digest, like %q: argus does not assume \"latest\"", s+":v1.0.0")
	}
	if layout {
		if rest == "" {
			return bad("the layout directory is empty; write \"oci-layout://PATH:TAG\"")
		}
		r.Layout = rest
		return r, nil
	}
	host, repo, ok := strings.Cut(rest, "/")
	if !ok || repo == "" {
		return bad("it has no repository; write REGISTRY/REPOSITORY:TAG, like \"ghcr.io/org/name:v1.0.0\"")
	}
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return bad("%q is not a registry host; write the registry in full, like %q (Docker Hub is \"docker.io\")", host, "docker.io/"+rest)
	}
	ref := registry.Reference{Registry: host, Repository: repo}
	if err := ref.ValidateRegistry(); err != nil {
		return bad("%q is not a registry host[:port]", host)
	}
	if err := ref.ValidateRepository(); err != nil {
		return bad("repository %q may hold only lower-case letters, digits and the separators . _ - /", repo)
	}
	r.Registry, r.Repository = host, repo
	return r, nil
}

// splitTagDigest cuts "NAME[:TAG][@DIGEST]" into its parts and validates tag and digest.
func splitTagDigest(s string) (name, tag string, dgst digest.Digest, err error) {
	name = s
	if i := strings.LastIndex(name, "@"); i >= 0 {
		d, perr := digest.Parse(name[i+1:])
		if perr != nil {
			return "", "", "", fmt.Errorf("%q is not a digest (want sha256:<64 hex digits>): %w", name[i+1:], perr)
		}
		name, dgst = name[:i], d
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		tag = name[i+1:]
		if err := (registry.Reference{Reference: tag}).ValidateReferenceAsTag(); err != nil {
			return "", "", "", fmt.Errorf("%q is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)", tag)
		}
		name = name[:i]
	}
	return name, tag, dgst, nil
}

// isLoopback reports whether a registry host[:port] is on this machine, where plain http is
// allowed (a test or local mirror registry); everything else is reached over https only.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return loopback.Host(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
}
