// Package assess is one `argus assess` invocation: it picks the jobs that are due, runs each
// due job's provider once through the runner, records start and end in the state file, and
// collects the results into a result.Run.
//
// It is not responsible for loading configuration, installing providers, rendering reports,
// delivering results or choosing the exit code: callers pass those in (as the consumer-side
// interfaces below) or compute them from the returned Run.
package assess
