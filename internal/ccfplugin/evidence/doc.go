// Package evidence validates the Evidence a Compliance Framework plugin sends through
// CreateEvidence and converts it to the JSON body the Compliance Framework API takes at
// POST /api/evidence, as the CCF agent does (ccf-plugins.md §1.7), plus a per-evidence result
// view for argus's own reports. It also enriches protocol-2 risk and subject templates for the
// API's batch routes.
//
// The stream UUID is the plugin's: argus forwards it unchanged so that the evidence continues
// the streams the agent fed. Only nested items without a usable UUID get one derived by
// [controlplane.SeededUUID], from the same seeds the agent uses (actor: type=actor,
// actor-type, title; activity: type=activity, title, description; step: type=step, title;
// protocol: type=protocol, name, title). Labels are {_agent, _plugin, the job's labels}
// overlaid by the evidence's own labels: the plugin's labels win, as in the agent.
//
// Validation: an evidence whose UUID is empty or not a UUID, without a title or status, whose
// start or end is missing, after now by more than [MaxClockSkew] or inverted, or whose
// encoding exceeds [MaxBytes] becomes a [Problem] that names the plugin, the evidence and the
// field; the other evidence of the same call stands. Nothing a plugin sends can crash argus
// (the agent panics on a bad UUID). A start or end in the future by less than the skew is set
// to now, because the API rejects any future time with a 400.
//
// Where argus deliberately differs from the agent's converter:
//   - expires: the agent sends 1970-01-01T00:00:00Z when the plugin set none, which the current
//     API happens to map to end + 1 month; an API without that special case would store
//     already-expired evidence. argus omits the key instead, which the API treats the same way
//     (its default expiry), and sends the plugin's value when it set one.
//   - port ranges: the agent drops a component protocol's PortRanges (its loop appends to the
//     source list). argus sends them as "port-ranges"; the data is the plugin's and an API that
//     ignores the key loses nothing.
//   - none on remarks: it is always sent, "" when unset, and other empty strings are omitted,
//     as the agent does, so the stored rows look the same whichever host sent them.
//
// It is not responsible for delivering anything (the outbox and the control-plane client do),
// for computing stream UUIDs (the plugin does), nor for talking to the plugin (package host).
package evidence
