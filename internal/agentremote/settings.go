package agentremote

import (
	"fmt"
	"path"
	"slices"
)

// The apply modes of remote_config.mode.
const (
	ModeOff       = "off"
	ModeReport    = "report"
	ModeApplySafe = "apply_safe"
	ModeApplyAll  = "apply_all"
)

// Modes lists the valid modes.
var Modes = []string{ModeOff, ModeReport, ModeApplySafe, ModeApplyAll}

// Settings are the host's remote_config block: what an overlay may change. They come from
// the local configuration only, never from an overlay.
type Settings struct {
	Mode                   string   `json:"mode"`
	TrustedSources         []string `json:"trusted_sources"`
	OverridableConfigFlags []string `json:"overridable_config_flags"`
	AllowLocalSources      bool     `json:"allow_local_sources"`
}

// DefaultMode is the mode when the block sets none: report with credentials (it reports what
// it runs but never applies), off without.
func DefaultMode(hasCredentials bool) string {
	if hasCredentials {
		return ModeReport
	}
	return ModeOff
}

// Check reports the first problem of s, naming the setting.
func (s Settings) Check() error {
	if !slices.Contains(Modes, s.Mode) {
		return fmt.Errorf("mode %q is not one of off, report, apply_safe, apply_all", s.Mode)
	}
	for _, g := range s.TrustedSources {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("trusted_sources: %q is not a valid glob: %w", g, err)
		}
	}
	for _, f := range s.OverridableConfigFlags {
		for _, g := range splitFlag(f) {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("overridable_config_flags: %q is not a valid glob: %w", f, err)
			}
		}
	}
	return nil
}

func splitFlag(f string) []string {
	for i := range len(f) {
		if f[i] == ':' {
			return []string{f[:i], f[i+1:]}
		}
	}
	return []string{f}
}
