package install

import (
	"fmt"
	"slices"
	"strings"

	version "github.com/hashicorp/go-version"
)

// parseConstraint parses a provider's version constraint, refusing "~> 1": go-version lets it
// match 2.0.0 and beyond, which is never what its author meant.
func parseConstraint(s string) (version.Constraints, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("version constraint is empty: write one such as \">= 1.0.0, < 2.0.0\"")
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "~>"); ok {
			v = strings.TrimSpace(v)
			if !strings.Contains(v, ".") {
				return nil, fmt.Errorf("version constraint %q: \"~> %s\" allows any later major version; write \"~> %s.0\" or \">= %s.0.0, < %s\"", s, v, v, v, nextMajor(v))
			}
		}
	}
	c, err := version.NewConstraint(s)
	if err != nil {
		return nil, fmt.Errorf("version constraint %q: %w", s, err)
	}
	return c, nil
}

func nextMajor(v string) string {
	n, err := version.NewVersion(v)
	if err != nil {
		return v + "+1"
	}
	return fmt.Sprintf("%d.0.0", n.Segments()[0]+1)
}

// namesExactly reports whether the constraint string pins v exactly ("1.2.0-beta1" or
// "= 1.2.0-beta1"): the only way a prerelease is chosen.
func namesExactly(s string, v *version.Version) bool {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "="))
		if w, err := version.NewVersion(part); err == nil && w.Equal(v) && w.Prerelease() == v.Prerelease() {
			return true
		}
	}
	return false
}

// satisfies reports whether v may be chosen under the constraint string s.
func satisfies(c version.Constraints, s string, v *version.Version) bool {
	if v.Prerelease() != "" {
		return namesExactly(s, v)
	}
	return c.Check(v)
}

// choose returns the newest non-yanked version of idx that satisfies s.
func choose(idx *Index, s string) (string, error) {
	c, err := parseConstraint(s)
	if err != nil {
		return "", err
	}
	var candidates []*version.Version
	var yanked []string
	for raw, info := range idx.Versions {
		v, err := version.NewVersion(raw)
		if err != nil {
			continue // a registry may list versions this argus cannot parse; they are never chosen
		}
		if !satisfies(c, s, v) {
			continue
		}
		if info.Yanked != "" {
			yanked = append(yanked, fmt.Sprintf("%s (yanked: %s)", raw, info.Yanked))
			continue
		}
		candidates = append(candidates, v)
	}
	if len(candidates) == 0 {
		msg := fmt.Sprintf("no version satisfies %q", s)
		if len(yanked) > 0 {
			slices.Sort(yanked)
			msg += "; matching but yanked: " + strings.Join(yanked, ", ")
		}
		return "", fmt.Errorf("%s; the index lists %s", msg, listVersions(idx))
	}
	slices.SortFunc(candidates, func(a, b *version.Version) int { return b.Compare(a) })
	return candidates[0].Original(), nil
}

func listVersions(idx *Index) string {
	if len(idx.Versions) == 0 {
		return "no versions"
	}
	vs := make([]string, 0, len(idx.Versions))
	for v := range idx.Versions {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	if len(vs) > 10 {
		vs = append(vs[len(vs)-10:], "…")
	}
	return strings.Join(vs, ", ")
}
