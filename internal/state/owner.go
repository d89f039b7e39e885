package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compliance-framework/argus/internal/atomicfile"
)

// OwnerFile records which configuration and control plane last used the state directory.
const OwnerFile = "owner.json"

// Owner is who uses a state directory: the configuration and its control plane.
type Owner struct {
	// ControlPlane is the control plane's base URL without a trailing slash; "" without one.
	ControlPlane string `json:"control_plane,omitempty"`
	// Config is the configuration's absolute path.
	Config string `json:"config"`
}

// NormalURL is the form of a control plane URL that owners and outbox items record, so that
// "https://ccf.example.com/" and "https://ccf.example.com" are one control plane.
func NormalURL(u string) string { return strings.TrimRight(u, "/") }

// OwnerError is a state directory whose results, job specs and runtime belong to another
// control plane: using it would deliver one configuration's evidence to the other.
type OwnerError struct {
	Dir             string
	Recorded, Claim Owner
}

func (e *OwnerError) Error() string {
	return fmt.Sprintf("state directory %q belongs to control plane %s (configuration %s), not %s (configuration %s): "+
		"its outbox, job specs and runtime id are that control plane's",
		e.Dir, e.Recorded.ControlPlane, e.Recorded.Config, e.Claim.ControlPlane, e.Claim.Config)
}

// Claim records o as the directory's owner. It refuses (*OwnerError) a directory recorded
// for another control plane, and returns a warning (the claim is made) when another
// configuration used it last: two configurations sharing a directory share job state, so
// each resets the other's spec hashes and schedule. A directory used without a control plane
// keeps the last one it was recorded for, so that a configuration without one cannot launder
// it for a third.
func (s *Store) Claim(o Owner) (warning, err error) {
	path := filepath.Join(s.dir, OwnerFile)
	var rec Owner
	data, err := os.ReadFile(path) //nolint:gosec // G304: the owner file in argus's own state directory
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read the state directory's owner (not checked): %w", err), nil
	default:
		if jerr := json.Unmarshal(data, &rec); jerr != nil {
			warning = fmt.Errorf("%s is not valid (claiming the state directory anew): %w", path, jerr)
			rec = Owner{}
		}
	}
	if rec.ControlPlane != "" && o.ControlPlane != "" && rec.ControlPlane != o.ControlPlane {
		return nil, &OwnerError{Dir: s.dir, Recorded: rec, Claim: o}
	}
	if rec.Config != "" && rec.Config != o.Config && warning == nil {
		warning = fmt.Errorf("state directory %q was last used by configuration %s; two configurations sharing it reset each other's job state (give each its own --state-dir or argus.state_dir)", s.dir, rec.Config)
	}
	next := o
	if next.ControlPlane == "" {
		next.ControlPlane = rec.ControlPlane
	}
	if next == rec && data != nil {
		return warning, nil
	}
	out, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return warning, fmt.Errorf("encode state owner: %w", err)
	}
	// Like the lock's holder record, the owner record costs a warning when it cannot be
	// written (a full disk): `outbox flush` and `outbox drop`, which free space, must still run.
	if err := atomicfile.WriteFile(path, append(out, '\n'), 0o600); err != nil {
		return errors.Join(warning, fmt.Errorf("record the state directory's owner: %w", err)), nil
	}
	return warning, nil
}
