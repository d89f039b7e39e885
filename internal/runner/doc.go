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
// Every failure (the executable cannot be started, a timeout, a crash, a non-zero exit,
// oversized or invalid output) becomes a single result with status "error" that says what
// happened and carries the provider's stderr tail, plus a typed error in [Outcome.Failure] for
// callers that must tell the cases apart. A provider failure is never a Go error of [Runner.Run]:
// the other jobs go on.
//
// The package is not responsible for choosing which jobs run, resolving or verifying provider
// executables, building requests from config, or recording and delivering results.
package runner
