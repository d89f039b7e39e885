// Package state keeps what argus must remember between invocations to know
// which jobs are due: per job its spec hash, last start, last end and last
// status, in <state_dir>/state.json, plus the runtime UUID the control plane
// knows this installation by, in <state_dir>/runtime-id.
//
// A Store holds an exclusive lock on <state_dir>/state.lock from Open to
// Close, so overlapping cron runs never run the same jobs twice: a second
// invocation waits (bounded) and then fails with a *flock.HeldError that
// says who holds the lock. Every Started and Finished is written through to
// disk atomically before it returns, so a SIGKILL at any moment leaves a
// readable state file that is complete up to the last recorded event; a job
// whose start was recorded but whose end was not is left with LastStatus
// "running", which makes it due again. With many jobs, SetWriteBehind
// bounds the write cost at the price of re-running the jobs of the last
// interval after a SIGKILL.
//
// The package is not responsible for deciding what is due (package
// schedule), for computing spec hashes (package config), or for the outbox
// of undelivered results. It never overwrites a state file it cannot read:
// a corrupt or newer-version file is an error that tells the user what to do.
package state
