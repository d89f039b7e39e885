// Package session is one invocation's link to the control plane: one client (one connection
// pool, one token, one retry budget), the outbox in the state directory, and the runtime ID
// the control plane knows this machine by. `argus assess` opens a session to send the
// heartbeat, apply the control plane's remote configuration and deliver results and config
// reports; `argus outbox flush` opens one to deliver what earlier runs left.
//
// The outbox commands live here too (flush.go; outbox.go: `argus outbox list` and `drop`,
// which need no session).
//
// It is not responsible for the control plane's HTTP protocol (internal/controlplane), the
// durable queue (internal/outbox), turning results into evidence (internal/publish), the
// remote configuration protocol (internal/agentremote) or deciding what an undelivered result
// means for the exit code: Deliver says how many results still wait, and the caller decides.
package session
