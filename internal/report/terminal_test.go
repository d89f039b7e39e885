package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fatih/color"
	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

func terminalOutput(t *testing.T, colour bool, run *result.Run) string {
	t.Helper()
	var out bytes.Buffer
	term := &Terminal{W: &out, Color: colour, Secrets: []string{testSecret}}
	for _, j := range run.Jobs {
		if err := term.Job(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := term.Tally(run); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestTerminalPlain(t *testing.T) {
	run := fixtureRun()
	// A provider that tries to drive the terminal.
	run.Jobs[4].Results[0].Reason = "not a Windows host \x1b]0;owned\x07\x1b[2J"
	got := terminalOutput(t, false, run)
	want := `PASS    ssh-root-login  PasswordAuthentication is no
FAIL    ssh-root-login  PermitRootLogin is no [high] — sshd_config says | PermitRootLogin yes | … (4 more lines)
        waiver "old-ssh" expired on 2026-11-01: this failure counts again
PASS    etc-passwd-perms  /etc/passwd has mode 0644
ERROR   broken-provider  provider run [low]
        provider exited with status 2 (token ***)
        see stderr
WAIVED  tls-min-version  TLS 1.2 or later [critical] — server accepted TLS 1.0 ]]> after a CDATA end
        waived by "legacy-tls" until 2027-03-31: Old <load balancer> | replaced in Q1 (token ***) (approved by security@example.com)
SKIP    windows-only  registry key set — not a Windows host ]0;owned[2J
6 results: 2 pass, 1 fail, 1 waived, 1 error, 1 skip (5 jobs in 1.5s)
warning: waiver "old-ssh" (ci/waivers.hcl:15) expired on 2026-11-01 and no longer applies: renew it or fix the failure
warning: waiver "stale" (ci/waivers.hcl:9) matched no failure in this run: remove it if the failure is fixed
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("terminal output (-want +got):\n%s", diff)
	}
}

func TestTerminalColour(t *testing.T) {
	// The package must not depend on fatih/color's global switch, whatever its value.
	saved := color.NoColor
	t.Cleanup(func() { color.NoColor = saved })
	for _, global := range []bool{true, false} {
		color.NoColor = global
		if got := terminalOutput(t, false, fixtureRun()); strings.Contains(got, "\x1b[") {
			t.Errorf("Color off (global NoColor=%v) printed escape codes: %q", global, got)
		}
		got := terminalOutput(t, true, fixtureRun())
		for _, want := range []string{"\x1b[31;1mFAIL  \x1b[0;22m", "\x1b[32mPASS  \x1b[0m", "\x1b[33;1mERROR \x1b[0;22m", "\x1b[2mSKIP  \x1b[22m", "\x1b[36mWAIVED\x1b[0m", "\x1b[31;1m6 results"} {
			if !strings.Contains(got, want) {
				t.Errorf("Color on (global NoColor=%v) lacks %q: %q", global, want, got)
			}
		}
	}
}

func TestTerminalTally(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  *result.Run
		want string
	}{
		{"none due", emptyRun(), "No job was due: nothing ran.\n"},
		{"one", &result.Run{Started: t0, Ended: t0.Add(340 * time.Millisecond), Jobs: []result.Job{{
			Name: "a", Results: []sdk.Result{{Title: "x", Status: sdk.StatusPass}},
		}}}, "1 result: 1 pass, 0 fail, 0 error, 0 skip (1 job in 340ms)\n"},
		{"long", &result.Run{Started: t0, Ended: t0.Add(83*time.Second + 400*time.Millisecond), Jobs: []result.Job{{
			Name: "a", Results: []sdk.Result{{Title: "x", Status: sdk.StatusSkip}, {Title: "y", Status: sdk.StatusError}},
		}}}, "2 results: 0 pass, 0 fail, 1 error, 1 skip (1 job in 1m23s)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := (&Terminal{W: &out}).Tally(tc.run); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("tally = %q, want %q", out.String(), tc.want)
			}
		})
	}
}

func TestTerminalErrorReasonLines(t *testing.T) {
	reason := strings.Repeat("line\n", 8) + "last"
	var out bytes.Buffer
	err := (&Terminal{W: &out}).Job(result.Job{Name: "j", Results: []sdk.Result{{Title: "t", Status: sdk.StatusError, Reason: reason}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "ERROR   j  t [medium]\n" + strings.Repeat("        line\n", 5) + "        … (4 more lines)\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
