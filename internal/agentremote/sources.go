package agentremote

import (
	"path"
	"regexp"
	"strings"
)

// IsLocalSource reports whether a plugin or policy source names something on this host rather
// than a registry: a path, or a local OCI layout. Such a source an overlay introduces is
// forbidden unless the host allows local sources in apply_all mode: an admin must not be able
// to make the host run any file it happens to have.
func IsLocalSource(s string) bool {
	for _, p := range []string{"./", "../", "/", "~", "oci-layout://", "file://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return s == "." || s == ".."
}

// Trusted reports whether s matches one of the globs (path.Match: case-sensitive, `*` does not
// cross `/`). A local source is never trusted, whatever the globs say.
func Trusted(globs []string, s string) bool {
	if s == "" || IsLocalSource(s) {
		return false
	}
	for _, g := range globs {
		if ok, err := path.Match(g, s); err == nil && ok {
			return true
		}
	}
	return false
}

// Overridable reports whether the config key of plugin matches one of the flags:
// "<plugin-glob>:<key-glob>", or "<key-glob>" for any plugin.
func Overridable(flags []string, plugin, key string) bool {
	for _, f := range flags {
		pg, kg, scoped := strings.Cut(f, ":")
		if !scoped {
			pg, kg = "*", f
		}
		pok, err1 := path.Match(pg, plugin)
		kok, err2 := path.Match(kg, key)
		if err1 == nil && err2 == nil && pok && kok {
			return true
		}
	}
	return false
}

var envRef = regexp.MustCompile(`\$\{env:([^}]*)\}`)

// EnvRefs lists the variable names of the `${env:NAME}` references in s, in order, once each.
func EnvRefs(s string) []string {
	var out []string
	for _, m := range envRef.FindAllStringSubmatch(s, -1) {
		if !contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ForbiddenEnvName reports whether an overlay may never reference the variable: the agent's
// API credentials (CCF_API_AUTH_*) and every ARGUS_* variable, which is where argus's own
// credentials and settings live. Without this an admin could copy the host's credentials into
// a plugin's config and read them back through what the plugin sends.
func ForbiddenEnvName(name string) bool {
	n := strings.ToUpper(name)
	return strings.HasPrefix(n, "CCF_API_AUTH_") || strings.HasPrefix(n, "ARGUS_")
}
