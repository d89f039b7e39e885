// Package runner is argus's Job Runner: it runs one provider process per job under provider
// protocol v1 and turns whatever happens into results.
//
// A provider runs with a sanitized environment (PATH, HOME, TMPDIR, LANG, the job's env_allow
// and ARGUS_PROTOCOL=1; never argus's own ARGUS_* settings or secrets), in a fresh temporary
// working directory that is removed afterwards, in its own process group. It reads one JSON
// request on stdin and must print one JSON response on stdout within the job's timeout. On
// timeout or cancellation the whole process group gets SIGTERM, then SIGKILL after a grace
// period; once the provider itself has exited, anything it left behind in its group is killed.
// Stdout is read through a size limit and stderr is kept as a bounded head and tail.
//
// On Linux the runner also kills what left the group. argus is a child subreaper (package
// procguard), so a process a provider abandons is re-parented to argus; each job's environment
// carries a random ARGUS_JOB_TOKEN that such a process inherits, and when a job ends every child
// of argus that is not a running provider is killed (with its own group) unless it carries the
// token of a job still running, or stays in argus's own process group without a token (argus's
// own children). A provider whose processes had to be killed that way fails with an
// *EscapedError. Providers get Pdeathsig (SIGKILL), so that a SIGKILLed argus takes the provider
// with it; they are all forked from one locked OS thread, because Pdeathsig follows the thread
// that forked, not the process. What Pdeathsig cannot reach is the provider's own children
// when argus is SIGKILLed: they go to init (or the next subreaper up), as without argus.
//
// Every failure (the executable cannot be started, a timeout, a crash, a non-zero exit,
// oversized or invalid output) becomes a single result with status "error" that says what
// happened and carries the provider's stderr tail, plus a typed error in [Outcome.Failure] for
// callers that must tell the cases apart. A provider failure is never a Go error of [Runner.Run]:
// the other jobs go on.
//
// The package is not responsible for choosing which jobs run, resolving or verifying provider
// executables, building requests from config, or recording and delivering results.
package runner
