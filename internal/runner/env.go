package runner

import (
	"strconv"
	"strings"

	"github.com/compliance-framework/argus/sdk"
)

// passedEnv are the variables every provider gets from argus's environment when they are set.
var passedEnv = [...]string{"PATH", "HOME", "TMPDIR", "LANG"}

// reservedEnv reports whether name belongs to argus itself. Such variables hold argus's own
// settings and control-plane credentials, so they never reach a provider even when a job's
// env_allow names them; config validation rejects that too, this is the second line.
func reservedEnv(name string) bool {
	return strings.HasPrefix(strings.ToUpper(name), "ARGUS_")
}

// providerEnv builds a provider's environment from base: the passed variables and the allowed
// ones that base sets (the last definition wins, as in os/exec), then ARGUS_PROTOCOL.
func providerEnv(base, allow []string) []string {
	values := make(map[string]string, len(base))
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			values[k] = v
		}
	}
	env := make([]string, 0, len(passedEnv)+len(allow)+1)
	seen := make(map[string]bool, len(passedEnv)+len(allow))
	add := func(name string) {
		if seen[name] || name == "" || strings.Contains(name, "=") || reservedEnv(name) {
			return
		}
		seen[name] = true
		if v, ok := values[name]; ok {
			env = append(env, name+"="+v)
		}
	}
	for _, name := range passedEnv {
		add(name)
	}
	for _, name := range allow {
		add(name)
	}
	return append(env, "ARGUS_PROTOCOL="+strconv.Itoa(sdk.ProtocolVersion))
}
