//go:build unix

package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/procguard"
	"github.com/compliance-framework/argus/sdk"
)

// The test binary doubles as every provider the tests need: run as
// `runner.test __testprovider <name> [args...]` it behaves as the named provider instead of
// running tests. Re-executing it is much faster than building separate programs, and it runs
// through exactly the code path of argus's built-ins (argus re-executes itself).
const providerSwitch = "__testprovider"

func TestMain(m *testing.M) {
	if len(os.Args) >= 3 && os.Args[1] == providerSwitch {
		os.Exit(testProvider(os.Args[2], os.Args[3:]))
	}
	// As argus does in main: on Linux the runner relies on being a subreaper to find what a
	// provider abandons.
	procguard.Harden(os.Stderr)
	os.Exit(m.Run())
}

// fixedResponse is what the "fixed" provider prints, the cheapest valid answer.
const fixedResponse = `{"results":[{"title":"fixed","status":"pass"}]}` + "\n"

func testProvider(name string, args []string) int {
	switch name {
	case "good":
		// Reports what it was given: the raw request, its environment and working directory.
		raw, err := io.ReadAll(os.Stdin)
		if err != nil {
			return 9
		}
		wd, _ := os.Getwd()
		entries, _ := os.ReadDir(wd)
		// Leave something behind to show that the runner removes the directory anyway.
		_ = os.MkdirAll(filepath.Join(wd, "sub"), 0o755)
		_ = os.WriteFile(filepath.Join(wd, "sub", "left-behind"), []byte("x"), 0o644)
		fmt.Fprintln(os.Stderr, "good provider: first line")
		fmt.Fprintln(os.Stderr, "good provider: second line")
		return sdk.Run(context.Background(), strings.NewReader(string(raw)), os.Stdout, os.Stderr,
			func(ctx context.Context, req sdk.Request) (sdk.Response, error) {
				return sdk.Response{Results: []sdk.Result{{
					Title: "good", Status: sdk.StatusPass,
					Observations: []sdk.Observation{{Title: "what the provider saw", Evidence: map[string]any{
						"request": string(raw), "env": os.Environ(), "cwd": wd, "cwd_entries": len(entries),
					}}},
				}}}, nil
			})
	case "fixed":
		_, _ = io.Copy(io.Discard, os.Stdin)
		_, _ = os.Stdout.WriteString(fixedResponse)
		return 0
	case "print": // prints args[0] on stdout, exits with args[1] (default 0)
		_, _ = io.Copy(io.Discard, os.Stdin)
		_, _ = os.Stdout.WriteString(args[0])
		fmt.Fprintln(os.Stderr, "print provider: done")
		if len(args) > 1 {
			code, _ := strconv.Atoi(args[1])
			return code
		}
		return 0
	case "noread": // answers without reading its (large) request
		_, _ = os.Stdout.WriteString(fixedResponse)
		return 0
	case "panic":
		panic("boom: the provider crashed")
	case "abort":
		debug.SetTraceback("crash") // makes the runtime die of SIGABRT instead of exiting 2
		panic("boom: the provider aborted")
	case "hang":
		fmt.Fprintln(os.Stderr, "hang provider: sleeping")
		time.Sleep(time.Hour)
		return 0
	case "term-handler": // on SIGTERM, says so and exits 0 with a valid answer
		_, _ = io.Copy(io.Discard, os.Stdin)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		fmt.Fprintln(os.Stderr, "term-handler provider: waiting")
		<-sig
		fmt.Fprintln(os.Stderr, "term-handler provider: received SIGTERM, cleaning up")
		_, _ = os.Stdout.WriteString(fixedResponse)
		return 0
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Fprintln(os.Stderr, "ignore-term provider: sleeping through SIGTERM")
		time.Sleep(time.Hour)
		return 0
	case "spawn": // args: pid file, then "hang" or "exit"
		return spawnProvider(args[0], args[1])
	case "many": // args: n; answers with n passing results titled r0, r1, ...
		_, _ = io.Copy(io.Discard, os.Stdin)
		n, _ := strconv.Atoi(args[0])
		resp := sdk.Response{Results: make([]sdk.Result, n)}
		for i := range resp.Results {
			resp.Results[i] = sdk.Result{Title: "r" + strconv.Itoa(i), Status: sdk.StatusPass}
		}
		if json.NewEncoder(os.Stdout).Encode(resp) != nil {
			return 9
		}
		return 0
	case "orphan-then-hang": // args: pid file; leaves an orphan in a session of its own, then hangs
		exe, err := os.Executable()
		if err != nil {
			return 9
		}
		mid := exec.CommandContext(context.Background(), exe, providerSwitch, "orphan-maker", args[0])
		mid.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if mid.Run() != nil {
			return 9
		}
		time.Sleep(time.Hour)
		return 0
	case "orphan-maker": // args: pid file; starts a child and exits, orphaning it
		exe, err := os.Executable()
		if err != nil {
			return 9
		}
		child := exec.CommandContext(context.Background(), exe, providerSwitch, "term-ignoring-child", args[0])
		out, err := child.StdoutPipe()
		if err != nil || child.Start() != nil {
			return 9
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			return 9
		}
		return 0
	case "daemon": // args: pid file; leaves a child in a session of its own, then answers and exits
		return daemonProvider(args[0])
	case "term-ignoring-child": // args: pid file
		signal.Ignore(syscall.SIGTERM)
		tmp := args[0] + ".tmp"
		if os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())), 0o644) != nil || os.Rename(tmp, args[0]) != nil {
			return 9
		}
		fmt.Println("ready")
		time.Sleep(time.Hour)
		return 0
	case "flood":
		chunk := []byte(strings.Repeat("x", 32<<10))
		for {
			if _, err := os.Stdout.Write(chunk); err != nil {
				return 9
			}
		}
	case "stderr-flood": // HEAD, 1 MiB of filler, TAIL on stderr, then exit 1
		fmt.Fprint(os.Stderr, "HEAD-MARKER\n")
		filler := strings.Repeat("filler line\n", 1<<20/12)
		fmt.Fprint(os.Stderr, filler)
		fmt.Fprint(os.Stderr, "TAIL-MARKER\n")
		return 1
	case "counter": // args: dir, index, parallel, total
		return counterProvider(args[0], args[1], args[2], args[3])
	case "fifo": // args: dir; marks its start, tells the test through dir/fifo, then hangs
		if os.WriteFile(filepath.Join(args[0], "started-"+strconv.Itoa(os.Getpid())), nil, 0o644) != nil {
			return 9
		}
		f, err := os.OpenFile(filepath.Join(args[0], "fifo"), os.O_WRONLY, 0)
		if err != nil {
			return 9
		}
		_, _ = f.Write([]byte{'s'})
		_ = f.Close()
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown test provider %q\n", name)
	return 99
}

func spawnProvider(pidFile, mode string) int {
	exe, err := os.Executable()
	if err != nil {
		return 9
	}
	// No context: the test provider has none, and the child is meant to outlive it.
	child := exec.CommandContext(context.Background(), exe, providerSwitch, "term-ignoring-child", pidFile)
	child.Stderr = os.Stderr // the child holds the runner's stderr pipe open
	out, err := child.StdoutPipe()
	if err != nil {
		return 9
	}
	if err := child.Start(); err != nil {
		return 9
	}
	// Wait until the child ignores SIGTERM, so that only SIGKILL can stop it.
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		return 9
	}
	if mode == "exit" {
		_, _ = os.Stdout.WriteString(fixedResponse)
		return 0
	}
	time.Sleep(time.Hour)
	return 0
}

// daemonProvider starts a child that calls setsid (so the process-group kill misses it) and
// keeps none of the provider's pipes open (so the runner cannot notice it by them), then answers.
func daemonProvider(pidFile string) int {
	exe, err := os.Executable()
	if err != nil {
		return 9
	}
	child := exec.CommandContext(context.Background(), exe, providerSwitch, "term-ignoring-child", pidFile)
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := child.StdoutPipe()
	if err != nil {
		return 9
	}
	if err := child.Start(); err != nil {
		return 9
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		return 9
	}
	_, _ = os.Stdout.WriteString(fixedResponse)
	return 0
}

// counterProvider measures how many counter providers run at once: each keeps a marker file in
// dir while it runs, and waits (bounded) until parallel of them run or every task has started,
// so that the maximum is reached whenever the runner allows it.
func counterProvider(dir, index, parallelArg, totalArg string) int {
	parallel, _ := strconv.Atoi(parallelArg)
	total, _ := strconv.Atoi(totalArg)
	_, _ = io.Copy(io.Discard, os.Stdin)
	running := filepath.Join(dir, "running-"+index)
	if os.WriteFile(filepath.Join(dir, "started-"+index), nil, 0o644) != nil || os.WriteFile(running, nil, 0o644) != nil {
		return 9
	}
	count := func(prefix string) int {
		m, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
		return len(m)
	}
	maxSeen := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		n := count("running-")
		maxSeen = max(maxSeen, n)
		if n >= parallel || count("started-") >= total {
			break
		}
	}
	if os.Remove(running) != nil {
		return 9
	}
	resp := sdk.Response{Results: []sdk.Result{{Title: "counted", Status: sdk.StatusPass,
		Observations: []sdk.Observation{{Title: "concurrency", Evidence: map[string]any{"max_running": maxSeen}}}}}}
	if json.NewEncoder(os.Stdout).Encode(resp) != nil {
		return 9
	}
	return 0
}
