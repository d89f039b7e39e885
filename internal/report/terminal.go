package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// terminalReasonLines is how much of an error's reason the terminal shows; the reports have
// the rest.
const terminalReasonLines = 5

// Terminal is the human view of a run on a terminal: one line per result as each job finishes,
// then a tally.
type Terminal struct {
	W io.Writer // required
	// Color turns on ANSI colours. The caller decides (NO_COLOR, TTY, --color); the package
	// never looks at the environment or fatih/color's global switch.
	Color bool
	// Secrets are replaced by "***" in everything printed.
	Secrets []string
	// GitHub puts each job's lines between ::stop-commands:: and a random token, as the details
	// block of [GitHub.Annotate] does: under GitHub Actions the step's output is read for
	// workflow commands (::cmd:: at the start of a line, ##[cmd] anywhere in it), and these lines
	// carry provider text (titles, reasons).
	GitHub bool
}

func (t *Terminal) paint(attrs ...color.Attribute) *color.Color { return Paint(t.Color, attrs...) }

// Paint returns a colour that is on or off for this caller only: fatih/color's global switch
// (which decides from whether stdout is a terminal) is left alone, so that nothing depends on
// process-wide state. Every coloured output of argus goes through it.
func Paint(on bool, attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}

func (t *Terminal) badge(s sdk.Status) string {
	switch s {
	case sdk.StatusPass:
		return t.paint(color.FgGreen).Sprint("PASS  ")
	case sdk.StatusFail:
		return t.paint(color.FgRed, color.Bold).Sprint("FAIL  ")
	case sdk.StatusError:
		return t.paint(color.FgYellow, color.Bold).Sprint("ERROR ")
	case sdk.StatusSkip:
		return t.paint(color.Faint).Sprint("SKIP  ")
	case statusWaived:
		return t.paint(color.FgCyan).Sprint("WAIVED")
	}
	return fmt.Sprintf("%-6s", strings.ToUpper(string(s)))
}

// statusWaived is how views show a failure a waiver accepts. It is not a protocol status:
// the result's own status stays fail.
const statusWaived sdk.Status = "waived"

// Job prints one line per result of j, e.g.
//
//	PASS    etc-passwd-perms  /etc/passwd has mode 0644
//	FAIL    ssh-root-login  PermitRootLogin is off [high] — PermitRootLogin is yes
//	WAIVED  ssh-root-login  PermitRootLogin is off [high] — PermitRootLogin is yes
//	        waived by "legacy-ssh" until 2027-03-31: bastion host, replaced in Q1
//
// Failures, waived failures and errors show their severity. An error also shows the first
// lines of its reason, indented; a failure whose waiver has expired says so.
func (t *Terminal) Job(j result.Job) error {
	run := normalize(&result.Run{Jobs: []result.Job{j}}, t.Secrets)
	nj := run.Jobs[0]
	var b strings.Builder
	faint := t.paint(color.Faint)
	var token string
	if t.GitHub {
		var err error
		if token, err = stopToken(); err != nil {
			return fmt.Errorf("print results of job %q: %w", j.Name, err)
		}
		fmt.Fprintf(&b, "::stop-commands::%s\n", token)
	}
	for _, r := range nj.Results {
		status := r.Status
		w, waived := nj.Waiver(r)
		if waived {
			status = statusWaived
		}
		fmt.Fprintf(&b, "%s  %s  %s", t.badge(status), oneLine(nj.Name), oneLine(r.Title))
		if r.Status == sdk.StatusFail || r.Status == sdk.StatusError {
			fmt.Fprintf(&b, " [%s]", r.Severity)
		}
		reason := strings.TrimSpace(r.Reason)
		switch {
		case reason == "":
		case r.Status == sdk.StatusError:
			b.WriteString("\n")
			for l := range strings.SplitSeq(firstLines(reason, terminalReasonLines), "\n") {
				fmt.Fprintf(&b, "        %s\n", faint.Sprint(noControls(l)))
			}
			continue
		case r.Status != sdk.StatusPass:
			fmt.Fprintf(&b, " — %s", oneLine(firstLines(reason, 1)))
		}
		b.WriteString("\n")
		if waived {
			fmt.Fprintf(&b, "        %s\n", faint.Sprint(oneLine(waivedText(w))))
		} else if ew, ok := nj.ExpiredWaiver(r); ok {
			fmt.Fprintf(&b, "        %s\n", t.paint(color.FgYellow).Sprint(oneLine(fmt.Sprintf("waiver %q expired on %s: this failure counts again", ew.Name, ew.ExpiresText()))))
		}
	}
	if token != "" {
		fmt.Fprintf(&b, "::%s::\n", token)
	}
	if _, err := io.WriteString(t.W, b.String()); err != nil {
		return fmt.Errorf("print results of job %q: %w", j.Name, err)
	}
	return nil
}

// Tally prints the closing line: "12 results: 9 pass, 2 fail, 1 error, 0 skip (5 jobs in
// 1.2s)", or says plainly that no job was due.
func (t *Terminal) Tally(run *result.Run) error {
	var line string
	if len(run.Jobs) == 0 {
		line = "No job was due: nothing ran.\n"
	} else {
		tally := run.Tally()
		c := t.paint(color.FgGreen, color.Bold)
		switch {
		case tally.Fail > 0:
			c = t.paint(color.FgRed, color.Bold)
		case tally.Error > 0:
			c = t.paint(color.FgYellow, color.Bold)
		}
		line = fmt.Sprintf("%s (%s in %s)\n", c.Sprint(tallyText(tally)), plural(len(run.Jobs), "job"), durationText(run.Started, run.Ended))
		line += waiverWarnings(normalize(run, t.Secrets), t.paint(color.FgYellow))
	}
	if _, err := io.WriteString(t.W, line); err != nil {
		return fmt.Errorf("print tally: %w", err)
	}
	return nil
}

// waiverWarnings are the closing lines about waivers: each expired one that no longer waives
// a failure of this run, and each active one that waived nothing of a job that ran.
func waiverWarnings(run *result.Run, c *color.Color) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, j := range run.Jobs {
		for _, r := range j.Results {
			w, ok := j.ExpiredWaiver(r)
			if !ok || seen[w.Name] {
				continue
			}
			seen[w.Name] = true
			fmt.Fprintf(&b, "%s\n", c.Sprint(oneLine(fmt.Sprintf("warning: waiver %q%s expired on %s and no longer applies: renew it or fix the failure", w.Name, at(w), w.ExpiresText()))))
		}
	}
	for _, w := range run.UnusedWaivers {
		fmt.Fprintf(&b, "%s\n", c.Sprint(oneLine(fmt.Sprintf("warning: waiver %q%s matched no failure in this run: remove it if the failure is fixed", w.Name, at(w)))))
	}
	return b.String()
}

// at is " (file:line)" for a waiver whose declaration is known.
func at(w waiver.Waiver) string {
	if w.Where() == "" {
		return ""
	}
	return " (" + w.Where() + ")"
}

// oneLine folds line breaks so one result stays on one terminal line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(noControls(s)), " ")
}

// noControls drops control characters other than newline and tab, so that provider text
// cannot move the cursor, retitle the window or fake colours on the user's terminal.
func noControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
