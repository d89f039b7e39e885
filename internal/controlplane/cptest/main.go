package cptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/compliance-framework/argus/internal/atomicfile"
)

// Main is the fake as a process, for scripts that need it outside the test binary:
//
//	fakecp serve [-addr 127.0.0.1:0] -url-file F [-client-id ID -client-secret S] [-require-auth]
//	fakecp set|dump|expect|overlay|report|reset (-url URL | -url-file F) ARGS…
//
// serve writes the base URL to F (atomically, no newline) once it listens, and serves until
// SIGINT or SIGTERM. The other subcommands are Command's, sent to the admin routes of the fake
// at URL. It returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if err := run(args, stdout); err != nil {
		fmt.Fprintf(stderr, "fakecp: %v\n", err)
		return 1
	}
	return 0
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: fakecp serve|set|dump|expect|overlay|report|reset …")
	}
	// Interrupting stops serve cleanly and cancels a remote call in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("fakecp "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	urlFile := fs.String("url-file", "", "file holding (serve: receiving) the fake's base URL")
	if args[0] == "serve" {
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		id := fs.String("client-id", "", "agent client id the token route accepts")
		secret := fs.String("client-secret", "", "agent client secret")
		requireAuth := fs.Bool("require-auth", false, "reject requests without a bearer token")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return Serve(ctx, *addr, *urlFile, Options{ClientID: *id, ClientSecret: *secret, RequireAuth: *requireAuth})
	}
	base := fs.String("url", "", "base URL of the fake")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *base == "" && *urlFile != "" {
		b, err := os.ReadFile(*urlFile)
		if err != nil {
			return fmt.Errorf("read url file: %w", err)
		}
		*base = strings.TrimSpace(string(b))
	}
	if *base == "" {
		return errors.New("say where the fake is: -url URL or -url-file F")
	}
	return remote(ctx, *base, args[0], fs.Args(), stdout)
}

// Serve runs a fake on addr until ctx is done, writing its base URL to urlFile (when set)
// once it accepts connections.
func Serve(ctx context.Context, addr, urlFile string, opts Options) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: New(opts), ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String()
	if urlFile != "" {
		if err := atomicfile.WriteFile(filepath.Clean(urlFile), []byte(url), 0o644); err != nil {
			_ = ln.Close()
			return fmt.Errorf("write url file: %w", err)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	// Serve returns ErrServerClosed once Shutdown has begun; anything else is a real failure.
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// remote runs a subcommand against a fake in another process, through its admin routes.
func remote(ctx context.Context, base, sub string, args []string, stdout io.Writer) error {
	c := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer func() { _ = resp.Body.Close() }() // read to the end: a close error changes nothing
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
		}
		return data, nil
	}
	recording := func() (Recording, error) {
		var r Recording
		data, err := call(http.MethodGet, "/_fake/recording", nil)
		if err == nil {
			err = json.Unmarshal(data, &r)
		}
		return r, err
	}
	switch sub {
	case "set":
		var sw Switches
		data, err := call(http.MethodGet, "/_fake/switches", nil)
		if err == nil {
			err = json.Unmarshal(data, &sw)
		}
		if err != nil {
			return err
		}
		if sw, err = ParseSwitches(sw, args); err != nil {
			return err
		}
		b, _ := json.Marshal(sw)
		_, err = call(http.MethodPost, "/_fake/switches", b)
		return err
	case "dump":
		data, err := call(http.MethodGet, "/_fake/recording", nil)
		if err == nil {
			_, err = stdout.Write(data)
		}
		return err
	case "expect":
		r, err := recording()
		if err != nil {
			return err
		}
		return Expect(r, args)
	case "overlay":
		if len(args) != 1 {
			return errors.New("usage: fakecp overlay -url-file F FILE")
		}
		data, err := os.ReadFile(args[0])
		if err != nil {
			return err
		}
		_, err = call(http.MethodPut, "/_fake/overlay", data)
		return err
	case "report":
		r, err := recording()
		if err != nil {
			return err
		}
		out, err := LastReport(r, args)
		if err == nil {
			_, err = io.WriteString(stdout, out)
		}
		return err
	case "reset":
		_, err := call(http.MethodPost, "/_fake/reset", nil)
		return err
	}
	return fmt.Errorf("unknown subcommand %q (want serve, set, dump, expect, overlay, report or reset)", sub)
}
