// Package cptest is a fake Compliance Framework control plane for tests and scripts.
//
// [Fake] serves the routes argus uses with the real API's shapes and status codes (agent
// token, heartbeat, evidence, and the agent remote configuration routes: GET /api/agent/config
// with opaque ETags and 304, PUT /api/agent/instances/{instanceId}/config-report with the
// API's 400, 401, 409, 413 and 415), records what it received, and can be told to misbehave
// ([Switches]: down, slow, 500s, 429s with Retry-After, an expired token, an API that predates
// remote configuration, an instance cap). Its evidence validation is stricter than the real API's, which checks
// almost nothing: it enforces argus's contract (uuid = SeededUUID(labels), title, times not in
// the future, a known state), so a mapping bug fails a test instead of polluting a stream.
//
// Three ways to run it:
//   - in a Go test: [Start];
//   - in a testscript, in-process: [Setup] as (part of) Params.Setup and [Cmds] merged into
//     Params.Cmds give every script its own fake at $FAKECP_URL and a "fakecp" command;
//   - as a process: [Main] ("fakecp serve -url-file F", then "fakecp set/dump/expect -url-file F").
//
// The admin routes under /_fake/ (switches, recording, reset, overlay) are what the commands use.
//
// It is not a model of the API's storage, search or UI, and it is never linked into argus.
package cptest
