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

// Suggest returns the candidates nearest to name (by edit distance, case-insensitive), at most
// three, for a "did you mean" hint; none when nothing is close enough to be a likely typo.
func Suggest(name string, candidates []string) []string {
	limit := max(1, len([]rune(name))/3)
	best := map[int][]string{}
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d <= limit {
			best[d] = append(best[d], c)
		}
	}
	// Only the nearest: a second-best guess is noise next to a likely typo.
	for d := 0; d <= limit; d++ {
		if len(best[d]) > 0 {
			return best[d][:min(3, len(best[d]))]
		}
	}
	return nil
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
