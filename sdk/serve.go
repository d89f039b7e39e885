package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Handler assesses one request. Returning an error makes the provider exit non-zero, which
// argus reports as a result with status "error" carrying the provider's stderr.
type Handler func(ctx context.Context, req Request) (Response, error)

// maxRequestSize bounds what Serve reads from stdin; argus's requests are a few KiB.
const maxRequestSize = 16 << 20

// Serve runs h as a protocol v1 provider on the process's stdin, stdout and stderr, then exits.
// SIGTERM (sent by argus on timeout) cancels the handler's context.
func Serve(h Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := Run(ctx, os.Stdin, os.Stdout, os.Stderr, h)
	stop()
	os.Exit(code)
}

// Run is Serve without the process: it reads a request from stdin, calls h and writes the
// response to stdout. It returns the exit code the provider should exit with. It is exported so
// that providers (and argus's built-in ones) can be tested without a process.
func Run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, h Handler) int {
	req, err := readRequest(stdin)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "provider: %v\n", err)
		return 2
	}
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.Deadline)
		defer cancel()
	}
	resp, err := h(ctx, req)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "provider: %v\n", err)
		return 1
	}
	if err := resp.Validate(); err != nil {
		_, _ = fmt.Fprintf(stderr, "provider: handler returned an invalid response: %v\n", err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(resp); err != nil {
		_, _ = fmt.Fprintf(stderr, "provider: write response: %v\n", err)
		return 1
	}
	return 0
}

func readRequest(r io.Reader) (Request, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxRequestSize+1))
	if err != nil {
		return Request{}, fmt.Errorf("read request from stdin: %w", err)
	}
	if len(data) > maxRequestSize {
		return Request{}, fmt.Errorf("request on stdin is larger than %d bytes", maxRequestSize)
	}
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		return Request{}, fmt.Errorf("decode request from stdin (is this being run by argus?): %w", err)
	}
	if req.Protocol != ProtocolVersion {
		return Request{}, fmt.Errorf("request speaks protocol %d, this provider speaks %d: upgrade the provider or argus", req.Protocol, ProtocolVersion)
	}
	return req, nil
}
