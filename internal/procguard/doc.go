// Package procguard hardens the argus process itself against the providers it runs, which run
// as the same user and could otherwise read or outlive it.
//
// [Harden], called first thing in main, does on Linux:
//   - prctl(PR_SET_DUMPABLE, 0): the kernel then lets no other process of the same user read
//     argus's memory or /proc/<pid>/environ, mem, maps or fd. A provider therefore cannot read
//     the control-plane secret or cloud keys in the environment argus was started with. (It also
//     means no core dump of argus.)
//   - prctl(PR_SET_CHILD_SUBREAPER, 1): a process that a provider started and abandoned (a
//     daemon that forked and called setsid) is re-parented to argus instead of init, so that
//     package runner can find and kill it when its job ends.
//   - every file descriptor above 2 that argus inherited (a cron wrapper's log on fd 7) is marked
//     close-on-exec, so that no provider inherits it. Elsewhere on Unix only this step applies.
//
// [ScrubEnv], called once the configuration is loaded, removes argus's own settings (ARGUS_*),
// the configuration's secret values and credential-like variables from the process environment
// and returns the environment as it was, for the runner to take env_allow values from.
//
// What remains, and what this package is NOT responsible for:
//   - The environment block the kernel keeps (what /proc/<pid>/environ shows) cannot be
//     changed by a Go program without corrupting strings that point into it: ScrubEnv changes
//     what argus passes on, and non-dumpability is what keeps the block from other processes.
//   - root, or a process with CAP_SYS_PTRACE, can still read argus. A provider of the same user
//     could ptrace argus only if argus were dumpable; on systems where that matters even for
//     dumpable processes, kernel.yama.ptrace_scope=1 or higher is the system's own guard.
//     Running providers as another user is not something argus does: run argus itself under a
//     dedicated user, or in a container, when providers must be kept from each other.
//   - Which processes belong to which job, and killing them: that is package runner, which
//     relies on the subreaper set here.
package procguard
