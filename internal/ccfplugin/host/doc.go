// Package host runs one Compliance Framework plugin (a hashicorp/go-plugin gRPC program built
// for the CCF agent) for one job, unchanged, and turns whatever happens into a [Result].
//
// Per job ([Host.Run]): start the plugin with the agent's handshake (go-plugin app protocol 1,
// cookie RUNNER_PLUGIN, plugin "runner", gRPC only), Configure (config map, policy_data as a
// Struct, policyBehavior when set), Init for CCF protocol 2, Eval with every policy path in one
// call, then Shutdown and SIGKILL of the plugin's whole process group (go-plugin kills only the
// pid). Before Init and Eval the host serves proto.ApiHelper on a fresh go-plugin broker
// connection: CreateEvidence always, UpsertRiskTemplates and UpsertSubjectTemplates for
// protocol 2. Evidence is validated and converted by package evidence as it arrives.
//
// Everything runs under the job's timeout. The plugin is started with exec.CommandContext, so
// the deadline (or the caller's cancellation) SIGKILLs its process group at once, whatever the
// plugin is doing; Run returns within the timeout plus about two grace periods and leaves no
// process behind. The plugin's environment is exactly [Request.Env] (go-plugin's SkipHostEnv)
// plus go-plugin's own variables and a TMPDIR of its own, which the host removes afterwards so
// that the unix socket of a killed plugin is not left in /tmp. Its working directory is
// [Request.Dir]: the plugin gets the policy paths relative to it, as the agent passes them,
// because the path string is part of every stream UUID.
//
// The plugin's stderr (hclog JSON lines) is re-logged through the [Host.Logger] at each line's
// level, up to a bound of lines and bytes per job, each line cut at 4 KiB; its last bytes are
// kept for the result. argus parses those lines itself: go-plugin's parser type-asserts the
// fields of any JSON line, so a plugin printing {"@message": 5} would panic the host.
// go-plugin's own messages are logged at debug level. The callback servers are argus's own
// (broker Accept, not AcceptAndServe), stopped and waited for before the plugin is shut down.
//
// Every failure is a [*Error] in [Result.Err] naming the stage and saying what happened, with
// the stderr tail: no handshake, wrong cookie or version, garbage on stdout, a crash, a gRPC
// error, Eval status FAILURE, Init unimplemented under protocol 2, a callback argus does not
// serve (an older plugin's CreateObservations), a plugin that never called back, the timeout.
// Evidence delivered before a failure stays in the result, as with the agent. Run never
// panics on anything a plugin does and never returns a Go error: the other jobs go on.
//
// It is not responsible for finding, verifying or unpacking plugins and policies (the caller
// passes a verified executable, a prepared working directory and the policy paths), for
// choosing the environment (the caller passes it whole; [Env] builds it the way argus's own
// providers get theirs, plus HOSTNAME), nor for delivering evidence or templates (the caller
// puts them in the outbox).
package host
