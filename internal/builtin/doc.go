// Package builtin holds the providers compiled into argus: builtin/file, builtin/command and
// builtin/http. Each is an [sdk.Handler] that speaks protocol v1 exactly like an external
// provider; argus runs them by re-executing itself (`argus __builtin <name>`), so they go through
// the same runner, sandbox, deadline and output limits as any other provider.
//
// Every provider returns exactly one result per job. Each check that the job's config sets must
// hold: the status is pass when all of them hold, fail when at least one does not (the reason
// names every failed check), and error when the job is misconfigured or a check could not be
// performed at all (for example a command that is not on PATH). A definite failure wins over an
// unperformed check: the subject is already known not to comply, and the reason says which
// checks could not be made.
//
// A misconfigured job is reported as a result with status error whose reason says which key is
// wrong and how to fix it, rather than as a handler error: a handler error only reaches the user
// as "provider exited 1" with a stderr tail, while a result carries the job's title and is shown,
// reported and delivered like any other.
//
// The package is not responsible for running provider processes, enforcing the job's timeout
// from outside, sandboxing the environment, or delivering results: the runner and argus do that.
package builtin
