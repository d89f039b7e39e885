package cmd

import (
	"time"

	"github.com/compliance-framework/argus/internal/workspace"
)

// The flag groups shared by several commands, each declared once. A command embeds the groups
// it takes; Main finds them through the promoted methods below and fills the workspace.

// configFlag is --config.
type configFlag struct {
	Config string `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, a directory of *.argus.hcl files, or a remote https://…/file.hcl or git::https://…//dir?ref=R."`
}

func (f *configFlag) applyConfig(w *workspace.Workspace) { w.ConfigPath = f.Config }

// waiverFlags add waiver files to the configuration.
type waiverFlags struct {
	Waivers []string `placeholder:"PATH" sep:"none" help:"Also read waiver blocks from this file (repeatable), e.g. one the security team owns apart from the checks."`
}

func (f *waiverFlags) applyWaivers(w *workspace.Workspace) { w.WaiverFiles = f.Waivers }

// stateFlags find the state directory and say how long to wait for its lock.
type stateFlags struct {
	StateDir    string        `placeholder:"DIR" help:"Where argus keeps what ran when, and the outbox (default: argus.state_dir, .argus/<config> in CI, else $XDG_STATE_HOME/argus/<config>); one directory serves one control plane."`
	LockTimeout time.Duration `default:"30s" help:"How long to wait for another argus run on the same state to finish before giving up with exit code ${exit_usage}."`
}

func (f *stateFlags) applyState(w *workspace.Workspace) {
	w.StateDir, w.LockTimeout = f.StateDir, f.LockTimeout
}

// cacheFlags locate the provider cache shared by every project and CI run on the machine.
type cacheFlags struct {
	CacheDir string `placeholder:"DIR" help:"Provider cache shared by every project on this machine (default $XDG_CACHE_HOME/argus)."`
}

func (f *cacheFlags) applyCache(w *workspace.Workspace) { w.CacheDir = f.CacheDir }

// deliveryFlags tune how hard argus tries to reach the control plane.
type deliveryFlags struct {
	RetryBudget time.Duration `default:"2m" help:"Total time this run may spend retrying the control plane (connection errors, 408, 429, 5xx) before leaving results in the outbox."`
}

func (f *deliveryFlags) applyDelivery(w *workspace.Workspace) { w.RetryBudget = f.RetryBudget }

// applyFlags fills w from every flag group cmd embeds.
func applyFlags(cmd any, w *workspace.Workspace) {
	if f, ok := cmd.(interface{ applyConfig(*workspace.Workspace) }); ok {
		f.applyConfig(w)
	}
	if f, ok := cmd.(interface{ applyWaivers(*workspace.Workspace) }); ok {
		f.applyWaivers(w)
	}
	if f, ok := cmd.(interface{ applyState(*workspace.Workspace) }); ok {
		f.applyState(w)
	}
	if f, ok := cmd.(interface{ applyCache(*workspace.Workspace) }); ok {
		f.applyCache(w)
	}
	if f, ok := cmd.(interface{ applyDelivery(*workspace.Workspace) }); ok {
		f.applyDelivery(w)
	}
}
