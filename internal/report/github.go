package report

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// annotationCap is how many annotations of one kind argus writes: GitHub shows at most 10
// error and 10 warning annotations per step and drops the rest silently.
const annotationCap = 10

// annotationMessageLimit keeps one annotation readable; the reports have the whole text.
const annotationMessageLimit = 4000

// GitHub writes what GitHub Actions reads from a step: workflow commands (masks, annotations)
// and the step summary. The caller decides that it runs under Actions (GITHUB_ACTIONS=true).
type GitHub struct {
	// W receives workflow commands; required. The runner reads them from stdout and stderr
	// alike, so stderr keeps stdout free for data.
	W io.Writer
	// SummaryPath is $GITHUB_STEP_SUMMARY; Summary does nothing when it is empty.
	SummaryPath string
	Opts        Options
}

// Report does all of GitHub mode in the order it must happen: masks first, so no later line
// can reveal a secret, then annotations, then the step summary.
func (g *GitHub) Report(run *result.Run) error {
	if err := g.Mask(); err != nil {
		return err
	}
	if err := g.Annotate(run); err != nil {
		return err
	}
	return g.Summary(run)
}

// Mask registers every secret with ::add-mask:: so the runner hides it in the log. It must
// run before anything else is printed. A multi-line secret is masked line by line, because
// the runner matches masks within one line.
func (g *GitHub) Mask() error {
	var vals []string
	for _, s := range g.Opts.Secrets {
		for l := range strings.SplitSeq(s, "\n") {
			if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" {
				vals = append(vals, l)
			}
		}
	}
	slices.Sort(vals)
	var b strings.Builder
	for _, v := range slices.Compact(vals) {
		fmt.Fprintf(&b, "::add-mask::%s\n", escapeData(v))
	}
	if _, err := io.WriteString(g.W, b.String()); err != nil {
		return fmt.Errorf("write GitHub masks: %w", err)
	}
	return nil
}

// Annotate writes an ::error annotation for each failed result and a ::warning for each
// result that could not be checked, at the job's block in the config (at most 10 of each,
// then a notice saying how many more the report has). The raw provider text behind them
// (multi-line reasons, stderr tails) follows in a collapsed group, between ::stop-commands::
// and a random token, so that nothing a provider prints can be taken as a workflow command.
func (g *GitHub) Annotate(run *result.Run) error {
	if run == nil {
		return errors.New("write GitHub annotations: no run to report")
	}
	n := normalize(run, g.Opts.Secrets)
	var b strings.Builder
	var details []jobResult
	var fails, errs int
	for _, jr := range flatten(n) {
		var cmd string
		if _, waived := jr.waiver(); waived {
			continue // accepted, not a problem to annotate: the step summary's Waived section lists it
		}
		switch jr.Result.Status {
		case sdk.StatusFail:
			fails++
			if fails > annotationCap {
				continue
			}
			cmd = "error"
		case sdk.StatusError:
			errs++
			if errs > annotationCap {
				continue
			}
			cmd = "warning"
		default:
			continue
		}
		details = append(details, jr)
		loc := location(n, *jr.Job)
		props := []string{
			"file=" + escapeProperty(relPath(g.Opts.BaseDir, loc.File)),
			fmt.Sprintf("line=%d", loc.Line),
		}
		if loc.Column > 0 {
			props = append(props, fmt.Sprintf("col=%d", loc.Column))
		}
		props = append(props, "title="+escapeProperty(fmt.Sprintf("%s: %s: %s", g.Opts.toolName(), jr.Job.Name, jr.Result.Title)))
		msg := strings.TrimSpace(jr.Result.Reason)
		if msg == "" {
			msg = jr.Result.Title
		}
		if jr.Result.Status == sdk.StatusError {
			msg = "The check could not be completed: " + msg
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(truncateRunes(msg, annotationMessageLimit)))
	}
	where := "the report"
	if g.Opts.FullReport != "" {
		where = g.Opts.FullReport
	}
	// Notices, not errors: an 11th error annotation would be dropped by GitHub itself.
	if fails > annotationCap {
		fmt.Fprintf(&b, "::notice title=%s::%s\n", escapeProperty(g.Opts.toolName()), escapeData(fmt.Sprintf("%d more failures are in %s", fails-annotationCap, where)))
	}
	if errs > annotationCap {
		fmt.Fprintf(&b, "::notice title=%s::%s\n", escapeProperty(g.Opts.toolName()), escapeData(fmt.Sprintf("%d more errors are in %s", errs-annotationCap, where)))
	}
	if len(details) > 0 {
		token, err := stopToken()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "::group::%s\n", escapeData(fmt.Sprintf("%s: details of %s", g.Opts.toolName(), plural(len(details), "annotated result"))))
		fmt.Fprintf(&b, "::stop-commands::%s\n", token)
		for _, jr := range details {
			fmt.Fprintf(&b, "%s %s: %s\n", strings.ToUpper(string(jr.Result.Status)), jr.Job.Name, jr.Result.Title)
			if reason := strings.TrimSpace(jr.Result.Reason); reason != "" {
				b.WriteString(indent(reason))
			}
			if jr.Result.Status == sdk.StatusError && strings.TrimSpace(jr.Job.Stderr) != "" {
				b.WriteString("  provider stderr (tail):\n")
				b.WriteString(indent(strings.TrimRight(jr.Job.Stderr, "\r\n")))
			}
		}
		fmt.Fprintf(&b, "::%s::\n", token)
		b.WriteString("::endgroup::\n")
	}
	if _, err := io.WriteString(g.W, b.String()); err != nil {
		return fmt.Errorf("write GitHub annotations: %w", err)
	}
	return nil
}

// Summary appends the Markdown summary of run to the step summary file, cut so that the file
// stays under Opts.SummaryLimit, with a note saying it was cut and where the full report is.
// An error here is worth a warning, not a failed run.
func (g *GitHub) Summary(run *result.Run) error {
	if g.SummaryPath == "" {
		return nil
	}
	if run == nil {
		return errors.New("write GitHub step summary: no run to report")
	}
	f, err := os.OpenFile(g.SummaryPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open GitHub step summary %q: %w", g.SummaryPath, err)
	}
	// Only for the early returns: the Close after the write is checked below.
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat GitHub step summary %q: %w", g.SummaryPath, err)
	}
	// The limit is on the whole file: earlier steps' writers in this step count too.
	budget := g.Opts.summaryLimit() - int(info.Size())
	sep := ""
	if info.Size() > 0 {
		sep = "\n"
	}
	budget -= len(sep)
	if budget <= 0 {
		return fmt.Errorf("write GitHub step summary %q: it is already %d bytes, at its limit of %d: see %s for the results", g.SummaryPath, info.Size(), g.Opts.summaryLimit(), orDefault(g.Opts.FullReport, "the reports"))
	}
	doc := sep + markdown(normalize(run, g.Opts.Secrets), g.Opts, budget)
	if _, err := f.WriteString(doc); err != nil {
		return fmt.Errorf("write GitHub step summary %q: %w", g.SummaryPath, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close GitHub step summary %q: %w", g.SummaryPath, err)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func indent(s string) string {
	var b strings.Builder
	for l := range strings.SplitSeq(s, "\n") {
		b.WriteString("  ")
		b.WriteString(strings.TrimRight(l, "\r"))
		b.WriteString("\n")
	}
	return b.String()
}

// stopToken is the random end marker of a ::stop-commands:: block. It must be unguessable:
// a provider that knew it could end the block and inject commands after it.
func stopToken() (string, error) {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", fmt.Errorf("generate stop-commands token: %w", err)
	}
	return "argus-" + hex.EncodeToString(buf[:]), nil
}

// GitHubLogWriter returns w for argus's log under GitHub Actions: a log line can quote provider
// text (its stderr, at debug level), and the runner takes the legacy form ##[command]data for a
// workflow command anywhere in a line. Each "##[" written through it gets a zero-width space
// after the bracket, which no command name starts with; the line reads the same. (The ::command::
// form needs the start of a line, where argus's log lines have their time or "{".) Each Write
// must hold whole lines, as slog's handlers write one record per call.
func GitHubLogWriter(w io.Writer) io.Writer { return legacyCommandWriter{w} }

type legacyCommandWriter struct{ w io.Writer }

func (l legacyCommandWriter) Write(p []byte) (int, error) {
	if !bytes.Contains(p, []byte("##[")) {
		return l.w.Write(p)
	}
	if _, err := l.w.Write(bytes.ReplaceAll(p, []byte("##["), []byte("##[\u200b"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// escapeData escapes the message of a workflow command as the runner unescapes it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value; ':' and ',' end a property.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
