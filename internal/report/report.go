package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/atomicfile"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// DefaultSummaryLimit is the default size cap of the GitHub step summary. GitHub refuses a
// step summary over 1 MiB; the margin leaves room for the note that says the summary was cut.
const DefaultSummaryLimit = 1<<20 - 16<<10

// DefaultCategory is the default SARIF automationDetails.id: GitHub code scanning keeps the
// alerts of each category apart, so a second argus upload in the same repository needs its own.
const DefaultCategory = "argus/"

// Options are the inputs every format shares. The zero value is usable.
type Options struct {
	ToolName    string // default "argus"
	ToolVersion string // argus's version; "unknown" when empty
	// Secrets are values that must never appear in any output (control-plane credentials and the
	// like). They are replaced by "***"; in GitHub mode they are also registered with
	// ::add-mask:: so the runner hides them from the log.
	Secrets []string
	// SummaryLimit caps the bytes argus adds to $GITHUB_STEP_SUMMARY; 0 means
	// DefaultSummaryLimit.
	SummaryLimit int
	// BaseDir, when set, is the directory that file paths in SARIF, JUnit and annotations are
	// made relative to (the repository root in CI), because GitHub resolves them from there.
	BaseDir string
	// Category is SARIF's runAutomationDetails.id; DefaultCategory when empty.
	Category string
	// FullReport says where the complete report is (a path or an artifact name); the step
	// summary names it when it has to be cut.
	FullReport string
	// Stdout is where WriteFile writes for the path "-". Required only for that path.
	Stdout io.Writer
}

func (o Options) toolName() string {
	if o.ToolName == "" {
		return "argus"
	}
	return o.ToolName
}

func (o Options) toolVersion() string {
	if strings.TrimSpace(o.ToolVersion) == "" {
		return "unknown"
	}
	return strings.TrimSpace(o.ToolVersion)
}

func (o Options) summaryLimit() int {
	if o.SummaryLimit <= 0 {
		return DefaultSummaryLimit
	}
	return o.SummaryLimit
}

func (o Options) category() string {
	if o.Category == "" {
		return DefaultCategory
	}
	return o.Category
}

type renderer func(w io.Writer, run *result.Run, opts Options) error

// formats is the list of formats in the order Formats reports them. It is a function rather
// than a package variable so there is no global mutable state.
func formats() []struct {
	name   string
	render renderer
} {
	return []struct {
		name   string
		render renderer
	}{
		{"json", writeJSON},
		{"oscal", writeOSCAL},
		{"sarif", writeSARIF},
		{"junit", writeJUnit},
		{"markdown", writeMarkdown},
		{"codequality", writeCodeQuality},
	}
}

// Formats lists the report formats Write accepts.
func Formats() []string {
	var names []string
	for _, f := range formats() {
		names = append(names, f.name)
	}
	return names
}

func lookup(format string) (renderer, error) {
	for _, f := range formats() {
		if f.name == format {
			return f.render, nil
		}
	}
	return nil, fmt.Errorf("unknown report format %q: use one of %s", format, strings.Join(Formats(), ", "))
}

// Write renders run in format to w. Secrets are redacted and the run is put in a stable order
// first; run itself is not modified.
func Write(w io.Writer, format string, run *result.Run, opts Options) error {
	render, err := lookup(format)
	if err != nil {
		return err
	}
	if run == nil {
		return errors.New("render report: no run to report")
	}
	if err := render(w, normalize(run, opts.Secrets), opts); err != nil {
		return fmt.Errorf("render %s report: %w", format, err)
	}
	return nil
}

// WriteFile renders run in format to path: "-" writes to opts.Stdout, any other path is
// replaced atomically (the report is rendered in full first, so a failed render leaves the
// previous file untouched).
func WriteFile(path, format string, run *result.Run, opts Options) error {
	var buf bytes.Buffer
	if err := Write(&buf, format, run, opts); err != nil {
		return err
	}
	if path == "-" {
		if opts.Stdout == nil {
			return fmt.Errorf("write %s report to stdout: no stdout writer was given", format)
		}
		if _, err := opts.Stdout.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write %s report to stdout: %w", format, err)
		}
		return nil
	}
	if path == "" {
		return fmt.Errorf("write %s report: the path is empty: give a file path or - for stdout", format)
	}
	// A report path like reports/argus.sarif in a fresh CI checkout names a directory that does
	// not exist yet; creating it is what the user meant.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	return nil
}

// Target is one `--report FORMAT=PATH` request.
type Target struct {
	Format string
	Path   string
}

// ParseTarget parses the value of a `--report FORMAT=PATH` flag.
func ParseTarget(s string) (Target, error) {
	format, path, ok := strings.Cut(s, "=")
	if !ok || format == "" || path == "" {
		return Target{}, fmt.Errorf("report %q: want FORMAT=PATH (PATH - is stdout), with FORMAT one of %s", s, strings.Join(Formats(), ", "))
	}
	if _, err := lookup(format); err != nil {
		return Target{}, fmt.Errorf("report %q: %w", s, err)
	}
	return Target{Format: format, Path: path}, nil
}

// normalize returns a deep copy of run with every string redacted and jobs and results in a
// stable order: jobs by name (then subject), results by title (stable, so equal titles keep
// the provider's order).
func normalize(run *result.Run, secrets []string) *result.Run {
	red := newRedactor(secrets)
	out := &result.Run{
		ID:      red.s(run.ID),
		Started: run.Started,
		Ended:   run.Ended,
		Config:  red.s(run.Config),
	}
	for _, w := range run.UnusedWaivers {
		out.UnusedWaivers = append(out.UnusedWaivers, red.waiver(w))
	}
	for _, j := range run.Jobs {
		nj := result.Job{
			Name:     red.s(j.Name),
			Provider: red.s(j.Provider),
			Labels:   red.m(j.Labels),
			Subject:  sdk.Subject{Type: red.s(j.Subject.Type), Identifier: red.s(j.Subject.Identifier)},
			Location: result.Location{File: red.s(j.Location.File), Line: j.Location.Line, Column: j.Location.Column},
			Start:    j.Start,
			End:      j.End,
			Stderr:   red.s(j.Stderr),

			Description: red.s(j.Description),
			Remediation: red.s(j.Remediation),
			Waivers:     red.waivers(j.Waivers),
			Expired:     red.waivers(j.Expired),
		}
		for _, r := range j.Results {
			nr := sdk.Result{
				Title:       red.s(r.Title),
				Description: red.s(r.Description),
				Status:      r.Status,
				Reason:      red.s(r.Reason),
				Labels:      red.m(r.Labels),
				Remarks:     red.s(r.Remarks),
				Severity:    result.Severity(r),
			}
			for _, c := range r.Controls {
				nr.Controls = append(nr.Controls, red.s(c))
			}
			for _, o := range r.Observations {
				no := sdk.Observation{Title: red.s(o.Title), Description: red.s(o.Description)}
				if o.Evidence != nil {
					no.Evidence, _ = red.any(o.Evidence).(map[string]any)
				}
				nr.Observations = append(nr.Observations, no)
			}
			nj.Results = append(nj.Results, nr)
		}
		slices.SortStableFunc(nj.Results, func(a, b sdk.Result) int { return strings.Compare(a.Title, b.Title) })
		out.Jobs = append(out.Jobs, nj)
	}
	slices.SortStableFunc(out.Jobs, func(a, b result.Job) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := strings.Compare(a.Subject.Type, b.Subject.Type); c != 0 {
			return c
		}
		return strings.Compare(a.Subject.Identifier, b.Subject.Identifier)
	})
	return out
}

// redactor replaces secret values by "***".
type redactor struct{ r *strings.Replacer }

func newRedactor(secrets []string) redactor {
	var vals []string
	for _, s := range secrets {
		if strings.TrimSpace(s) != "" {
			vals = append(vals, s)
		}
	}
	if len(vals) == 0 {
		return redactor{}
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(vals, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	var pairs []string
	for _, v := range slices.Compact(vals) {
		pairs = append(pairs, v, "***")
	}
	return redactor{r: strings.NewReplacer(pairs...)}
}

func (red redactor) s(v string) string {
	if red.r == nil {
		return v
	}
	return red.r.Replace(v)
}

func (red redactor) m(v map[string]string) map[string]string {
	if v == nil {
		return nil
	}
	out := make(map[string]string, len(v))
	for k, val := range v {
		out[red.s(k)] = red.s(val)
	}
	return out
}

func (red redactor) waiver(w waiver.Waiver) waiver.Waiver {
	w.Name, w.Job, w.Result = red.s(w.Name), red.s(w.Job), red.s(w.Result)
	w.Reason, w.ApprovedBy, w.File = red.s(w.Reason), red.s(w.ApprovedBy), red.s(w.File)
	return w
}

// waivers redacts a by-title map of waivers; the titles are redacted as the results' are, so
// that the map still finds them.
func (red redactor) waivers(m map[string]waiver.Waiver) map[string]waiver.Waiver {
	if m == nil {
		return nil
	}
	out := make(map[string]waiver.Waiver, len(m))
	for title, w := range m {
		out[red.s(title)] = red.waiver(w)
	}
	return out
}

// any redacts the strings inside decoded JSON evidence.
func (red redactor) any(v any) any {
	switch v := v.(type) {
	case string:
		return red.s(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			out[red.s(k)] = red.any(val)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, val := range v {
			out[i] = red.any(val)
		}
		return out
	}
	return v
}

// stableUUID derives a UUID shaped like a version 4 UUID (version nibble 4, variant 10) from a
// hash of parts, so that the same run renders the same identifiers. Each part is length
// prefixed, so ("ab", "c") and ("a", "bc") differ.
func stableUUID(parts ...string) string {
	var u [16]byte
	copy(u[:], digest(parts))
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// fingerprint is a stable hex digest of parts, length prefixed like stableUUID.
func fingerprint(parts ...string) string { return hex.EncodeToString(digest(parts)) }

// digest is the SHA-256 of parts, each length prefixed.
func digest(parts []string) []byte {
	h := sha256.New()
	for _, p := range parts {
		_, _ = fmt.Fprintf(h, "%d:%s;", len(p), p) // a hash.Hash never returns a write error
	}
	return h.Sum(nil)
}

// controls returns the control identifiers of one result: the job's "control" label (one id
// or a comma-separated list) and the result's own controls, deduplicated and sorted.
func controls(j result.Job, r sdk.Result) []string {
	var ids []string
	for c := range strings.SplitSeq(j.Labels["control"], ",") {
		if c = strings.TrimSpace(c); c != "" {
			ids = append(ids, c)
		}
	}
	for _, c := range r.Controls {
		if c = strings.TrimSpace(c); c != "" {
			ids = append(ids, c)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// tokenRE is OSCAL's token datatype. Control ids such as "ac-6" are tokens; CIS-style ids
// such as "3.3.1" are not (a token cannot start with a digit).
var tokenRE = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)

func isToken(s string) bool { return tokenRE.MatchString(s) }

// location is where a report points for a job: its block in the config, or, for a job that
// has none (it came from the control plane), the config itself at line 1. Every SARIF result
// needs a location, or GitHub rejects the whole upload.
func location(run *result.Run, j result.Job) result.Location {
	loc := j.Location
	if loc.File == "" {
		loc = result.Location{File: run.Config, Line: 1}
	}
	if loc.File == "" {
		loc.File = "argus.hcl"
	}
	if loc.Line < 1 {
		loc.Line = 1
	}
	if loc.Column < 0 {
		loc.Column = 0
	}
	return loc
}

// relPath returns file relative to base (when base is set and file is inside it), with
// forward slashes, as GitHub and SARIF consumers expect.
func relPath(base, file string) string {
	if base != "" {
		if absBase, err := filepath.Abs(base); err == nil {
			if absFile, err := filepath.Abs(file); err == nil {
				if rel, err := filepath.Rel(absBase, absFile); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					file = rel
				}
			}
		}
	}
	return filepath.ToSlash(file)
}

// timestamp renders t in UTC with a zone, as OSCAL and the JSON report require.
func timestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// optTimestamp is timestamp(t), or "" for the zero time (omitted from the output).
func optTimestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return timestamp(t)
}

// seconds is the duration from a to b in seconds, rounded to milliseconds; 0 when either is
// unknown.
func seconds(a, b time.Time) float64 {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0
	}
	return math.Round(b.Sub(a).Seconds()*1000) / 1000
}

// firstSet returns the first non-zero time.
func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// statusRank orders statuses for views that put failures first.
func statusRank(s sdk.Status) int {
	switch s {
	case sdk.StatusFail:
		return 0
	case sdk.StatusError:
		return 1
	case sdk.StatusSkip:
		return 2
	case sdk.StatusPass:
		return 3
	}
	return 4
}

// jobResult is one result with the job it belongs to, for views that list results flat.
type jobResult struct {
	Job    *result.Job
	Result sdk.Result
}

// waiver is the waiver that accepts the result, if any.
func (jr jobResult) waiver() (waiver.Waiver, bool) { return jr.Job.Waiver(jr.Result) }

// waivedText says who accepted a failure, why and until when, in one line.
func waivedText(w waiver.Waiver) string {
	s := fmt.Sprintf("waived by %q until %s: %s", w.Name, w.ExpiresText(), w.Reason)
	if w.ApprovedBy != "" {
		s += " (approved by " + w.ApprovedBy + ")"
	}
	return s
}

// securitySeverity is the CVSS-like score GitHub code scanning reads from a SARIF rule's
// properties.security-severity: over 9.0 is critical, 7.0 to 8.9 high, 4.0 to 6.9 medium,
// 0.1 to 3.9 low. Info has no score.
func securitySeverity(s sdk.Severity) string {
	switch s {
	case sdk.SeverityCritical:
		return "9.5"
	case sdk.SeverityHigh:
		return "8.0"
	case sdk.SeverityMedium:
		return "5.5"
	case sdk.SeverityLow:
		return "2.0"
	}
	return ""
}

// flatten lists the results of a normalized run in job then title order.
func flatten(run *result.Run) []jobResult {
	var out []jobResult
	for i := range run.Jobs {
		for _, r := range run.Jobs[i].Results {
			out = append(out, jobResult{Job: &run.Jobs[i], Result: r})
		}
	}
	return out
}

// firstLines returns at most n lines of s, with a marker when lines were left out.
func firstLines(s string, n int) string {
	s = strings.TrimRight(s, "\r\n")
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… (%d more lines)", len(lines)-n)
}

// truncateRunes cuts s to at most n runes, marking the cut.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
