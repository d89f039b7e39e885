package exitcode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/flock"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/outcome"
)

func TestDecide(t *testing.T) {
	interrupted, stop := context.WithCancelCause(context.Background())
	stop(&SignalError{Signal: syscall.SIGTERM})
	diags := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid expression"}}
	writeErr := errors.New(`write json report "r.json": permission denied`)
	pendingLine := `2 result(s) could not be delivered to the control plane; they wait in the outbox (see "argus outbox list")`

	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want Decision
	}{
		{"nil", nil, nil, Decision{Code: OK}},
		{"passed", nil, &outcome.Outcome{Kind: outcome.Passed}, Decision{Code: OK}},
		{"gate failed", nil, &outcome.Outcome{Kind: outcome.GateFailed}, Decision{Code: GateFailed}},
		{"incomplete", nil, &outcome.Outcome{Kind: outcome.Incomplete}, Decision{Code: Incomplete}},
		{"undelivered", nil, &outcome.Outcome{Kind: outcome.Undelivered, Pending: 2}, Decision{Code: Undelivered, Lines: []string{pendingLine}}},
		{"undelivered, already said", nil, &outcome.Outcome{Kind: outcome.Undelivered}, Decision{Code: Undelivered}},
		{"gate failed with a write error and pending results", nil, &outcome.Outcome{Kind: outcome.GateFailed, Pending: 2, Err: writeErr},
			Decision{Code: GateFailed, Lines: []string{pendingLine, "error: " + writeErr.Error()}}},
		{"interrupted by SIGTERM", interrupted, &outcome.Outcome{Kind: outcome.Interrupted, NotRun: 2, Kept: true},
			Decision{Code: 128 + Code(syscall.SIGTERM), Lines: []string{
				"stopped: 2 due job(s) did not run; they are due again on the next run",
				"finished results are kept in the outbox; the next run delivers them",
				"interrupted by terminated",
			}}},
		{"a failed state write stopped due jobs", nil, &outcome.Outcome{Kind: outcome.Incomplete, NotRun: 3, Err: writeErr},
			Decision{Code: Incomplete, Lines: []string{"3 due job(s) did not run; they are due again on the next run", "error: " + writeErr.Error()}}},
		{"crash", nil, &CrashError{Value: "boom", Stack: []byte("goroutine 1\n")},
			Decision{Code: Incomplete, Lines: []string{"internal error (a bug in argus; please report it with what follows): panic: boom", "goroutine 1"}}},
		{"interrupted during the final delivery", interrupted, &outcome.Outcome{Kind: outcome.Interrupted, Kept: true, Pending: 2},
			Decision{Code: 128 + Code(syscall.SIGTERM), Lines: []string{"finished results are kept in the outbox; the next run delivers them", "interrupted by terminated"}}},
		{"interrupted without a signal", nil, &outcome.Outcome{Kind: outcome.Interrupted, NotRun: 1},
			Decision{Code: Interrupted, Lines: []string{"stopped: 1 due job(s) did not run; they are due again on the next run"}}},
		{"cancelled by a signal", interrupted, fmt.Errorf("wait for state lock: %w", context.Canceled),
			Decision{Code: 128 + Code(syscall.SIGTERM), Lines: []string{"interrupted by terminated"}}},
		{"usage", nil, &outcome.UsageError{Err: errors.New("unknown flag --nope")},
			Decision{Code: Usage, Lines: []string{"error: unknown flag --nope"}, Hint: `run "argus --help" to see the commands and their flags`}},
		{"configuration diagnostics, already printed", nil, &outcome.ReportedError{Err: diags}, Decision{Code: Usage}},
		{"silent provider code", nil, &SilentError{Code: 7}, Decision{Code: 7}},
		{"state lock held", nil, &flock.HeldError{Path: "state.lock", Holder: "pid 1", Err: context.DeadlineExceeded},
			Decision{Code: Usage, Lines: []string{"error: " + (&flock.HeldError{Path: "state.lock", Holder: "pid 1", Err: context.DeadlineExceeded}).Error()},
				Hint: "another argus run on the same state is still going; wait for it, raise --lock-timeout, or use a different --state-dir"}},
		{"unknown job", nil, &assess.UnknownJobError{Names: []string{"x"}, Suggestions: map[string][]string{"x": {"xa"}}, Known: 2},
			Decision{Code: Usage, Lines: []string{`error: no job named "x" in the configuration; did you mean "xa"? (the configuration has 2 jobs)`}, Hint: `run "argus plan --all" to list the jobs`}},
		{"provider not installed", nil, &assess.ProviderError{Job: "j", Provider: "p", Err: errors.New("not installed")},
			Decision{Code: Usage, Lines: []string{`error: job "j": provider "p": not installed`}, Hint: `run "argus init" to install and verify the providers the configuration names`}},
		{"providers that do not verify", nil, &install.UnverifiedError{Count: 2},
			Decision{Code: Usage, Lines: []string{"error: 2 provider(s) are not installed or do not verify"}, Hint: `run "argus init" to install and verify the providers the configuration names`}},
		{"corrupt outbox item", nil, &outbox.CorruptError{Path: "o/x.json", Err: errors.New("unexpected EOF")},
			Decision{Code: Usage, Lines: []string{`error: outbox item "o/x.json" is corrupt: unexpected EOF`}, Hint: `inspect the file; once it is saved or known to be worthless, remove it with "argus outbox drop ID"`}},
		{"drop of an unknown item", nil, &outbox.NotFoundError{IDs: []string{"a", "b"}},
			Decision{Code: Usage, Lines: []string{"error: drop: no outbox item a, b"}, Hint: `run "argus outbox list" to see the IDs of the waiting results`}},
		{"any other error", nil, errors.New("boom"), Decision{Code: Usage, Lines: []string{"error: boom"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if diff := cmp.Diff(tt.want, Decide(ctx, tt.err)); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
		})
	}
}

// Every kind of outcome has its own code, and no two kinds share one.
func TestEveryOutcomeHasACode(t *testing.T) {
	want := map[outcome.Kind]Code{
		outcome.Passed:      OK,
		outcome.GateFailed:  GateFailed,
		outcome.Incomplete:  Incomplete,
		outcome.Undelivered: Undelivered,
		outcome.Interrupted: Interrupted,
	}
	for k := outcome.Passed; k <= outcome.Interrupted; k++ {
		code, ok := want[k]
		if !ok {
			t.Fatalf("outcome %v has no row in this test", k)
		}
		if got := Decide(context.Background(), &outcome.Outcome{Kind: k}).Code; got != code {
			t.Errorf("%v: code %d, want %d", k, got, code)
		}
	}
}

type kinded outcome.Outcome

func (k kinded) ExitOutcome() *outcome.Outcome { o := outcome.Outcome(k); return &o }

func TestResult(t *testing.T) {
	boom := errors.New("boom")
	if err := Result(kinded{Kind: outcome.GateFailed}, boom); !errors.Is(err, boom) {
		t.Errorf("an error wins: got %v", err)
	}
	if err := Result(kinded{Kind: outcome.Passed}, nil); err != nil {
		t.Errorf("a quiet pass is nil: got %v", err)
	}
	var out *outcome.Outcome
	if err := Result(kinded{Kind: outcome.Passed, Pending: 1}, nil); !errors.As(err, &out) || out.Pending != 1 {
		t.Errorf("a pass with pending results must reach Decide: got %v", err)
	}
}

func TestPrint(t *testing.T) {
	var b bytes.Buffer
	Decision{Code: Usage, Lines: []string{"error: x"}, Hint: "do y"}.Print(&b)
	if got, want := b.String(), "argus: error: x\nargus: hint: do y\n"; got != want {
		t.Errorf("Print = %q, want %q", got, want)
	}
}
