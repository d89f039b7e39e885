//go:build unix

package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

const benchJobs, benchParallel = 200, 2

// BenchmarkRunner runs 200 trivial providers through runAll at parallel 2; compare it with
// BenchmarkBareExec to see what the runner's safety costs over a bare exec.
func BenchmarkRunner(b *testing.B) {
	r := &Runner{BaseEnv: append([]string{"PATH=" + os.Getenv("PATH")}, coverEnv()...), TempDir: b.TempDir()}
	tasks := make([]Task, benchJobs)
	for i := range tasks {
		tasks[i] = Task{Command: self(b, "fixed"), EnvAllow: coverAllow(), Request: testRequest(), Timeout: time.Minute}
	}
	for b.Loop() {
		var failed atomic.Bool
		runAll(context.Background(), r, tasks, benchParallel, func(i int, o Outcome) {
			if o.Failure != nil {
				failed.Store(true) // reported after runAll: b.Fatal must not run on a worker
			}
		})
		if failed.Load() {
			b.Fatal("a provider failed")
		}
	}
}

// BenchmarkBareExec is the baseline: the same binary and stdin, run with plain exec.Command.
func BenchmarkBareExec(b *testing.B) {
	cmd := self(b, "fixed")
	req := testRequest()
	req.Protocol = 1
	req.Deadline = time.Now().Add(time.Minute)
	input, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var g errgroup.Group
		g.SetLimit(benchParallel)
		for range benchJobs {
			g.Go(func() error {
				c := exec.CommandContext(b.Context(), cmd.Path, cmd.Args...)
				c.Env = append(os.Environ(), coverEnv()...)
				c.Stdin = bytes.NewReader(input)
				_, err := c.Output()
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}
