package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests of issue 15's process hardening (items 1 to 3): argus is started as a
// pipeline would start it, with local providers (shell scripts) that try to read, inherit or
// outlive what they should not.

// hardenDir is a work directory with the given providers (name → script) and a configuration
// with one job per provider, after `argus init`. When the test runs as root, argus runs as
// nobody, so that the providers run as an ordinary user, as argus's protections assume; the
// directory is then open to that user.
func hardenDir(t *testing.T, providers map[string]string, jobExtra string) (dir string, cred *syscall.Credential) {
	t.Helper()
	dir, err := os.MkdirTemp("", "argus-harden-") //nolint:usetesting // t.TempDir's parents are 0700: the providers run as nobody when the test is root
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		for _, d := range []string{dir, filepath.Dir(argusPath(t))} {
			if err := os.Chmod(d, 0o777); err != nil { //nolint:gosec // G302: the test's own temporary directory, opened to the unprivileged user argus runs as
				t.Fatal(err)
			}
		}
	}
	var hcl strings.Builder
	for name, script := range providers {
		path := filepath.Join(dir, "providers", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil { //nolint:gosec // G306: a provider must be executable
			t.Fatal(err)
		}
		hcl.WriteString("provider \"" + name + "\" {\n  source = \"./providers/" + name + "\"\n}\n")
		hcl.WriteString("job \"" + name + "\" {\n  provider = \"" + name + "\"\n  env_allow = [\"WORK\"]\n" + jobExtra + "}\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "main.argus.hcl"), []byte(hcl.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := hardenCmd(t, dir, cred, nil, "init").CombinedOutput(); err != nil {
		t.Fatalf("argus init: %v\n%s", err, out)
	}
	return dir, cred
}

func hardenCmd(t *testing.T, dir string, cred *syscall.Credential, env []string, args ...string) *exec.Cmd {
	cmd := argusCmd(t.Context(), t, dir, args...)
	cmd.Env = append(cmd.Env, "WORK="+dir)
	cmd.Env = append(cmd.Env, env...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd
}

// spyProvider reports, as its result's reason, what of argus it could reach: the environment
// argus was started with (/proc/<argus>/environ) and descriptors argus inherited.
const spyProvider = `#!/bin/sh
cat >/dev/null
found=""
if tr '\000' '\n' </proc/$PPID/environ 2>/dev/null | grep -q hunter2; then found="$found environ-secret"; fi
if [ "$(cat /proc/$PPID/comm)" != argus ]; then found="$found parent-is-not-argus"; fi
for f in /proc/$$/fd/*; do
  case "$(readlink "$f")" in *cron-wrapper.log*) found="$found inherited-fd-${f##*/}";; esac
done
status=pass
[ -n "$found" ] && status=fail
printf '{"results":[{"title":"spy","status":"%s","reason":"found:%s"}]}\n' "$status" "$found"
`

// A provider runs as argus's user but can neither read the environment argus was started with
// (argus is non-dumpable) nor use a descriptor the caller left open (a cron wrapper's log on
// fd 3: argus marks it close-on-exec at startup).
func TestProvidersCannotReachArgus(t *testing.T) {
	dir, cred := hardenDir(t, map[string]string{"spy": spyProvider}, "")
	log, err := os.Create(filepath.Join(dir, "cron-wrapper.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = log.Close() }()
	cmd := hardenCmd(t, dir, cred, []string{"TOP_SECRET=hunter2-in-argus-environment"}, "assess", "--all", "--report", "json=-")
	cmd.ExtraFiles = []*os.File{log}
	out, err := cmd.CombinedOutput()
	if !bytes.Contains(out, []byte(`"found:"`)) || err != nil {
		t.Errorf("the provider reached argus (%v):\n%s", err, out)
	}
}

// A provider that daemonises (a child in a new session, with none of the provider's pipes)
// escapes the process-group kill; argus kills it anyway when the job ends, and the job is an
// error.
func TestDaemonisingProviderDoesNotSurvive(t *testing.T) {
	dir, cred := hardenDir(t, map[string]string{"daemon": `#!/bin/sh
cat >/dev/null
setsid sh -c 'echo $$ >"$WORK/d.tmp"; mv "$WORK/d.tmp" "$WORK/daemon.pid"; exec sleep 300' </dev/null >/dev/null 2>&1 &
while [ ! -f "$WORK/daemon.pid" ]; do sleep 0.01; done
echo '{"results":[{"title":"daemonised","status":"pass"}]}'
`}, "")
	out, err := hardenCmd(t, dir, cred, nil, "assess", "--all").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !bytes.Contains(out, []byte("left its process group")) {
		t.Errorf("assess: %v, want exit 3 saying a process left the provider's group:\n%s", err, out)
	}
	pid := readPid(t, filepath.Join(dir, "daemon.pid"))
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the daemon (pid %d) survived argus assess", pid)
	}
}

// When argus itself is killed (SIGKILL, nothing runs its cleanup), the kernel kills the
// provider it was running: providers get Pdeathsig.
func TestKilledArgusTakesItsProviderWithIt(t *testing.T) {
	dir, cred := hardenDir(t, map[string]string{"sleeper": `#!/bin/sh
echo $$ >"$WORK/p.tmp"; mv "$WORK/p.tmp" "$WORK/provider.pid"
exec sleep 300
`}, "  timeout = \"5m\"\n")
	cmd := hardenCmd(t, dir, cred, nil, "assess", "--all")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "provider.pid")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(pidFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the provider did not start")
		}
	}
	pid := readPid(t, pidFile)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	for deadline := time.Now().Add(5 * time.Second); alive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the provider (pid %d) survived a SIGKILL of argus", pid)
		}
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// alive reports whether pid runs; a zombie (exited, not yet reaped by whoever adopted it) does
// not count.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i < 0 || i+2 >= len(data) || (data[i+2] != 'Z' && data[i+2] != 'X')
}
