package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fatih/color"

	"github.com/compliance-framework/argus/internal/result"
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
	// Order, when set, is the jobs' configuration order: Job holds back a finished job until
	// every job before it has been printed, so that the view reads like the configuration
	// rather than in completion order, and the job column is as wide as the longest name.
	Order []string
	// Quiet prints only failures, errors and the tally.
	Quiet bool

	pending  map[string]result.Job // finished, waiting for an earlier job in Order
	next     int                   // index in Order of the next job to print
	problems []string              // one line per fail or error result, repeated under the tally
}

// maxNameWidth caps the job column, so that one very long name does not push every title off
// the screen.
const maxNameWidth = 40

func (t *Terminal) nameWidth() int {
	w := 0
	for _, n := range t.Order {
		w = max(w, len([]rune(n)))
	}
	return min(w, maxNameWidth)
}

// pad left-aligns s in a column of width runes.
func pad(s string, width int) string {
	if n := len([]rune(s)); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

func (t *Terminal) paint(attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if t.Color {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}

func (t *Terminal) badge(s sdk.Status) string {
	switch s {
	case sdk.StatusPass:
		return t.paint(color.FgGreen).Sprint("PASS ")
	case sdk.StatusFail:
		return t.paint(color.FgRed, color.Bold).Sprint("FAIL ")
	case sdk.StatusError:
		return t.paint(color.FgYellow, color.Bold).Sprint("ERROR")
	case sdk.StatusSkip:
		return t.paint(color.Faint).Sprint("SKIP ")
	}
	return fmt.Sprintf("%-5s", strings.ToUpper(string(s)))
}

// Job prints one line per result of j, e.g.
//
//	PASS   etc-passwd-perms  /etc/passwd has mode 0644
//	FAIL   ssh-root-login  PermitRootLogin is off — PermitRootLogin is yes
//
// An error also shows the first lines of its reason, indented.
//
// With Order set, a job is printed once every job before it in Order has been.
func (t *Terminal) Job(j result.Job) error {
	if !slices.Contains(t.Order, j.Name) {
		return t.print(j)
	}
	if t.pending == nil {
		t.pending = map[string]result.Job{}
	}
	t.pending[j.Name] = j
	for t.next < len(t.Order) {
		pj, ok := t.pending[t.Order[t.next]]
		if !ok {
			break
		}
		delete(t.pending, pj.Name)
		t.next++
		if err := t.print(pj); err != nil {
			return err
		}
	}
	return nil
}

// flush prints the jobs still held back (those after a job that never finished: interrupted).
func (t *Terminal) flush() error {
	for ; t.next < len(t.Order); t.next++ {
		if pj, ok := t.pending[t.Order[t.next]]; ok {
			delete(t.pending, pj.Name)
			if err := t.print(pj); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *Terminal) print(j result.Job) error {
	run := normalize(&result.Run{Jobs: []result.Job{j}}, t.Secrets)
	nj := run.Jobs[0]
	width := t.nameWidth()
	var b strings.Builder
	for _, r := range nj.Results {
		problem := r.Status == sdk.StatusFail || r.Status == sdk.StatusError
		if problem {
			line := fmt.Sprintf("%s  %s  %s", t.badge(r.Status), oneLine(nj.Name), oneLine(r.Title))
			if reason := strings.TrimSpace(r.Reason); reason != "" {
				line += " — " + oneLine(firstLines(reason, 1))
			}
			t.problems = append(t.problems, line)
		}
		if t.Quiet && !problem {
			continue
		}
		fmt.Fprintf(&b, "%s  %s  %s", t.badge(r.Status), pad(oneLine(nj.Name), width), oneLine(r.Title))
		reason := strings.TrimSpace(r.Reason)
		switch {
		case reason == "":
		case r.Status == sdk.StatusError:
			b.WriteString("\n")
			for l := range strings.SplitSeq(firstLines(reason, terminalReasonLines), "\n") {
				fmt.Fprintf(&b, "       %s\n", t.paint(color.Faint).Sprint(noControls(l)))
			}
			continue
		case r.Status != sdk.StatusPass:
			fmt.Fprintf(&b, " — %s", oneLine(firstLines(reason, 1)))
		}
		b.WriteString("\n")
	}
	if _, err := io.WriteString(t.W, b.String()); err != nil {
		return fmt.Errorf("print results of job %q: %w", j.Name, err)
	}
	return nil
}

// Tally prints the closing line: "12 results: 9 pass, 2 fail, 1 error, 0 skip (5 jobs in
// 1.2s)", or says plainly that no job was due.
//
// Below it, the failures and errors are listed again, indented, one line each, so that a long
// run's problems need no scrolling (not with Quiet, where they are all just above).
func (t *Terminal) Tally(run *result.Run) error {
	if err := t.flush(); err != nil {
		return err
	}
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
		notDue := run.NotDue()
		line = fmt.Sprintf("%s (%s in %s", c.Sprint(tallyText(tally)), plural(len(run.Jobs)-notDue, "job"), durationText(run.Started, run.Ended))
		if notDue > 0 {
			// Their last results are in the reports, marked; they are not this run's.
			line += fmt.Sprintf("; %d not due", notDue)
		}
		line += ")\n"
	}
	if !t.Quiet && len(t.problems) > 0 {
		line += "Failures and errors:\n"
		for _, p := range t.problems {
			line += "  " + p + "\n"
		}
	}
	if _, err := io.WriteString(t.W, line); err != nil {
		return fmt.Errorf("print tally: %w", err)
	}
	return nil
}

// oneLine folds line breaks so one result stays on one terminal line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(noControls(s)), " ")
}

// noControls drops terminal control sequences and control characters other than newline and
// tab, so that provider text cannot move the cursor, retitle the window or fake colours on the
// user's terminal (see sanitize.go).
func noControls(s string) string { return plainText(s) }
