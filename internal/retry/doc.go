// Package retry decides how long to wait before retrying a transient failure and how much
// waiting one argus invocation may do in total.
//
// [Backoff] computes exponential backoff with full jitter; [Budget] is the per-invocation
// allowance of time that every retrying caller draws from, so that an unreachable control plane
// costs a bounded amount of time however many results are waiting to be delivered.
//
// It is not responsible for deciding what is transient (the HTTP client does that), for sleeping
// (callers sleep under their context, see [Sleep]) or for any I/O.
package retry
