// Package workspace is what one invocation of argus works on: the configuration (fetched
// first when remote), its lock file, the provider cache, the state directory under its lock,
// the control-plane session and the provider resolver. Each part is built on first use and at
// most once, so `argus version` builds nothing and `argus plan` never opens a session; Close
// releases what was opened.
//
// The state directory is chosen here, through state.ChooseDir, for the state itself and for
// the fetched copy of a remote configuration alike; the injected environment (Getenv) is what
// HCL env() reads, what picks the directories and what CI detection sees.
//
// It is not responsible for what the invocation does with these parts (the handlers, e.g.
// assess.Handler), for parsing flags (cmd fills the fields), or for exit codes
// (package exitcode): an error it has already printed in full (configuration diagnostics)
// comes back as an outcome.ReportedError.
package workspace
