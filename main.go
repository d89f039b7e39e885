// Command argus runs compliance assessments in CI and cron. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/compliance-framework/argus/cmd"
	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/procguard"
)

func main() {
	os.Exit(run())
}

// run is main without os.Exit, so that the end-to-end tests can run argus in-process.
func run() int {
	procguard.Harden(os.Stderr) // before anything else: providers must not inherit or read what argus holds
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case s := <-sigs:
			// Stop listening so that a second signal has its default effect: a user pressing
			// ^C twice gets out at once, without the clean flush.
			signal.Stop(sigs)
			cancel(&exitcode.SignalError{Signal: s})
		case <-done:
		}
	}()
	return cmd.Main(ctx, os.Args[1:], cmd.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
}
