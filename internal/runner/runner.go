package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/compliance-framework/argus/sdk"
)

// Defaults for the zero values of [Runner]'s fields.
const (
	DefaultOutputLimit = 16 << 20
	DefaultStderrLimit = 32 << 10
	DefaultGrace       = 5 * time.Second
	DefaultMaxResults  = 10_000
)

// remarksTail is about how much of a failed provider's stderr goes into its error result's
// remarks; the whole bounded stderr is in [Outcome.Stderr].
const remarksTail = 4 << 10

// Runner runs provider processes. The zero value is ready to use; a Runner may be used by many
// goroutines at once.
type Runner struct {
	OutputLimit int64         // max stdout bytes; 0 means DefaultOutputLimit (16 MiB)
	StderrLimit int           // bytes of stderr kept, half head and half tail; 0 means DefaultStderrLimit (32 KiB)
	Grace       time.Duration // from SIGTERM to SIGKILL; 0 means DefaultGrace (5s)
	MaxResults  int           // results kept of one job, the excess becoming one error result; 0 means DefaultMaxResults (10,000)
	BaseEnv     []string      // where PATH, HOME, TMPDIR, LANG and env_allow values come from; nil means os.Environ()
	TempDir     string        // parent of the per-job working directories; "" means os.TempDir()
	Logger      *slog.Logger  // provider stderr is streamed here at debug level; nil discards
	// Hint is the advice that ends a failure's reason, such as which argus command fixes it
	// (exitcode.FailureHint: this package names no argus command); nil adds none.
	Hint func(error) string
}

// Command is a provider executable and its arguments. Built-in providers are argus itself with
// arguments such as ["__builtin", "file"].
type Command struct {
	Path string
	Args []string
}

// Task is one job for one provider.
type Task struct {
	Command Command
	// Request is sent on stdin. Run sets Protocol, and Deadline when it is zero and Timeout is set.
	Request sdk.Request
	// Timeout bounds the provider's run, from start to exit; 0 means no limit but the context's.
	Timeout time.Duration
	// EnvAllow names variables of Runner.BaseEnv passed to the provider (the job's env_allow).
	// ARGUS_* names are never passed.
	EnvAllow []string
}

// Outcome is what running one task produced.
type Outcome struct {
	// Results is never empty. When the provider did not answer validly it is a single result
	// with status "error" whose Reason says what happened and whose Remarks hold the stderr tail.
	Results []sdk.Result
	// Stderr is the provider's stderr, head and tail, at most StderrLimit bytes plus a marker
	// saying how much was omitted.
	Stderr     string
	Start, End time.Time
	// Failure is nil when the provider's results stand. Otherwise it says why they do not, as one
	// of *NotStartedError, *StartError, *TimeoutError, *InterruptedError, *ExitError,
	// *EscapedError, *OutputError or *ResultsError (or, rarely, an I/O error of argus itself).
	// With a *ResultsError the results that can stand are kept, next to error results.
	Failure error
}

// Run runs one task to completion and reports what happened. It returns once the provider and
// every process left in its process group are gone and its working directory is removed, or,
// when ctx is done, after at most the grace period. Run never returns a Go error: a failure is an
// [Outcome] with an error result.
func (r *Runner) Run(ctx context.Context, t Task) Outcome {
	start := time.Now()
	if ctx.Err() != nil {
		return r.failed(start, time.Now(), "", &NotStartedError{Cause: context.Cause(ctx)})
	}
	dir, err := os.MkdirTemp(r.TempDir, "argus-job-")
	if err != nil {
		return r.failed(start, time.Now(), "", fmt.Errorf("create working directory for provider: %w", err))
	}
	defer r.removeDir(dir)

	out, stderr, err := r.execute(ctx, t, dir, start)
	end := time.Now()
	if err == nil {
		var resp sdk.Response
		if resp, err = decode(out); err == nil {
			r.logger().LogAttrs(ctx, slog.LevelDebug, "provider finished", slog.String("job", t.Request.Job.Name),
				slog.Duration("duration", end.Sub(start)), slog.Int("results", len(resp.Results)))
			results, problem := vetResults(resp.Results, r.maxResults())
			o := Outcome{Results: results, Stderr: stderr, Start: start, End: end}
			if problem != nil { // not a typed nil in the interface
				o.Failure = problem
			}
			return o
		}
		err = &OutputError{Err: err}
	}
	r.logger().LogAttrs(ctx, slog.LevelDebug, "provider failed", slog.String("job", t.Request.Job.Name),
		slog.Duration("duration", end.Sub(start)), slog.String("error", err.Error()))
	return r.failed(start, end, stderr, err)
}

// execute starts the provider in dir, feeds it the request and collects its output. A nil error
// means the provider exited 0 and out is its complete stdout, not yet decoded.
func (r *Runner) execute(ctx context.Context, t Task, dir string, start time.Time) (out []byte, stderr string, err error) {
	req := t.Request
	req.Protocol = sdk.ProtocolVersion
	if req.Deadline.IsZero() && t.Timeout > 0 {
		req.Deadline = start.Add(t.Timeout).UTC()
	}
	input, err := json.Marshal(req)
	if err != nil {
		return nil, "", fmt.Errorf("encode provider request: %w", err)
	}

	runCtx := ctx
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeoutCause(ctx, t.Timeout, &TimeoutError{Timeout: t.Timeout})
		defer cancel()
	}
	grace := r.grace()
	path := t.Command.Path
	if strings.ContainsRune(path, os.PathSeparator) || strings.Contains(path, "/") {
		// exec resolves a relative path against cmd.Dir, the job's empty working directory;
		// the caller means argus's own working directory.
		if path, err = filepath.Abs(path); err != nil {
			return nil, "", &StartError{Path: t.Command.Path, Err: err}
		}
	}
	cmd := exec.CommandContext(runCtx, path, t.Command.Args...) //nolint:gosec // G204: running the job's provider is the runner's purpose; the caller resolves it to argus itself (built-ins) or a verified entry point in the provider cache
	cmd.Dir = dir
	cmd.Env = providerEnv(r.baseEnv(), t.EnvAllow)
	var stopAt atomic.Int64 // when the provider was asked to stop (unix nanos), 0 if never
	isolate(cmd, func() { stopAt.Store(time.Now().UnixNano()) })
	cmd.WaitDelay = grace // then exec kills the leader; killGroup below gets the rest

	// The pipes are ours rather than exec's: exec would make Wait wait for every process that
	// inherited them, while we want Wait to return when the provider exits so that we can kill
	// what it left behind.
	var p pipes
	if err := p.open(); err != nil {
		return nil, "", err
	}
	defer p.closeParent()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.inR, p.outW, p.errW
	proc, err := startProvider(cmd)
	p.closeChild()
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", &NotStartedError{Cause: context.Cause(ctx)}
		}
		return nil, "", &StartError{Path: t.Command.Path, Err: unwrapStart(err)}
	}
	pid := cmd.Process.Pid
	r.logger().LogAttrs(ctx, slog.LevelDebug, "provider started", slog.String("job", t.Request.Job.Name),
		slog.String("path", t.Command.Path), slog.Int("pid", pid))

	var feeding sync.WaitGroup
	feeding.Go(func() {
		// A provider may exit without reading stdin: the write then fails, which is fine.
		_, _ = p.inW.Write(input)
		_ = p.inW.Close()
	})
	limit := r.outputLimit()
	var overflow bool
	var readErr error
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		out, readErr = io.ReadAll(io.LimitReader(p.outR, limit+1))
		if int64(len(out)) > limit {
			out, overflow = out[:limit], true
			killGroup(pid) // no grace: the provider is broken, and nobody reads its output any more
		}
	}()
	tail := newHeadTail(r.stderrLimit())
	var errSink io.Writer = tail
	var lines *lineLogger
	if lg := r.logger(); lg.Enabled(ctx, slog.LevelDebug) {
		lines = &lineLogger{ctx: ctx, logger: lg, attrs: []slog.Attr{slog.String("job", t.Request.Job.Name), slog.Int("pid", pid)}}
		errSink = io.MultiWriter(tail, lines)
	}
	errDone := make(chan struct{})
	go func() {
		defer close(errDone)
		_, _ = io.Copy(errSink, p.errR)
		if lines != nil {
			lines.flush()
		}
	}()

	waitErr := cmd.Wait()
	// The provider is reaped, but its process group lives on while any member does. Members that
	// were asked to stop get what is left of the grace period to finish; then the group is killed.
	if at := stopAt.Load(); at != 0 {
		waitClosed(time.Until(time.Unix(0, at).Add(grace)), outDone, errDone)
	}
	killGroup(pid)
	// On Linux, the processes of this job that left its group (setsid) and were re-parented to
	// argus are killed here; elsewhere they are only noticed by holding the pipes open, below.
	killed := finish(proc)
	escaped := killed > 0
	if !waitClosed(grace, outDone, errDone) {
		// Something outside the group (it called setsid) holds the pipes open: stop reading.
		escaped = true
		now := time.Now()
		_ = p.outR.SetReadDeadline(now)
		_ = p.errR.SetReadDeadline(now)
		<-outDone
		<-errDone
	}
	_ = p.inW.Close() // unblocks the feeder if the provider never read its input
	feeding.Wait()
	stderr = tail.String()

	var timeout *TimeoutError
	switch {
	case overflow:
		return nil, stderr, &OutputError{Limit: limit, Exceeded: true}
	case stopAt.Load() != 0 && errors.As(context.Cause(runCtx), &timeout) && ctx.Err() == nil:
		return nil, stderr, timeout
	case stopAt.Load() != 0:
		return nil, stderr, &InterruptedError{Cause: context.Cause(ctx)}
	case waitErr != nil:
		var exitErr *exec.ExitError
		if errors.As(waitErr, &exitErr) {
			code, sig := exitDetail(exitErr.ProcessState)
			return nil, stderr, &ExitError{Code: code, Signal: sig}
		}
		return nil, stderr, fmt.Errorf("wait for provider %q: %w", t.Command.Path, waitErr)
	case escaped:
		return nil, stderr, &EscapedError{Killed: killed}
	case readErr != nil:
		return nil, stderr, &OutputError{Err: fmt.Errorf("read provider stdout: %w", readErr)}
	}
	return out, stderr, nil
}

// vetResults holds a valid response to the rules that make its results deliverable. At most
// limit results are kept, the excess becoming one error result. Titles must be unique within a
// job, since a result's title is part of its stream's identity: results that share a title are
// replaced by one error result of that title, so that the stream records that its state is
// unknown rather than whichever of the conflicting statuses arrived last.
func vetResults(results []sdk.Result, limit int) ([]sdk.Result, *ResultsError) {
	var problem ResultsError
	if len(results) > limit {
		problem.Returned, problem.Limit = len(results), limit
		results = results[:limit]
	}
	count := make(map[string]int, len(results))
	for _, res := range results {
		count[res.Title]++
	}
	for title, n := range count {
		if n > 1 {
			problem.Duplicates = append(problem.Duplicates, title)
		}
	}
	if problem.Returned == 0 && len(problem.Duplicates) == 0 {
		return results, nil
	}
	slices.Sort(problem.Duplicates)
	out := make([]sdk.Result, 0, len(results)+1)
	for _, res := range results {
		if count[res.Title] == 1 {
			out = append(out, res)
		}
	}
	for _, title := range problem.Duplicates {
		out = append(out, sdk.Result{Title: title, Status: sdk.StatusError, Reason: fmt.Sprintf(
			"the provider returned %d results titled %q: titles must be unique within a job (each is a stream of its own), so argus cannot tell which status stands", count[title], title)})
	}
	if problem.Returned > 0 {
		out = append(out, sdk.Result{Title: "too many results", Status: sdk.StatusError, Reason: fmt.Sprintf(
			"the provider returned %d results; argus kept the first %d (raise --max-results if the job really has that many checks)", problem.Returned, problem.Limit)})
	}
	return out, &problem
}

// decode checks a provider's stdout as a protocol v1 response.
func decode(out []byte) (sdk.Response, error) {
	if len(bytes.TrimSpace(out)) == 0 {
		return sdk.Response{}, errors.New("provider exited with status 0 but printed nothing on stdout")
	}
	return sdk.DecodeResponse(out)
}

// failed turns a failure into an outcome with one error result.
func (r *Runner) failed(start, end time.Time, stderr string, err error) Outcome {
	res := sdk.Result{Title: "provider failed", Status: sdk.StatusError, Reason: err.Error()}
	if r.Hint != nil {
		res.Reason += r.Hint(err)
	}
	if s := strings.TrimSpace(stderr); s != "" {
		if last := lastLine(s); last != "" {
			res.Reason += "; last stderr line: " + last
		}
		res.Remarks = "provider stderr:\n" + excerpt(s, remarksTail)
	}
	return Outcome{Results: []sdk.Result{res}, Stderr: stderr, Start: start, End: end, Failure: err}
}

// lastLine returns the last line of s, shortened to fit in a one-line reason.
func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	const maxLen = 300
	if len(s) > maxLen {
		s = strings.ToValidUTF8(s[:maxLen], "") + "…"
	}
	return s
}

// unwrapStart drops exec's "fork/exec <path>:" prefix, since StartError names the path itself.
func unwrapStart(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// waitClosed waits up to d for every channel to be closed and reports whether they were.
func waitClosed(d time.Duration, chans ...<-chan struct{}) bool {
	timer := time.NewTimer(max(d, 0))
	defer timer.Stop()
	for _, c := range chans {
		select {
		case <-c:
		default:
			select {
			case <-c:
			case <-timer.C:
				return false
			}
		}
	}
	return true
}

// pipes are the provider's stdin, stdout and stderr: child ends go to the process, parent ends
// stay with the runner.
type pipes struct {
	inR, inW   *os.File
	outR, outW *os.File
	errR, errW *os.File
}

func (p *pipes) open() error {
	var err error
	if p.inR, p.inW, err = os.Pipe(); err != nil {
		return fmt.Errorf("create stdin pipe for provider: %w", err)
	}
	if p.outR, p.outW, err = os.Pipe(); err != nil {
		p.closeChild()
		p.closeParent()
		return fmt.Errorf("create stdout pipe for provider: %w", err)
	}
	if p.errR, p.errW, err = os.Pipe(); err != nil {
		p.closeChild()
		p.closeParent()
		return fmt.Errorf("create stderr pipe for provider: %w", err)
	}
	return nil
}

func (p *pipes) closeChild() {
	for _, f := range []*os.File{p.inR, p.outW, p.errW} {
		if f != nil {
			_ = f.Close()
		}
	}
}

func (p *pipes) closeParent() {
	for _, f := range []*os.File{p.inW, p.outR, p.errR} {
		if f != nil {
			_ = f.Close()
		}
	}
}

// removeDir removes a job's working directory, including directories the provider made
// unwritable, and logs (rather than fails the job) when it cannot.
func (r *Runner) removeDir(dir string) {
	if syscall.Rmdir(dir) == nil { // the common case, a provider that left nothing: one system call
		return
	}
	if err := os.RemoveAll(dir); err == nil {
		return
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o700) //nolint:gosec // G302: a directory of the job's own, made traversable and writable by its owner only so that it can be removed
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		r.logger().Warn("remove provider working directory", slog.String("dir", dir), slog.String("error", err.Error()))
	}
}

func (r *Runner) outputLimit() int64 {
	if r.OutputLimit > 0 {
		return r.OutputLimit
	}
	return DefaultOutputLimit
}

func (r *Runner) stderrLimit() int {
	if r.StderrLimit > 0 {
		return r.StderrLimit
	}
	return DefaultStderrLimit
}

func (r *Runner) maxResults() int {
	if r.MaxResults > 0 {
		return r.MaxResults
	}
	return DefaultMaxResults
}

func (r *Runner) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return DefaultGrace
}

func (r *Runner) baseEnv() []string {
	if r.BaseEnv != nil {
		return r.BaseEnv
	}
	return os.Environ()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}
