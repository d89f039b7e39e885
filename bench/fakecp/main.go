// Command fakecp runs the fake control plane (internal/controlplane/cptest) as a process, so
// that bench/run.sh can deliver results to it: fakecp serve -url-file F.
package main

import (
	"os"

	"github.com/compliance-framework/argus/internal/controlplane/cptest"
)

func main() {
	os.Exit(cptest.Main(os.Args[1:], os.Stdout, os.Stderr))
}
