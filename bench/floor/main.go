// Command floor is the exec floor of bench/run.sh's per-job overhead: it starts the same
// provider executable N times, P at once, each with the same request on stdin and its output
// read, and nothing else (no working directory, no process group, no environment filtering).
// argus running the same jobs cannot be cheaper than this: floor -n 1000 -p 2 -req REQ EXE.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec" //nolint:depguard // the floor is a bare exec by definition: internal/runner is what it is the baseline for

	"golang.org/x/sync/errgroup"
)

func main() {
	n := flag.Int("n", 1000, "how many times to start the executable")
	p := flag.Int("p", 2, "how many at once")
	reqFile := flag.String("req", "", "file whose content is every child's stdin")
	flag.Parse()
	if err := run(context.Background(), *n, *p, *reqFile, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n, p int, reqFile string, argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("name the executable to start")
	}
	req, err := os.ReadFile(reqFile) //nolint:gosec // G304: the request file the benchmark names
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(p)
	for range n {
		g.Go(func() error {
			c := exec.CommandContext(ctx, argv[0], argv[1:]...) //nolint:gosec // G204: the benchmark's provider
			c.Stdin = bytes.NewReader(req)
			var out bytes.Buffer
			c.Stdout = &out
			if err := c.Run(); err != nil {
				return fmt.Errorf("%s: %w", argv[0], err)
			}
			return nil
		})
	}
	return g.Wait()
}
