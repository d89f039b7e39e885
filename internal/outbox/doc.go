// Package outbox is the durable queue of results waiting for the control plane, one JSON file
// per item in <state_dir>/outbox/.
//
// An item is written (temp file, fsync, rename, fsync directory) before any delivery is tried
// and removed only after the control plane accepted it, so a crash or a SIGKILL at any moment
// loses nothing: the next invocation delivers what is left, oldest first. An item the control
// plane rejected for good stays, marked with the error, and is skipped until forced or dropped.
//
// It is not responsible for talking to the control plane (a [Sender] does), for building
// payloads, or for locking the state directory against a concurrent invocation (the caller
// holds the state lock while it uses the outbox).
package outbox
