// Package assess is `argus assess` (and `argus plan`, its dry run). Handler.Assess takes a
// Request that cmd filled from flags and runs these steps in order: load the configuration,
// read the request, lock the state, open the control-plane session, take the job specs, plan,
// pick where the terminal view goes, resolve every due job's provider and execute, write the
// reports, annotate GitHub, deliver, and decide the outcome (outcome.Kind). The Executor runs
// due jobs once each, in parallel and bounded, recording start and end in the state file.
//
// The seams, each a consumer-side interface:
//   - Workspace gives the configuration, the locked state and the session, each built once
//     (internal/workspace).
//   - Providers gives a Resolver for the configuration. A job's provider is resolved to
//     something that runs it: Resolver.Command gives the runner.Command for a provider
//     (install.Resolver: a built-in re-executing argus, or an installed entrypoint verified
//     against the lock file), and Runner.Run runs that command for one job under the
//     argus protocol (runner.Runner). The second kind of provider, Compliance Framework
//     plugins (go-plugin), comes in at the same seam: when the configuration has any, the
//     Resolver is also a PluginResolver whose Plugins prepares each of their jobs (verifying
//     the plugin and its policy bundles before anything runs) and runs it (internal/ccfjob).
//     Executor.resolve is the one place that looks at a provider's kind, to pick which of the
//     two turns a due job into a run; planning, parallelism, state, collection and reporting
//     are the same for every kind. A plugin job's own documents (its evidence in its streams,
//     template batches) travel with its result.Job (Deliveries) to the Collector.
//   - Runner runs one provider process; Collector keeps a finished job's results durably (the
//     session's outbox) before the state records it; StateRecorder is the state file.
//
// It is not responsible for loading or validating configuration (internal/config, through
// the Workspace), installing or verifying providers (internal/install), the report formats
// (internal/report), the control-plane protocol or the outbox (internal/session), or exit
// codes, messages and hints (internal/exitcode maps the Outcome it returns).
package assess
