package agentremote

import (
	"fmt"
	"slices"
	"strings"
)

// EnvError is a `${env:NAME}` reference that cannot be resolved.
type EnvError struct {
	Path, Name string
	Forbidden  bool
}

func (e *EnvError) Error() string {
	if e.Forbidden {
		return fmt.Sprintf("%s: ${env:%s} names argus's own credentials, which a plugin's config may never reference", e.Path, e.Name)
	}
	return fmt.Sprintf("%s: ${env:%s} is not set in argus's environment: set it on this host, or change the overlay", e.Path, e.Name)
}

// ResolveEnv replaces the `${env:NAME}` references in the config values of every plugin with
// the host's variables. A forbidden name, a variable whose value is one of argus's own
// credentials (known), or an unset variable is an error: nothing is resolved halfway.
func ResolveEnv(d Document, getenv func(string) (string, bool), known []string) (Document, error) {
	known = nonEmpty(known)
	out := d
	out.Plugins = make(map[string]*Plugin, len(d.Plugins))
	for _, name := range sortedKeys(d.Plugins) {
		p := d.Plugins[name]
		cp := *p
		if p.Config != nil {
			cp.Config = make(map[string]any, len(p.Config))
		}
		for _, k := range sortedKeys(p.Config) {
			v, err := resolveValue(Pointer("plugins", name, "config", k), p.Config[k], getenv, known)
			if err != nil {
				return Document{}, err
			}
			cp.Config[k] = v
		}
		out.Plugins[name] = &cp
	}
	return out, nil
}

func resolveValue(ptr string, v any, getenv func(string) (string, bool), known []string) (any, error) {
	switch t := v.(type) {
	case string:
		var err error
		s := envRef.ReplaceAllStringFunc(t, func(m string) string {
			name := envRef.FindStringSubmatch(m)[1]
			if err != nil {
				return m
			}
			if ForbiddenEnvName(name) {
				err = &EnvError{Path: ptr, Name: name, Forbidden: true}
				return m
			}
			val, ok := getenv(name)
			if !ok {
				err = &EnvError{Path: ptr, Name: name}
				return m
			}
			if slices.ContainsFunc(known, func(k string) bool { return strings.Contains(val, k) }) {
				err = &EnvError{Path: ptr, Name: name, Forbidden: true}
				return m
			}
			return val
		})
		return s, err
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			r, err := resolveValue(ptr+Pointer(k), t[k], getenv, known)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			r, err := resolveValue(fmt.Sprintf("%s/%d", ptr, i), x, getenv, known)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}
