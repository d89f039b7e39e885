package main

import (
	"context"
	"errors"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/ocitest"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// TestMain lets the test binary stand in for the argus binary (and the test tools) inside the
// scripts under testdata/script: testscript puts copies of it on $PATH under these names.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"argus": func() { os.Exit(run()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the real argus binary.
func TestScripts(t *testing.T) {
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("ARGUS_UPDATE_SCRIPTS") == "1",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			env.Setenv("PLATFORM", runtime.GOOS+"_"+runtime.GOARCH)
			home := filepath.Join(env.WorkDir, ".home")
			env.Setenv("HOME", home)
			env.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
			// The scripts describe argus outside CI; a CI runner's own variables must not leak in.
			for _, v := range []string{"CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR"} {
				env.Setenv(v, "")
			}
			// Every script gets its own fake control plane at $FAKECP_URL, accepting these
			// agent credentials.
			env.Setenv("FAKECP_CLIENT_ID", "argus-agent")
			env.Setenv("FAKECP_CLIENT_SECRET", "s3cret-value")
			// Waiver expiries relative to today, so that the waiver scripts mean the same on
			// any day they run (argus checks expiries against the real clock).
			today := time.Now().UTC()
			for name, days := range map[string]int{"WAIVER_OK": 90, "WAIVER_SOON": 7, "WAIVER_EXPIRED": -3, "WAIVER_TOO_FAR": 400} {
				env.Setenv(name, today.AddDate(0, 0, days).Format("2006-01-02"))
			}
			return cptest.Setup(env)
		},
		Cmds: scriptCmds(t),
	})
}

func scriptCmds(t *testing.T) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	regs := &scriptRegistries{t: t, m: map[*testscript.TestScript]*registrytest.Registry{}}
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exits":      cmdExits,
		"waitfile":   cmdWaitFile,
		"interrupt":  cmdInterrupt,
		"registry":   regs.cmd,
		"executable": writeExecutable,
		"httpserve":  (&httpServers{m: map[*testscript.TestScript]*httptest.Server{}}).cmd,
		"ocireg":     (&ociRegistries{t: t, m: map[*testscript.TestScript]*ocitest.Registry{}}).cmd,
	}
	maps.Copy(cmds, cptest.Cmds())
	return cmds
}

// cmdExits runs a program and checks its exit code: `exits 3 argus assess ...`, or
// `exits 0,1 ...` when either is right. stdout and stderr are kept for the next assertions.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE[,CODE...] program [args...]")
	}
	var want []int
	for _, s := range strings.Split(args[0], ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			ts.Fatalf("exits: bad code %q", s)
		}
		want = append(want, n)
	}
	err := ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if !slices.Contains(want, got) {
		ts.Fatalf("%s exited with %d, want %s", args[1], got, args[0])
	}
}

// cmdWaitFile waits until a file exists: `waitfile started` (at most 30s). Scripts use it to
// line up with a background process instead of sleeping.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfile: %s did not appear within 30s", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdInterrupt starts a program, waits until a file exists, sends the program a signal and
// checks its exit code: `interrupt TERM 143 started argus assess ...`.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: interrupt INT|TERM|KILL CODE FILE program [args...]")
	}
	sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL}[args[0]]
	if sig == 0 {
		ts.Fatalf("interrupt: unknown signal %q", args[0])
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	path, err := exec.LookPath(args[3])
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args[4:]...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = scriptEnv(ts)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ts.Check(cmd.Start())
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	file := ts.MkAbs(args[2])
	for {
		if _, err := os.Stat(file); err == nil {
			break
		}
		select {
		case err := <-waited:
			ts.Logf("[stdout]\n%s[stderr]\n%s", stdout.String(), stderr.String())
			ts.Fatalf("interrupt: %s exited (%v) before %s appeared", args[3], err, args[2])
		case <-time.After(20 * time.Millisecond):
		}
	}
	ts.Check(cmd.Process.Signal(sig))
	err = <-waited
	ts.Logf("[stdout]\n%s[stderr]\n%s", stdout.String(), stderr.String())
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			got = 128 + int(ws.Signal())
		}
	} else if err != nil {
		ts.Fatalf("interrupt: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d after SIG%s, want %d", args[3], got, args[0], want)
	}
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stdout"), []byte(stdout.String()), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stderr"), []byte(stderr.String()), 0o644))
}

// scriptEnv is the environment the script's own exec would use.
func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	for _, k := range []string{"WORK", "HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "REPO", "PATH", "TMPDIR"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}
