// Package exitcode is argus's exit-code table: the named codes a pipeline acts on and Decide,
// the one function that maps an outcome (package outcome) or an error to the code, the message
// lines and the hint the user reads. Exit codes as numbers live in table.go and nowhere else;
// the hints that name an argus command live in table.go (errors of assess, outbox and flock)
// and install.go (installer errors, lock file diagnostics and providers that would not start:
// WithInstallHints, LockHints, FailureHint), and nowhere else.
//
// It is not responsible for deciding the outcome of a run (the handlers do: assess decides a
// gate failure from its results), for printing the diagnostics of a configuration (they are
// printed where they are found, and arrive here as an outcome.ReportedError), or for calling
// os.Exit (only main does).
package exitcode
