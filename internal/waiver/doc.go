// Package waiver decides which failed results a waiver accepts, and when a waiver stops
// applying. A waiver names jobs by glob and, optionally, results by title; it applies through
// the end of its expiry date (UTC) and never after. The glob syntax (Match) is shared with
// `--job` selection so that the two read alike.
//
// It is not responsible for decoding waiver blocks (package config), for reporting waived
// results (package report) or for the gate (package result): it only matches and dates.
package waiver
