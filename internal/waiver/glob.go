package waiver

import "strings"

// IsGlob reports whether pattern holds a wildcard ('*' or '?').
func IsGlob(pattern string) bool { return strings.ContainsAny(pattern, "*?") }

// Match reports whether s matches pattern, in which '*' matches any run of characters
// (including none and including '/') and '?' any one character; every other character matches
// itself. There are no character classes: result titles hold '[' and '/' often enough that
// path.Match's rules would surprise.
func Match(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	// Iterative matching with one backtrack point: linear in practice, never exponential.
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
