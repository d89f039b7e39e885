// Command trivial is the benchmark's provider: it reads its request and prints one fixed passing
// result, so that what a benchmark measures is the cost of running a provider, not its work.
//
// With an argument it reads the request from that file instead of stdin: xargs cannot give each
// child its own stdin without a shell, and a shell per job would slow the baseline down.
package main

import (
	"io"
	"os"
)

const response = `{"results":[{"title":"trivial","status":"pass"}]}` + "\n"

func main() {
	in := os.Stdin
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1]) //nolint:gosec // G703: the request file the benchmark driver names; reading it is the point
		if err != nil {
			// A failed write to stderr has nowhere better to go; the exit code carries the outcome.
			_, _ = os.Stderr.WriteString("trivial: " + err.Error() + "\n")
			os.Exit(2)
		}
		in = f
	}
	if _, err := io.Copy(io.Discard, in); err != nil {
		_, _ = os.Stderr.WriteString("trivial: read request: " + err.Error() + "\n")
		os.Exit(2)
	}
	if _, err := os.Stdout.WriteString(response); err != nil {
		os.Exit(2)
	}
}
