// Command ccfseq is the baseline of bench/ccf.sh: it runs the same CCF plugin jobs back to back,
// one process after another, as the Compliance Framework agent does (ccf-plugins.md §1.5),
// through argus's own go-plugin host (internal/ccfplugin/host) with nothing of argus around
// it: no configuration, lock, cache verification, state, outbox or reports.
//
// Usage: ccfseq PLUGIN N SLEEP
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/compliance-framework/argus/internal/ccfplugin/host"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: ccfseq PLUGIN N SLEEP")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	h := &host.Host{}
	env := host.Env(os.Environ(), nil, host.Hostname())
	for i := range n {
		res := h.Run(context.Background(), host.Request{
			Job: fmt.Sprintf("job-%d", i), Plugin: os.Args[1], Dir: os.TempDir(),
			Config: map[string]string{"testplugin_sleep": os.Args[3]},
			Env:    env, Timeout: time.Minute,
		})
		if res.Err != nil {
			fmt.Fprintln(os.Stderr, res.Err)
			os.Exit(1)
		}
	}
}
