package install

import "errors"

// ChooseLockMode is the lock mode of `argus init` for --lockfile=flag ("auto", "update" or
// "readonly"): auto is read-only in CI, where a changed lock must fail rather than be written
// and lost. The lock file of a remote configuration lives in its fetched copy, which the next
// fetch replaces: it must be committed at the source, so init may only check it.
func ChooseLockMode(flag string, ci, remote bool) (LockMode, error) {
	switch {
	case flag == "readonly", flag == "auto" && ci:
		return LockReadOnly, nil
	case remote:
		if flag == "update" {
			return 0, errors.New("--lockfile=update cannot apply to a remote configuration: commit argus.lock.hcl next to the configuration at its source")
		}
		return LockReadOnly, nil
	}
	return LockUpdate, nil
}
