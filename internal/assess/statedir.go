package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/compliance-framework/argus/internal/config"
)

// StateDir picks the directory holding the state file, the outbox and the runtime ID: the
// --state-dir flag, else the config's argus.state_dir, else ".argus" under the working directory
// in CI (CI=true: the workspace is what CI caches), else $XDG_STATE_HOME/argus/<config-key>.
//
// The per-config key keeps two configurations on one machine from sharing job state (and
// from waiting on each other's lock): a job named "sshd" in one means nothing to the other.
func StateDir(cfg *config.Config, flag string, getenv func(string) (string, bool)) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if cfg.Argus.StateDir != "" {
		return cfg.Argus.StateDir, nil
	}
	if v, _ := getenv("CI"); v == "true" {
		dir, err := filepath.Abs(".argus")
		if err != nil {
			return "", err
		}
		return dir, ignoreInGit(dir)
	}
	base, _ := getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Abs(".argus")
		}
		base = filepath.Join(home, ".local", "state")
	}
	abs, err := filepath.Abs(cfg.Path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(base, "argus", filepath.Base(abs)+"-"+hex.EncodeToString(sum[:])[:12]), nil
}

// ignoreInGit gives the default CI state directory, which lives in the checkout, a .gitignore
// that ignores everything in it, so that a later `git add -A` or a dirty-tree check in the
// pipeline does not pick up argus's state, outbox or last results. An existing .gitignore is
// the user's and is left alone.
func ignoreInGit(dir string) error {
	path := filepath.Join(dir, ".gitignore")
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory %s: %w", dir, err)
	}
	if err := os.WriteFile(path, []byte("# Written by argus: its state, outbox and last results are not for version control.\n*\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
