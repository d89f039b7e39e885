package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/compliance-framework/argus/internal/loopback"
)

var (
	// nameRe is what a job or provider name may look like: it appears on the command line
	// (--job), in state keys and in file names.
	nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	// hostRe is a source or registry host: lower-case DNS labels and an optional port.
	hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)
	// sourcePartRe is the namespace or name of a source address.
	sourcePartRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$`)
	envNameRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ValidName reports whether s is a valid job or provider name (letters, digits, '_', '.', '-').
// Job specs that do not come from HCL (the control plane's) are held to the same rule.
func ValidName(s string) bool { return nameRe.MatchString(s) }

// PassableEnvName reports whether a job's env_allow may name s: a variable name that is not one
// of argus's own ARGUS_* variables.
func PassableEnvName(s string) bool { return envNameRe.MatchString(s) && !isArgusVariable(s) }

// checkSourceAddress checks the form of a registry source address host/namespace/name.
func checkSourceAddress(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return fmt.Errorf("%q has %d part(s) separated by '/', not 3", s, len(parts))
	}
	if !hostRe.MatchString(parts[0]) {
		return fmt.Errorf("%q: %q is not a host name", s, parts[0])
	}
	for _, part := range parts[1:] {
		if !sourcePartRe.MatchString(part) {
			return fmt.Errorf("%q: %q may hold only lower-case letters, digits, '-' and '_', and must start and end with a letter or digit", s, part)
		}
	}
	return nil
}

// checkHTTPURL checks that s is an absolute http(s) URL. With httpsOnly, plain http is
// accepted only for a loopback host, where a test or local mirror runs.
func checkHTTPURL(s string, httpsOnly bool) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http:// or https:// URL", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q holds credentials; credentials do not belong in a URL in the configuration", u.Redacted())
	}
	if httpsOnly && u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return fmt.Errorf("%q uses plain http, which is accepted only for localhost", s)
	}
	return nil
}
