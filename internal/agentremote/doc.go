// Package agentremote is argus's side of the Compliance Framework API's agent remote
// configuration protocol: an admin stores an overlay (an RFC 7396 JSON merge patch over the
// agent's config file format) per agent; argus fetches it once per invocation with the ETag it
// kept, classifies every path the overlay changes as safe, unsafe or forbidden with the API's
// reason codes, applies it or not according to the locally set mode, and reports what it runs
// with a config report.
//
// The package holds the protocol's model (merge patch, the agent document, classification,
// redaction, digests, `${env:NAME}` references), the projection of argus's jobs into the
// agent's document and back ([Project], [Job]), the last good overlay and instance UUID in the
// state directory ([Store]), the decision of one invocation ([Resolve]), and [Sync], the one
// call a session makes. The join with the configuration loader is configjoin.go.
//
// It is not responsible for the HTTP exchange (package controlplane), for the durability of
// the report (package outbox carries it), for reading the local HCL (package config) or for
// reading the agent's YAML (package agentconfig). It never lets an overlay set `api`,
// `daemon` or `remote_config`: those come from the host alone.
package agentremote
