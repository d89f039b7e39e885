package state

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// Place is what decides where an invocation's state lives.
type Place struct {
	Flag       string // --state-dir
	Configured string // argus.state_dir of the configuration (already absolute), if any
	// ConfigPath is the configuration's path, which keys the default directory so that two
	// configurations on one machine never share job state. Empty means the shared area itself,
	// for what precedes a configuration (the fetched copy of a remote configuration).
	ConfigPath string
	Getenv     func(string) (string, bool) // required
}

// ChooseDir is the one place that picks the directory holding the state file, the outbox and
// the runtime ID: the --state-dir flag, else the configuration's argus.state_dir, else
// ".argus/<config-key>" under the working directory in CI (CI=true: the workspace is what CI
// caches), else $XDG_STATE_HOME/argus/<config-key> (or ~/.local/state/argus/<config-key>), else
// ".argus" when there is no home directory.
//
// The per-config key keeps two configurations on one machine from sharing job state (and
// from waiting on each other's lock): a job named "sshd" in one means nothing to the other.
func ChooseDir(p Place) (string, error) {
	if p.Flag != "" {
		return filepath.Abs(p.Flag)
	}
	if p.Configured != "" {
		return p.Configured, nil
	}
	if v, _ := p.Getenv("CI"); v == "true" {
		ws, err := filepath.Abs(".argus")
		if err != nil || p.ConfigPath == "" {
			return ws, err
		}
		// One directory per configuration under .argus (issue 15 item 8): two configurations
		// of one pipeline must not share job state, outbox or job specs. The key is the
		// configuration's path relative to the workspace, which stays the same when CI checks
		// the repository out somewhere else.
		abs, err := filepath.Abs(p.ConfigPath)
		if err != nil {
			return "", err
		}
		wd := filepath.Dir(ws)
		rel, err := filepath.Rel(wd, abs)
		if err != nil {
			rel = abs
		}
		return filepath.Join(ws, configKey(filepath.ToSlash(rel), abs)), nil
	}
	base, _ := p.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Abs(".argus")
		}
		base = filepath.Join(home, ".local", "state")
	}
	if p.ConfigPath == "" {
		return filepath.Join(base, "argus"), nil
	}
	abs, err := filepath.Abs(p.ConfigPath)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "argus", configKey(abs, abs)), nil
}

// configKey names a configuration's state directory: its base name, for people, and 12 hex
// digits of the hash of id, so that two configurations of one base name do not collide.
func configKey(id, path string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Base(path) + "-" + hex.EncodeToString(sum[:])[:12]
}
