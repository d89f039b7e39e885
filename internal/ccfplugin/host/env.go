package host

import (
	"os"
	"strings"
)

// passedEnv are the variables every plugin gets from argus's environment when they are set,
// as for argus's own providers (internal/runner). TMPDIR is not among them: the host gives
// each plugin a TMPDIR of its own.
var passedEnv = [...]string{"PATH", "HOME", "LANG"}

// Env builds a plugin's environment from base (argus's environment): PATH, HOME and LANG,
// HOSTNAME, and the variables allow names (the job's env_allow) that base sets. argus's own
// ARGUS_* variables never pass, even when allow names them.
//
// HOSTNAME is base's when set, else hostname: CCF plugins read it and put it in their labels
// and stream UUIDs, and a shell does not export it, so without it they report hostname "" and
// start new streams.
func Env(base, allow []string, hostname string) []string {
	values := make(map[string]string, len(base))
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			values[k] = v
		}
	}
	if values["HOSTNAME"] == "" && hostname != "" {
		values["HOSTNAME"] = hostname
	}
	env := make([]string, 0, len(passedEnv)+1+len(allow))
	seen := map[string]bool{}
	add := func(name string) {
		if seen[name] || name == "" || strings.Contains(name, "=") || strings.HasPrefix(strings.ToUpper(name), "ARGUS_") {
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
	add("HOSTNAME")
	for _, name := range allow {
		add(name)
	}
	return env
}

// Hostname is os.Hostname, or "" when it fails: the value for [Env]'s hostname.
func Hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}
