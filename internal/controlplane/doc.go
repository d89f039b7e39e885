// Package controlplane is argus's client of the Compliance Framework API: agent token,
// heartbeat, evidence, and the agent remote configuration routes (overlay, config report). It
// also owns the mapping of one provider result to the API's Evidence shape, including the
// stable stream UUID ([SeededUUID]).
//
// Every request has its own timeout. Transient failures (connection errors, 408, 429, 5xx) are
// retried with exponential backoff and full jitter, honouring Retry-After, within a
// [retry.Budget] shared by every request of the invocation; once the budget is spent the client
// fails fast instead of hammering a control plane that is down. Any other 4xx is a
// [*PermanentError]: retrying cannot help.
//
// It is not responsible for durability (see internal/outbox: a result is written there before
// this package ever sees it), for deciding what to send, nor for keeping the runtime UUID or the
// last good remote configuration overlay (the state directory belongs to its callers).
//
// The fake control plane that tests and scripts run against is in package cptest.
package controlplane
