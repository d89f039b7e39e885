package runner

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// jobTokenVar carries a random token per job in the provider's environment. Processes inherit
// it, so when one is re-parented to argus (a subreaper, see package procguard) after its
// provider exited, argus can tell which job it belongs to, even if it left the job's process
// group with setsid.
const jobTokenVar = "ARGUS_JOB_TOKEN" //nolint:gosec // G101: the name of a variable, not a credential; its value is a random per-job tag

// children is the registry of what argus started, shared by every Runner in the process
// because the thing it describes is process-wide: the children of this process. It is the one
// piece of package-level state here.
var children = &procTable{pids: map[int]bool{}, tokens: map[string]bool{}}

// procTable knows the providers that run and the tokens of their jobs. A sweep holds mu
// exclusively, starts hold it shared: a provider just forked, not yet registered (or not yet
// exec'd, so still showing argus's own environment), must never be taken for an orphan.
type procTable struct {
	mu     sync.RWMutex
	regMu  sync.Mutex      // orders concurrent starts' writes to the maps (they share mu)
	pids   map[int]bool    // running providers; each leads its own process group
	tokens map[string]bool // tokens of the jobs whose providers run

	forkOnce sync.Once
	forks    chan forkRequest
}

type forkRequest struct {
	cmd  *exec.Cmd
	done chan error
}

// procHandle is one started provider, for finish.
type procHandle struct {
	pid   int
	token string
}

func sysProcAttr() *syscall.SysProcAttr {
	// Pdeathsig: if argus dies, even of SIGKILL, the kernel kills the provider. It fires when the
	// thread that forked the provider ends, which is why every provider is forked from one
	// locked thread that lives as long as argus (startProvider).
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// startProvider starts cmd from the fork thread, with its job's token, and registers it.
func startProvider(cmd *exec.Cmd) (*procHandle, error) {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return nil, fmt.Errorf("generate job token: %w", err)
	}
	token := hex.EncodeToString(buf[:])
	cmd.Env = append(cmd.Env, jobTokenVar+"="+token)

	t := children
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := t.fork(cmd); err != nil {
		return nil, err
	}
	h := &procHandle{pid: cmd.Process.Pid, token: token}
	// Several starts hold the read lock at once: the maps need their own exclusion. A sweep
	// cannot run meanwhile, so this short critical section is all that is needed.
	t.regMu.Lock()
	t.pids[h.pid] = true
	t.tokens[token] = true
	t.regMu.Unlock()
	return h, nil
}

// fork runs cmd.Start on the fork thread: a goroutine locked to its OS thread for the life of
// the process. Pdeathsig fires when the thread that forked a provider ends, not when argus
// does, and the Go runtime may end a thread that a locked goroutine leaves; this one never does.
func (t *procTable) fork(cmd *exec.Cmd) error {
	t.forkOnce.Do(func() {
		t.forks = make(chan forkRequest)
		// Owned by the process: it must outlive every provider it forks, so it never returns.
		go func() {
			runtime.LockOSThread() // never unlocked: the thread must not end while argus runs
			for r := range t.forks {
				r.done <- r.cmd.Start()
			}
		}()
	})
	r := forkRequest{cmd: cmd, done: make(chan error, 1)}
	t.forks <- r
	return <-r.done
}

// tokenRetries is how many sweep rounds a live process without a readable token gets before
// it is killed as belonging to no job.
const tokenRetries = 3

// sweepBudget bounds how long one sweep keeps killing: a process that forks faster than it is
// killed must not keep argus from finishing.
const sweepBudget = 2 * time.Second

// finish unregisters the provider of h, whose process has been reaped and whose group has been
// sent SIGKILL, and kills every process that was left behind: what remains of its group, and
// every child of argus (an orphan re-parented to it) that belongs to no running job. It returns
// how many processes of this job had left its process group and were killed.
func finish(h *procHandle) (escaped int) {
	t := children
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pids, h.pid)
	delete(t.tokens, h.token)
	self, selfGroup := os.Getpid(), syscall.Getpgrp()
	counted := map[int]bool{}
	unread := map[int]int{} // rounds in which a process had no readable token
	deadline := time.Now().Add(sweepBudget)
	for time.Now().Before(deadline) {
		acted := false
		for _, pid := range childPids(self) {
			if t.pids[pid] {
				continue
			}
			group, state, ok := procStat(pid)
			if !ok {
				continue
			}
			token := environToken(pid)
			switch {
			case token != "" && t.tokens[token]:
				continue // a running job's, killed when that job ends
			case token == "" && (group == selfGroup || t.pids[group]):
				continue // argus's own child, or in a running provider's group
			}
			acted = true
			if state == 'Z' || state == 'X' {
				_, _ = unix.Wait4(pid, nil, unix.WNOHANG, nil)
				continue
			}
			if token == "" && unread[pid] < tokenRetries {
				// Its environment reads empty for a moment while it execs: look again before
				// killing it as nobody's, so that a job's own escapee is counted as such.
				unread[pid]++
				continue
			}
			if group == pid {
				_ = unix.Kill(-pid, unix.SIGKILL) // it leads a group of its own (setsid): all of it
			}
			_ = unix.Kill(pid, unix.SIGKILL)
			if token == h.token && group != h.pid && !counted[pid] {
				counted[pid] = true
				escaped++
			}
		}
		// Done once nothing was left to kill or reap and the job's group is empty: a member
		// still dying may yet hand its own children to argus.
		if !acted && errors.Is(unix.Kill(-h.pid, 0), unix.ESRCH) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	return escaped
}

// childPids lists the children of pid, from /proc/<pid>/task/*/children (one file per thread:
// an orphan is re-parented to some thread of the subreaper), or, on a kernel without that
// file, by scanning every process's parent.
func childPids(pid int) []int {
	if pids, ok := taskChildren(pid); ok {
		return pids
	}
	return scanChildren(pid)
}

func taskChildren(pid int) (pids []int, ok bool) {
	base := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(base)
	if err != nil {
		return nil, false
	}
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(base, task.Name(), "children")) //nolint:gosec // G304: a file under /proc/<argus>/task, named by the kernel
		if err != nil {
			continue
		}
		ok = true
		for f := range strings.FieldsSeq(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids, ok
}

func scanChildren(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := procPPid(n); ok && ppid == pid {
			pids = append(pids, n)
		}
	}
	return pids
}

// procFields returns the fields of /proc/<pid>/stat after the command name (which is in
// parentheses and may contain anything): state is [0], ppid [1], pgrp [2].
func procFields(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 3 {
		return nil
	}
	return f
}

func procStat(pid int) (group int, state byte, ok bool) {
	f := procFields(pid)
	if len(f) < 3 || f[0] == "" {
		return 0, 0, false
	}
	group, err := strconv.Atoi(f[2])
	return group, f[0][0], err == nil
}

func procPPid(pid int) (int, bool) {
	f := procFields(pid)
	if f == nil {
		return 0, false
	}
	n, err := strconv.Atoi(f[1])
	return n, err == nil
}

// environToken is the job token in pid's initial environment, or "" when it has none or its
// environment cannot be read (it made itself non-dumpable, or it is a zombie).
func environToken(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	prefix := []byte(jobTokenVar + "=")
	for kv := range bytes.SplitSeq(data, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, prefix); ok {
			return string(v)
		}
	}
	return ""
}
